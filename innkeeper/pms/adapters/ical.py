"""Channel calendars (.ics feeds) as a PMS: each room's Airbnb / Booking.com / Vrbo calendar, read as the
stays that block the room (shared/integrations/ical.md).

One account per hotel (IntegrationAccount is one per hotel and kind), holding every room's feed: ``feeds``,
one line per room, "ROOM URL" (the room's number here, a space, the channel's export URL); ``url`` and
``room`` are the same for a hotel with one feed. Feed URLs are the channel's only authentication, so they are
secrets, and they are hotel-set, so every fetch passes the outbound guard (no redirects followed, at most
MAX_BYTES, FETCH_TIMEOUT seconds).

Every VEVENT is a reservation of its room: BOOKED, or CANCELLED when it says STATUS:CANCELLED; no guest (the
channels give none: the sync takes guestless reservations as blocks and sends no messages); all-day dates
as they are (DTEND exclusive: the check-out day), date-times in their own zone (TZID, UTC, or the hotel's
when floating). ``external_id`` is "ROOM|UID"; ``booking_ref`` is the Airbnb code (HM...) when the event
carries one, else the UID. Our own export (its UIDs end with EXPORT_UID_DOMAIN) is skipped, so a channel
that hands our feed back never blocks a room with it.

Feeds carry no change marks: ``changed`` returns every event not yet departed, with a cursor that is a
digest of the feeds' contents (the same digest again: an empty page). A cancellation is mostly an event that
vanished, which the sync learns from ``reservation(id)``: it returns None only when the room's feed was read
successfully just now and lacks the UID (a failed read raises PmsError; a feed that is suddenly empty counts
only when two reads in a row, i.e. two ``changed`` cursors, agree).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from icalendar import Calendar

from innkeeper.core import outbound
from innkeeper.core.errors import InvalidInput
from innkeeper.core.providers import ConfigField, VerifyFailed, register
from innkeeper.pms.adapters.base import (
    ExternalStatus,
    Page,
    PmsAdapter,
    PmsError,
    PmsGuest,
    PmsReservation,
    PmsRoom,
    PmsRoomType,
)

MAX_BYTES = 2 * 1024 * 1024  # a year of a busy room is a few kilobytes; more is not a channel calendar
FETCH_TIMEOUT = 20.0  # seconds per feed
VERIFY_TIMEOUT = 10.0
MAX_FEEDS = 500
EXPORT_UID_DOMAIN = "availability.innkeeper"  # our own feeds' UIDs end with "@" + this (pms.ical_export)
AIRBNB_CODE = re.compile(r"/reservations/details/([A-Z0-9]{6,12})\b")


@dataclass
class _Feed:
    room: str
    url: str
    digest: str = ""
    events: dict | None = None  # UID -> PmsReservation, once read successfully
    confirmed_empty: bool = False  # no events, and the previous read (the cursor) said so too


def _key(room: str) -> str:
    return hashlib.sha256(room.encode()).hexdigest()[:8]


def parse_feeds(config: dict) -> list[tuple[str, str]]:
    """(room, url) of every feed in an account's config, in the order given."""
    pairs = []
    if (config.get("url") or "").strip():
        pairs.append(((config.get("room") or "").strip(), config["url"].strip()))
    for line in (config.get("feeds") or "").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            room, _sep, url = line.rpartition(" ")  # a line with the address alone names no room
            pairs.append((room.strip(), url.strip()))
    return pairs


@register
class ICalAdapter(PmsAdapter):
    name = "ical"
    fields = (ConfigField("feeds", secret=True), ConfigField("url", url=True, secret=True), ConfigField("room"))
    missing_message = gettext_lazy("Give each room's calendar address: one line per room, its number, a space "
                                   "and the address.")
    STATUS_MAP = {"": ExternalStatus.BOOKED, "CONFIRMED": ExternalStatus.BOOKED,
                  # The channels block the dates of a tentative event as well: so does the hotel.
                  "TENTATIVE": ExternalStatus.BOOKED, "CANCELLED": ExternalStatus.CANCELLED}

    def __init__(self, feeds: list[tuple[str, str]], *, tz: ZoneInfo, timeout: float = FETCH_TIMEOUT):
        self.feeds = {room: _Feed(room, url) for room, url in feeds}
        self.tz, self.timeout = tz, timeout
        self._client: httpx.Client | None = None

    # -- config ------------------------------------------------------------------------------------

    @classmethod
    def clean_config(cls, config: dict) -> dict:
        cleaned = super().clean_config(config)
        pairs = parse_feeds(cleaned)
        if not pairs:
            raise InvalidInput(cls.missing_message, field="feeds", code="required")
        field = "feeds" if cleaned.get("feeds") else "url"
        seen = set()
        for room, url in pairs:
            if not room or "|" in room:
                raise InvalidInput(_("Give the room's number before each calendar address."), field=field,
                                   code="invalid")
            if room in seen:
                raise InvalidInput(_("Room %(room)s has two calendar addresses: give one.") % {"room": room},
                                   field=field, code="invalid")
            seen.add(room)
            outbound.check_outbound_url(url, field=field)
        if len(pairs) > MAX_FEEDS:
            raise InvalidInput(_("Give at most %(count)s calendar addresses.") % {"count": MAX_FEEDS},
                               field=field, code="invalid")
        return cleaned

    @classmethod
    def from_config(cls, config: dict, *, hotel=None, timeout: float = FETCH_TIMEOUT) -> ICalAdapter:
        return cls(parse_feeds(config), tz=hotel.tz if hotel is not None else ZoneInfo("UTC"), timeout=timeout)

    @classmethod
    def verify(cls, config: dict, *, hotel=None) -> str:
        """Every feed read once: the first that cannot be read is named."""
        adapter = cls.from_config(config, hotel=hotel, timeout=VERIFY_TIMEOUT)
        try:
            count = sum(len(adapter._read(feed)) for feed in adapter.feeds.values())
        except PmsError as error:
            raise VerifyFailed(error.message) from None
        feeds = ngettext("%(count)s calendar", "%(count)s calendars", len(adapter.feeds)) % {
            "count": len(adapter.feeds)}
        return ngettext("Read %(feeds)s: %(count)s stay or closed period.",
                        "Read %(feeds)s: %(count)s stays or closed periods.", count) % {
            "feeds": feeds, "count": count}

    # -- reading a feed -----------------------------------------------------------------------------

    def _fetch(self, feed: _Feed) -> bytes:
        if self._client is None:
            self._client = outbound.guarded_client(timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 10)))
        where = {"room": feed.room}
        try:
            with self._client.stream("GET", feed.url, headers={"Accept": "text/calendar"}) as response:
                status = response.status_code
                if status != 200:
                    raise PmsError(f"http_{status}", _(
                        "The calendar address for room %(room)s answered with an error (HTTP %(status)s).")
                        % {**where, "status": status}, retryable=status >= 500 or status == 429)
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > MAX_BYTES:
                        raise PmsError("too_large", _(
                            "The calendar for room %(room)s is larger than %(size)s MB: it is not a room's "
                            "calendar.") % {**where, "size": MAX_BYTES // (1024 * 1024)}, retryable=False)
        except outbound.OutboundRefused as exc:
            raise PmsError("address_refused", exc.message, retryable=False) from exc
        except httpx.TimeoutException as exc:
            raise PmsError("timeout", _("The calendar address for room %(room)s did not answer in time.") % where,
                           retryable=True) from exc
        except httpx.TransportError as exc:
            raise PmsError("network", _("The calendar address for room %(room)s could not be reached.") % where,
                           retryable=True) from exc
        return bytes(body)

    def _read(self, feed: _Feed) -> dict:
        """UID -> PmsReservation of every event in ``feed`` (read once per adapter)."""
        if feed.events is not None:
            return feed.events
        body = self._fetch(feed)
        try:
            calendar = Calendar.from_ical(body.decode("utf-8-sig", errors="replace"))
            if calendar.name != "VCALENDAR":
                raise ValueError("not a VCALENDAR")
            events = {}
            for event in calendar.walk("VEVENT"):
                reservation = self._reservation(feed.room, event)
                if reservation is not None:
                    events[reservation.external_id.partition("|")[2]] = reservation
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise PmsError("malformed", _("The calendar for room %(room)s is not a readable iCalendar file.")
                           % {"room": feed.room}, retryable=False) from exc
        feed.digest = hashlib.sha256(body).hexdigest()[:16]
        feed.events = events
        return events

    def _moment(self, value) -> tuple[date, datetime | None]:
        """The local date of a DTSTART / DTEND value, and the aware moment when it is a date-time."""
        if isinstance(value, datetime):
            moment = value if value.tzinfo is not None else value.replace(tzinfo=self.tz)  # floating: local
            return moment.astimezone(self.tz).date(), moment
        if isinstance(value, date):
            return value, None  # all-day: a floating date, taken as it is
        raise ValueError("not a date")

    def _reservation(self, room: str, event) -> PmsReservation | None:
        uid = str(event.get("UID") or "").strip()
        if not event.get("DTSTART"):
            raise ValueError("an event without DTSTART")
        check_in, start = self._moment(event.decoded("DTSTART"))
        if event.get("DTEND"):
            check_out, end = self._moment(event.decoded("DTEND"))
        elif event.get("DURATION"):
            later = event.decoded("DTSTART") + event.decoded("DURATION")
            check_out, end = self._moment(later)
        else:  # RFC 5545: an all-day event without an end lasts the day; a date-time one, an instant
            check_out, end = check_in + timedelta(days=1), start
        check_out = max(check_out, check_in + timedelta(days=1))  # an event within a day blocks that night
        summary = str(event.get("SUMMARY") or "").strip()
        if not uid:  # a UID is required; a feed without one still names the same event by its dates
            uid = hashlib.sha256(f"{check_in}|{check_out}|{summary}".encode()).hexdigest()[:24]
        if uid.lower().endswith("@" + EXPORT_UID_DOMAIN):
            return None  # our own export, handed back by the channel
        pms_status = str(event.get("STATUS") or "").strip().upper()
        code = AIRBNB_CODE.search(str(event.get("DESCRIPTION") or ""))
        return PmsReservation(
            external_id=f"{room}|{uid}", status=self.map_status(pms_status), pms_status=pms_status or "CONFIRMED",
            check_in=check_in, check_out=check_out, room=PmsRoom(external_id=room, number=room),
            booking_ref=code.group(1) if code else uid[:100], start=start,
            end=end if start is not None and end is not None and end > start else None,
            updated=str(event.get("LAST-MODIFIED").dt.astimezone(UTC).isoformat()) if event.get("LAST-MODIFIED")
            else "")

    def map_status(self, pms_status: str) -> str:
        # Unknown words (STATUS is free to extend) block the dates, as the channels do.
        return self.STATUS_MAP.get(pms_status, ExternalStatus.BOOKED)

    # -- the adapter interface ----------------------------------------------------------------------

    def _read_all(self, before_empty: set[str]) -> tuple[str, list[PmsReservation]]:
        """Read every feed: the cursor ("DIGEST:EMPTY-FEEDS:p", p when a feed is empty for the first time, so
        that the next read runs in full to confirm it) and every event. ``before_empty``: the feeds the
        previous read found empty."""
        everything, empty, unconfirmed = [], [], False
        for feed in self.feeds.values():
            events = self._read(feed)
            everything.extend(events.values())
            if not events:
                empty.append(_key(feed.room))
                feed.confirmed_empty = _key(feed.room) in before_empty
                unconfirmed = unconfirmed or not feed.confirmed_empty
        digest = hashlib.sha256("".join(f"{_key(f.room)}{f.digest}" for f in self.feeds.values()).encode())
        return f"{digest.hexdigest()[:20]}:{','.join(sorted(empty))}:{'p' if unconfirmed else ''}", everything

    def changed(self, since: str | None, *, limit: int = 500) -> Page:
        # since: a cursor "DIGEST:EMPTY:p", or in the middle of a batch "CURSOR@OFFSET@EMPTY-BEFORE-IT"
        head, _sep, rest = (since or "").partition("@")
        offset, _sep, before = rest.partition("@")
        digest, _sep, tail = head.partition(":")
        empty, _sep, pending = tail.partition(":")
        before_empty = set(filter(None, (before if offset else empty).split(",")))
        cursor, events = self._read_all(before_empty)
        same = digest == cursor.partition(":")[0]
        if same and not offset and not pending:
            return Page([], cursor)  # nothing changed since that read
        today = timezone.now().astimezone(self.tz).date()
        events = sorted((e for e in events if e.check_out >= today), key=lambda e: (e.check_in, e.external_id))
        start = int(offset) if same and offset.isdigit() else 0  # the feeds changed mid-batch: start again
        if start + limit < len(events):
            return Page(events[start:start + limit], f"{cursor}@{start + limit}@{','.join(sorted(before_empty))}",
                        more=True)
        return Page(events[start:], cursor)

    def between(self, start: date, end: date) -> Iterable[PmsReservation]:
        self._read_all(set())
        return sorted((e for feed in self.feeds.values() for e in feed.events.values()
                       if e.check_in < end and e.check_out > start), key=lambda e: (e.check_in, e.external_id))

    def reservation(self, external_id: str) -> PmsReservation | None:
        room, _sep, uid = external_id.partition("|")
        feed = self.feeds.get(room)
        if feed is None:
            return None  # the owner took this room's feed away: its stays go with it
        events = self._read(feed)  # raises: a failed read never answers None
        if uid in events:
            return events[uid]
        if not events and not feed.confirmed_empty:
            raise PmsError("empty_feed", _("The calendar for room %(room)s came back empty; its stays are kept "
                                           "until the next read says the same.") % {"room": room}, retryable=True)
        return None

    def guest(self, external_id: str) -> PmsGuest:
        return PmsGuest(external_id=external_id)  # channel calendars carry no guest

    def room_types(self) -> list[PmsRoomType]:
        return []

    def rooms(self) -> list[PmsRoom]:
        return [PmsRoom(external_id=room, number=room) for room in self.feeds]
