"""Each room type's availability as an iCalendar feed, for the channels that import one (Airbnb, Booking.com,
Vrbo: shared/integrations/ical.md).

A night is busy when every room of the type in service is held that night (a stay, a hold in checkout, an
imported block: whatever makes it unsellable here) or the night is closed; busy nights run together into
all-day events "Not available" (DTEND exclusive: the day after the last busy night), for the next
HORIZON_DAYS days. No guest data and no booking references: a channel learns only which dates are taken.
UIDs end with "@" + EXPORT_UID_DOMAIN, so our own events handed back by a channel are never imported.

The feed's address carries a signed token naming the room type and its ``calendar_key``: unguessable,
bound to this hotel's room type, and a new key (``calendar_rotate``) ends the old address.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, date, datetime, timedelta

from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from icalendar import Calendar, Event

from innkeeper.booking.selectors import held_during
from innkeeper.core import audit, tokens
from innkeeper.hotels.links import hotel_url
from innkeeper.hotels.models import Hotel, RateOverride, Room, RoomStatus, RoomType
from innkeeper.pms.adapters.ical import EXPORT_UID_DOMAIN

HORIZON_DAYS = 365
SALT = "innkeeper.pms.calendar"
PRODID = "-//Innkeeper//Availability 1.0//EN"
SUMMARY = "Not available"


def calendar_token(room_type: RoomType) -> str:
    return tokens.sign([room_type.pk, room_type.calendar_key], salt=SALT)


def room_type_for_token(*, hotel: Hotel, token: str) -> RoomType | None:
    """The hotel's room type whose current calendar address ``token`` is; None for anything else."""
    try:
        pk, key = tokens.unsign(token, salt=SALT)
    except (signing.BadSignature, TypeError, ValueError):
        return None
    room_type = RoomType.objects.filter(hotel=hotel, pk=pk).first() if isinstance(pk, int) else None
    if room_type is None or not room_type.calendar_key or not constant_time_compare(room_type.calendar_key,
                                                                                      str(key)):
        return None
    return room_type


def calendar_url(*, hotel: Hotel, room_type: RoomType, actor=None, rotate: bool = False) -> str:
    """The address of ``room_type``'s availability calendar, made on first use; ``rotate``: a new address,
    the old one ends."""
    if room_type.hotel_id != hotel.pk:
        raise ValueError("the room type is another hotel's")
    if rotate or not room_type.calendar_key:
        with transaction.atomic():
            before = bool(room_type.calendar_key)
            room_type.calendar_key = secrets.token_urlsafe(24)
            RoomType.objects.filter(hotel=hotel, pk=room_type.pk).update(calendar_key=room_type.calendar_key)
            audit.record(hotel=hotel, actor=actor, action="roomtype.calendar_rotate" if before
                         else "roomtype.calendar_create", obj=room_type)
    return hotel_url(hotel, "calendar_feed", token=calendar_token(room_type))


def _night(hotel: Hotel, day: date) -> tuple[datetime, datetime]:
    """The night of ``day``: from the hotel's check-in time that day to its check-out time the next."""
    tz = hotel.tz
    return (datetime.combine(day, hotel.check_in_time, tz),
            datetime.combine(day + timedelta(days=1), hotel.check_out_time, tz))


def busy_nights(*, hotel: Hotel, room_type: RoomType, first: date, days: int, now: datetime) -> list[date]:
    """The nights from ``first`` (``days`` of them) on which ``room_type`` cannot be sold. Three queries."""
    rooms = set(Room.objects.filter(hotel=hotel, room_type=room_type, status=RoomStatus.AVAILABLE)
                .values_list("pk", flat=True))
    nights = [first + timedelta(days=i) for i in range(days)]
    closed = set(RateOverride.objects.filter(hotel=hotel, room_type=room_type, closed=True, date__gte=first,
                                             date__lt=first + timedelta(days=days)).values_list("date", flat=True))
    held: dict[date, set[int]] = {night: set() for night in nights}
    start, until = _night(hotel, first)[0], _night(hotel, nights[-1])[1]
    for room_id, blocks_from, blocks_until in held_during(hotel=hotel, room_type=room_type, start=start,
                                                          until=until, now=now):
        day = max(first, blocks_from.astimezone(hotel.tz).date() - timedelta(days=1))
        last = min(nights[-1], blocks_until.astimezone(hotel.tz).date())
        while day <= last:
            night_start, night_end = _night(hotel, day)
            if blocks_from < night_end and blocks_until > night_start:
                held[day].add(room_id)
            day += timedelta(days=1)
    return [night for night in nights if night in closed or not rooms or rooms <= held[night]]


def _runs(nights: list[date]) -> list[tuple[date, date]]:
    """Consecutive nights as [first night, the day after the last)."""
    runs: list[tuple[date, date]] = []
    for night in nights:
        if runs and runs[-1][1] == night:
            runs[-1] = (runs[-1][0], night + timedelta(days=1))
        else:
            runs.append((night, night + timedelta(days=1)))
    return runs


def calendar_feed(*, hotel: Hotel, room_type: RoomType, now: datetime | None = None) -> bytes:
    """``room_type``'s availability for the next HORIZON_DAYS days as iCalendar (RFC 5545, CRLF, folded)."""
    now = now or timezone.now()
    today = now.astimezone(hotel.tz).date()
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    # To the hour: the same availability is the same bytes (and ETag) for an hour of fetches.
    stamp = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    for first, end in _runs(busy_nights(hotel=hotel, room_type=room_type, first=today, days=HORIZON_DAYS, now=now)):
        event = Event()
        # The same busy run keeps its UID from one fetch to the next; the UID says nothing about who stays.
        digest = hashlib.sha256(f"{hotel.pk}:{room_type.pk}:{room_type.calendar_key}:{first}:{end}".encode())
        event.add("uid", f"{digest.hexdigest()[:24]}@{EXPORT_UID_DOMAIN}")
        event.add("dtstamp", stamp)
        event.add("dtstart", first)
        event.add("dtend", end)
        event.add("summary", SUMMARY)
        cal.add_component(event)
    return cal.to_ical()
