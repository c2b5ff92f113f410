"""Reads: what is free, what it costs, and finding a guest's booking."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from innkeeper.booking import rules
from innkeeper.booking.errors import NoAvailability
from innkeeper.booking.models import Booking
from innkeeper.booking.pricing import Quote, quote
from innkeeper.booking.references import normalise
from innkeeper.booking.states import ACTIVE, EXPIRING
from innkeeper.booking.stays import Stay
from innkeeper.core.errors import NotFound
from innkeeper.hotels.models import Hotel, Room, RoomStatus, RoomType
from innkeeper.hotels.selectors import rate_overrides


def occupying(now: datetime) -> Q:
    """Bookings that hold their room at ``now``: active, and not a hold whose time ran out."""
    return Q(status__in=ACTIVE) & ~Q(status__in=EXPIRING, hold_expires_at__lte=now)


def busy_room_ids(*, hotel: Hotel, room_type: RoomType, stay: Stay, now: datetime, exclude_booking_id=None):
    """Rooms of ``room_type`` that cannot take ``stay`` (with the type's turnover after it)."""
    until = stay.end + timedelta(minutes=room_type.turnover_minutes)
    qs = Booking.objects.filter(occupying(now), hotel=hotel, room__room_type=room_type,
                                start__lt=until, blocks_until__gt=stay.start)
    if exclude_booking_id:
        qs = qs.exclude(pk=exclude_booking_id)
    return qs.values("room_id")


def free_rooms(*, hotel: Hotel, room_type: RoomType, stay: Stay, now: datetime, exclude_booking_id=None):
    busy = busy_room_ids(hotel=hotel, room_type=room_type, stay=stay, now=now,
                         exclude_booking_id=exclude_booking_id)
    return (Room.objects.filter(hotel=hotel, room_type=room_type, status=RoomStatus.AVAILABLE)
            .exclude(pk__in=busy).order_by("number"))


@dataclass(frozen=True)
class Offer:
    room_type: RoomType
    available: int
    quote: Quote | None
    reason: str | None = None  # why none can be booked: a rule code, or "sold_out"
    message: str | None = None


def availability(*, hotel: Hotel, stay: Stay, guests: int, now: datetime) -> list[Offer]:
    """Every active room type of ``hotel``: how many rooms are free for ``stay`` and the price.

    Four queries whatever the number of room types: types, room counts, overlapping stays, rates.
    """
    types = list(RoomType.objects.filter(hotel=hotel, is_active=True).select_related("hotel"))
    if not types:
        return []
    room_counts = dict(Room.objects.filter(hotel=hotel, room_type__in=types, status=RoomStatus.AVAILABLE)
                       .values_list("room_type_id").annotate(n=Count("id")))
    longest_turnover = timedelta(minutes=max(t.turnover_minutes for t in types))
    overlapping = (Booking.objects.filter(occupying(now), hotel=hotel, start__lt=stay.end + longest_turnover,
                                          blocks_until__gt=stay.start, room__status=RoomStatus.AVAILABLE)
                   .values_list("room_id", "room__room_type_id", "start"))
    busy: Counter = Counter()
    seen = set()
    type_by_id = {t.id: t for t in types}
    for room_id, type_id, start in overlapping:
        room_type = type_by_id.get(type_id)
        if room_type is None or room_id in seen:
            continue
        if start < stay.end + timedelta(minutes=room_type.turnover_minutes):
            seen.add(room_id)
            busy[type_id] += 1
    overrides = rate_overrides(hotel=hotel, room_type_ids=type_by_id, dates=stay.dates)

    offers = []
    for room_type in types:
        ov = overrides.get(room_type.id, {})
        broken = rules.violation(room_type=room_type, stay=stay, guests=guests, overrides=ov)
        if broken:
            offers.append(Offer(room_type, 0, None, broken.code, broken.message))
            continue
        free = max(0, room_counts.get(room_type.id, 0) - busy[room_type.id])
        priced = quote(hotel=hotel, room_type=room_type, stay=stay, guests=guests, overrides=ov)
        if free:
            offers.append(Offer(room_type, free, priced))
        else:
            offers.append(Offer(room_type, 0, priced, NoAvailability.code,
                                _("No %(name)s is free for these dates.") % {"name": room_type.name}))
    return offers


def booking_for_guest(*, reference: str, email: str) -> Booking:
    """A booking by its reference, only for the e-mail it was made with (cross-hotel lookup).

    A wrong e-mail and an unknown reference look the same, so references cannot be probed.
    """
    with scopes_disabled():
        booking = (Booking.objects.select_related("hotel", "room_type", "room")
                   .filter(reference=normalise(reference)).first())
    if booking is None or booking.guest_email.casefold() != (email or "").strip().casefold():
        raise NotFound(_("No booking matches this reference and e-mail."))
    return booking


@dataclass(frozen=True)
class DaySheet:
    arrivals: list[Booking]
    departures: list[Booking]
    in_house: list[Booking]


def day_sheet(*, hotel: Hotel, now: datetime) -> DaySheet:
    """Today at the hotel (its own calendar day): who arrives, who leaves, who is in a room now."""
    local = now.astimezone(hotel.tz)
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    day_end = (day_start + timedelta(days=1)).replace(tzinfo=None)
    day_end = day_end.replace(tzinfo=hotel.tz)  # the next midnight, right across a DST change
    staying = (Booking.objects.filter(hotel=hotel, status__in=ACTIVE | {"CHECKED_OUT"})
               .select_related("room", "room_type").order_by("start"))
    return DaySheet(
        arrivals=list(staying.filter(start__gte=day_start, start__lt=day_end)),
        departures=list(staying.filter(end__gte=day_start, end__lt=day_end).order_by("end")),
        in_house=list(staying.filter(start__lte=now, end__gt=now).exclude(status="CHECKED_OUT")),
    )
