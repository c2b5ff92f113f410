"""Cloudbeds PMS API v1.3 (see shared/integrations/pms-cloudbeds.md; ground truth: cloudbeds/openapi-specs).

RPC-style GET calls (``/getReservations``, ``/getReservation``, ``/getGuest``, ``/getRoomTypes``, ``/getRooms``)
with the key in ``x-api-key`` (an API key) or ``Authorization: Bearer`` (an OAuth access token), answers
``{"success": true, "data": ...}`` where ``success: false`` may come with HTTP 200.

One reservation of ours is one room line of a Cloudbeds booking: ``external_id`` is
``"<reservationID>/<subReservationID>"``, ``booking_ref`` the reservationID the guest knows. ``reservation()``
also takes a bare reservationID (the booking's first room line). Webhooks name only the booking, so their
events carry ``booking_ref`` and no ``reservation_id``.

Status table (``STATUS_MAP``; a room line's own ``roomStatus`` wins where it says cancelled / in house /
checked out, so one room of a booking can be checked in before the others):

    Cloudbeds        ours
    not_confirmed    TENTATIVE     pending confirmation
    confirmed        BOOKED
    checked_in       IN_HOUSE      (``in_house`` on a room line)
    checked_out      CHECKED_OUT
    canceled         CANCELLED     (``cancelled`` with two l on a room line)
    no_show          NO_SHOW

Changes are read with ``modifiedFrom``/``modifiedTo`` windows (``dateModified`` is in the property's time,
so the window is sent in the hotel's time zone; UNCONFIRMED) that overlap by ``SKEW`` and are pinned for a
whole pass of pages, ``pageSize`` at most 100; the first pass reads every booking not yet departed
(``checkOutFrom`` today). Cloudbeds' webhooks carry no signature: the hook URL holds a secret
(``?secret=``) compared in constant time, and the event is only a hint to fetch the booking.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
from datetime import UTC, date, datetime, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from innkeeper.core.providers import (
    Callback,
    CallbackMalformed,
    CallbackRefused,
    ConfigField,
    VerifyFailed,
    register,
)
from innkeeper.pms.adapters import transport
from innkeeper.pms.adapters.base import (
    ExternalStatus,
    Page,
    PmsAdapter,
    PmsError,
    PmsEvent,
    PmsGuest,
    PmsReservation,
    PmsRoom,
    PmsRoomType,
)

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.cloudbeds.com/api/v1.3"
PAGE_SIZE = 100  # getReservations' most
SKEW = timedelta(minutes=15)  # each window of changes starts this long before the last one ended
MAX_PAGES = 1000  # a list that never ends is an unreadable answer, not a reason to loop forever
TIMEOUT, VERIFY_TIMEOUT = 30.0, 5.0
HOOK_SECRET = "secret"  # noqa: S105  (a parameter name, not a secret) the query parameter of the hook URL that holds the account's webhook secret
S = ExternalStatus
STATUS_MAP = {"not_confirmed": S.TENTATIVE, "confirmed": S.BOOKED, "checked_in": S.IN_HOUSE, "in_house": S.IN_HOUSE,
              "checked_out": S.CHECKED_OUT, "canceled": S.CANCELLED, "cancelled": S.CANCELLED, "no_show": S.NO_SHOW}
ROOM_STATUS_WINS = {"cancelled", "in_house", "checked_out"}  # a room line's roomStatus that says more than the booking's
_GONE = ("not found", "does not exist", "doesn't exist")  # success:false messages that mean "no such booking"
WORDS = transport.Words(
    timeout=gettext_noop("Cloudbeds did not answer in time."), network=gettext_noop("Cloudbeds could not be reached."),
    redirect=gettext_noop("Cloudbeds answered with a redirect, which is not followed: check the address."),
    server=gettext_noop("Cloudbeds answered with an error."),
    rate_limited=gettext_noop("Cloudbeds asked us to slow down; the sync tries again later."))
AUTH = ("auth", gettext_noop("Cloudbeds refused the API key or access token (or it lacks the permission to read "
                             "reservations)."), False)


def _day(value) -> date:
    try:
        return date.fromisoformat(str(value)[:10])
    except (TypeError, ValueError):
        raise PmsError("unreadable", gettext_noop("Cloudbeds sent a reservation with unreadable dates."),
                     retryable=False) from None


def _count(*values) -> int:
    total = 0
    for value in values:
        with contextlib.suppress(TypeError, ValueError):
            total += int(value or 0)
    return max(total, 1)


@register
class CloudbedsAdapter(PmsAdapter):
    name = "cloudbeds"
    STATUS_MAP = STATUS_MAP
    webhooks = True
    fields = (ConfigField("property_id", required=True),
              ConfigField("api_key", secret=True),  # an API key (cbat_...) or, instead, an OAuth access token
              ConfigField("access_token", secret=True),
              ConfigField("base_url", url=True),  # blank: Cloudbeds' own API
              ConfigField("webhook_secret", secret=True))  # the hook URL's ?secret=

    def __init__(self, *, property_id: str, api_key: str = "", access_token: str = "", base_url: str = "",
                 tz=UTC, timeout: float = TIMEOUT, guarded: bool = True):
        self.property_id = str(property_id)
        self.tz = tz
        headers = {"X-PROPERTY-ID": self.property_id, "Accept": "application/json"}
        if api_key:
            headers["x-api-key"] = api_key
        elif access_token:
            headers["Authorization"] = f"Bearer {access_token}"
        self.client = transport.client(base_url=(base_url or DEFAULT_BASE_URL).rstrip("/") + "/", headers=headers,
                                       timeout=timeout, guarded=guarded)
        self.credentials = bool(api_key or access_token)

    @classmethod
    def from_config(cls, config: dict, *, hotel=None, timeout: float = TIMEOUT) -> CloudbedsAdapter:
        base_url = config.get("base_url") or ""
        return cls(property_id=config.get("property_id", ""), api_key=config.get("api_key", ""),
                   access_token=config.get("access_token", ""), base_url=base_url,
                   tz=hotel.tz if hotel is not None else UTC, timeout=timeout,
                   guarded=bool(base_url) and not config.get("install"))

    def close(self) -> None:
        self.client.close()

    @classmethod
    def verify(cls, config: dict, *, hotel=None) -> str:
        """The property's room types: the key, the property id and the address all at once."""
        if not (config.get("api_key") or config.get("access_token")):
            raise VerifyFailed(_("Cloudbeds needs an API key or an access token."))
        adapter = cls.from_config(config, hotel=hotel, timeout=VERIFY_TIMEOUT)
        try:
            count = len(adapter.room_types())
        except PmsError as error:
            raise VerifyFailed(_(error.message)) from None
        finally:
            adapter.close()
        return _("Connected: the Cloudbeds property has %(count)s room types.") % {"count": count}

    # -- transport ---------------------------------------------------------------------------------

    def call(self, method: str, **params) -> dict:
        """GET ``method`` with ``params`` (propertyID added); the answer's body when ``success`` is true."""
        if not self.credentials:
            raise PmsError("auth", gettext_noop("Cloudbeds needs an API key or an access token."), retryable=False)
        # getRooms and getRoomTypes name the property "propertyIDs" (a list, comma-separated), the rest "propertyID".
        own = "propertyIDs" if method in ("getRooms", "getRoomTypes") else "propertyID"
        params = {own: self.property_id, **{k: v for k, v in params.items() if v is not None}}
        response = transport.send(self.client, "GET", method, WORDS, params=params)
        status = response.status_code
        transport.check(response, WORDS, {401: AUTH, 403: AUTH})
        body = transport.json_object(response, gettext_noop("Cloudbeds sent an unreadable answer."))
        if status == 404 or body.get("success") is not True:
            text = str(body.get("message") or "")[:300]
            log.info("cloudbeds %s refused (HTTP %s, X-Request-ID %s): %r", method, status,
                     response.headers.get("X-Request-ID", ""), text)
            gone = status == 404 or any(word in text.lower() for word in _GONE)
            raise PmsError("not_found" if gone else "refused", gettext_noop("Cloudbeds refused the request."),
                         retryable=False)
        return body

    def _pages(self, method: str, *, size: int = PAGE_SIZE, start: int = 1, **params):
        """(page number, items, total) for each page from ``start`` on."""
        page = start
        while True:
            body = self.call(method, pageNumber=page, pageSize=size, **params)
            items, total = body.get("data") or [], body.get("total")
            if not isinstance(items, list):
                raise PmsError("unreadable", gettext_noop("Cloudbeds sent an unreadable list."), retryable=True)
            try:
                total = int(total if total is not None else len(items))
            except (TypeError, ValueError):
                total = len(items)
            yield page, items, total
            if not items or page * size >= total or page - start >= MAX_PAGES:
                return
            page += 1

    # -- reservations ------------------------------------------------------------------------------

    def _lines(self, booking: dict, *, rooms_key: str = "rooms") -> list[PmsReservation]:
        """A booking from getReservations (``rooms``, ``guestList``) or getReservation (``assigned`` and
        ``unassigned``), as one reservation per room line."""
        try:
            ref = str(booking["reservationID"])
            status = str(booking["status"])
        except (KeyError, TypeError):
            raise PmsError("unreadable", gettext_noop("Cloudbeds sent an unreadable reservation."),
                         retryable=False) from None
        if rooms_key == "rooms":
            rooms = booking.get("rooms") or []
        else:
            rooms = [*(booking.get("assigned") or []), *(booking.get("unassigned") or [])]
        guests = booking.get("guestList") or {}
        guests = guests if isinstance(guests, dict) else {}
        main = next((g for g in guests.values() if isinstance(g, dict) and g.get("isMainGuest")), None)
        main_id = str(booking.get("guestID") or (main or {}).get("guestID") or "")
        if not rooms:  # a booking with no room line in the answer: the booking itself
            rooms = [{"subReservationID": "", "startDate": booking.get("startDate"),
                      "endDate": booking.get("endDate"), "adults": booking.get("adults"),
                      "children": booking.get("children")}]
        lines = []
        for room in rooms:
            if not isinstance(room, dict):
                continue
            sub = str(room.get("subReservationID") or "")
            pms_status = status
            if str(room.get("roomStatus") or "") in ROOM_STATUS_WINS:
                pms_status = str(room["roomStatus"])
            guest_id = str(room.get("guestID") or main_id)
            guest = guests.get(guest_id) if isinstance(guests.get(guest_id), dict) else (main or {})
            room_type_id = str(room.get("roomTypeID") or "")
            room_id = str(room.get("roomID") or "")
            lines.append(PmsReservation(
                external_id=f"{ref}/{sub}", status=self.map_status(pms_status), pms_status=pms_status,
                check_in=_day(room.get("roomCheckIn") or room.get("startDate") or booking.get("startDate")),
                check_out=_day(room.get("roomCheckOut") or room.get("endDate") or booking.get("endDate")),
                room_type=PmsRoomType(room_type_id, str(room.get("roomTypeName") or "")) if room_type_id else None,
                room=PmsRoom(room_id, str(room.get("roomName") or ""), room_type_id) if room_id else None,
                guest=PmsGuest(
                    external_id=guest_id,
                    name=" ".join(filter(None, [str(guest.get("guestFirstName") or ""),
                                                str(guest.get("guestLastName") or "")]))
                    or str(guest.get("guestName") or booking.get("guestName") or ""),
                    email=str(guest.get("guestEmail") or booking.get("guestEmail") or ""),
                    phone=str(guest.get("guestCellPhone") or guest.get("guestPhone") or ""),
                    country=str(guest.get("guestCountry") or "").upper()[:2]),
                guests=_count(room.get("adults"), room.get("children")),
                booking_ref=ref, updated=str(booking.get("dateModified") or "")))
        return lines

    def _local(self, moment: datetime) -> str:
        return moment.astimezone(self.tz).strftime("%Y-%m-%d %H:%M:%S")

    def now(self) -> datetime:
        return datetime.now(UTC)

    def changed(self, since: str | None, *, limit: int = 500) -> Page:
        """Cursor (times in epoch seconds): ``cb1:m:<mark>`` between passes (the next pass reads the changes
        since ``mark`` - SKEW), or ``cb1:<a|m>:<from>:<to>:<page>:<size>`` inside a pass, whose window stays
        pinned while it pages; the first pass (``a``) reads the bookings not yet departed."""
        mode, start, end, page, size = self._parse(since)
        params = {"includeGuestsDetails": "true", "includeAllRooms": "true"}
        if mode == "a":
            params["checkOutFrom"] = end.astimezone(self.tz).date().isoformat()
        else:
            params.update(modifiedFrom=self._local(start), modifiedTo=self._local(end))
        found: list[PmsReservation] = []
        for number, items, total in self._pages("getReservations", size=size, start=page, **params):
            for booking in items:
                found.extend(self._lines(booking))
            if not items or number * size >= total:
                break
            if len(found) >= limit:
                return Page(found, f"cb1:{mode}:{_epoch(start)}:{_epoch(end)}:{number + 1}:{size}", more=True)
        return Page(found, f"cb1:m:{_epoch(end)}", more=False)

    def _parse(self, since: str | None) -> tuple[str, datetime, datetime, int, int]:
        if not since:
            now = self.now()
            return "a", now, now, 1, PAGE_SIZE
        try:
            tag, mode, *rest = since.split(":")
            if tag != "cb1" or mode not in ("a", "m"):
                raise ValueError(since)
            if len(rest) == 1 and mode == "m":
                return "m", _moment(rest[0]) - SKEW, self.now(), 1, PAGE_SIZE
            start, end, page, size = rest
            return mode, _moment(start), _moment(end), max(int(page), 1), min(max(int(size), 1), PAGE_SIZE)
        except (ValueError, TypeError, OverflowError, OSError):
            raise PmsError("bad_cursor", gettext_noop("The sync's place in the Cloudbeds changes is unreadable."),
                         retryable=False) from None

    def between(self, start: date, end: date) -> list[PmsReservation]:
        """Bookings arriving before ``end`` and leaving after ``start``, then their room lines that stay a
        night in [start, end) (a booking's rooms may have dates of their own)."""
        found = []
        for _number, items, _total in self._pages(
                "getReservations", includeGuestsDetails="true", includeAllRooms="true",
                checkInTo=(end - timedelta(days=1)).isoformat(), checkOutFrom=(start + timedelta(days=1)).isoformat()):
            for booking in items:
                found.extend(line for line in self._lines(booking) if line.check_in < end and line.check_out > start)
        return found

    def booking(self, booking_ref: str) -> list[PmsReservation]:
        """The booking's room lines from getReservation (its assigned and unassigned rooms); [] when gone."""
        try:
            body = self.call("getReservation", reservationID=str(booking_ref))
        except PmsError as error:
            if error.code == "not_found":
                return []
            raise
        booking = body.get("data")
        if not isinstance(booking, dict):
            raise PmsError("unreadable", gettext_noop("Cloudbeds sent an unreadable reservation."), retryable=True)
        return self._lines(booking, rooms_key="assigned")

    def reservation(self, external_id: str) -> PmsReservation | None:
        ref, _slash, sub = str(external_id).partition("/")
        lines = self.booking(ref)
        if not _slash:
            return lines[0] if lines else None
        return next((line for line in lines if line.external_id == f"{ref}/{sub}"), None)

    def guest(self, external_id: str) -> PmsGuest:
        data = self.call("getGuest", guestID=external_id).get("data")
        if not isinstance(data, dict):
            raise PmsError("unreadable", gettext_noop("Cloudbeds sent an unreadable guest."), retryable=True)
        return PmsGuest(
            external_id=str(external_id),
            name=" ".join(filter(None, [str(data.get("firstName") or ""), str(data.get("lastName") or "")])),
            email=str(data.get("email") or ""), phone=str(data.get("cellPhone") or data.get("phone") or ""),
            country=str(data.get("country") or "").upper()[:2])

    def room_types(self) -> list[PmsRoomType]:
        try:
            return [PmsRoomType(str(item["roomTypeID"]), str(item.get("roomTypeName") or ""))
                    for _number, items, _total in self._pages("getRoomTypes") for item in items]
        except (KeyError, TypeError):
            raise PmsError("unreadable", gettext_noop("Cloudbeds sent an unreadable list of room types."),
                         retryable=True) from None

    def rooms(self) -> list[PmsRoom]:
        found = []
        try:
            for _number, items, _total in self._pages("getRooms"):
                for group in items:  # one entry per property, its rooms inside
                    found.extend(PmsRoom(str(room["roomID"]), str(room.get("roomName") or ""),
                                         str(room.get("roomTypeID") or ""))
                                 for room in group["rooms"] if not room.get("isVirtual"))
        except (KeyError, TypeError):
            raise PmsError("unreadable", gettext_noop("Cloudbeds sent an unreadable list of rooms."),
                         retryable=True) from None
        return found

    # -- webhooks ----------------------------------------------------------------------------------

    @classmethod
    def parse_callback(cls, request, config: dict) -> Callback:
        """Cloudbeds posts ``{"event": "reservation/status_changed", "propertyID": .., "reservationID": ..,
        "timestamp": <epoch float>, ...}`` unsigned: the hook URL's ``?secret=`` is the account's
        webhook secret. No event id: the body's digest is one, so a delivery sent again is a replay."""
        if request.method != "POST":
            raise CallbackRefused("Cloudbeds posts its webhooks")
        secret = str(config.get("webhook_secret") or "")
        given = str(request.GET.get(HOOK_SECRET, ""))
        if not secret or not hmac.compare_digest(secret.encode(), given.encode()):
            raise CallbackRefused("Cloudbeds webhook without the account's secret")
        try:
            body = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            raise CallbackMalformed("not JSON") from None
        if not isinstance(body, dict) or not isinstance(body.get("event"), str) or "/" not in body["event"]:
            raise CallbackMalformed("no event name")
        prop = body.get("propertyID", body.get("propertyId"))
        if prop is None or isinstance(prop, bool | dict | list) or str(prop) != str(config.get("property_id", "")):
            raise CallbackMalformed("not for this account's property")
        at = body.get("timestamp")
        if at is not None and (isinstance(at, bool) or not isinstance(at, int | float)):
            raise CallbackMalformed("timestamp is not a number")
        ref = body.get("reservationID")
        if ref is not None and (isinstance(ref, bool) or not isinstance(ref, str | int) or str(ref) == ""):
            raise CallbackMalformed("reservationID is not an id")
        if body["event"].startswith("reservation/") and ref is None:
            raise CallbackMalformed("a reservation event without reservationID")
        if ref is None:  # housekeeping, app state ...: nothing the sync reads
            return Callback(events=())
        digest = hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
        return Callback(events=(PmsEvent(event_id=f"sha256:{digest}", at=float(at) if at is not None else None,
                                         booking_ref=str(ref), kind=body["event"]),))


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _moment(value: str) -> datetime:
    return datetime.fromtimestamp(int(value), UTC)
