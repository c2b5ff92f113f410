"""A local fake of the Cloudbeds PMS API v1.3 over real HTTP (shared/integrations/pms-cloudbeds.md).

It checks requests the way the real service does: GET with a query string, the key in ``x-api-key`` or
``Authorization: Bearer`` (HTTP 401 otherwise), ``propertyID`` of the key's own property, ``pageSize`` at
most 100, datetimes ``YYYY-MM-DD HH:MM:SS`` and dates ``YYYY-MM-DD``, the status enum, ``includeGuestsDetails``
spelt with its plural (the singular is silently ignored by Cloudbeds, so it is recorded here), and no parameter
it does not know. Anything wrong is recorded in ``problems`` (tests assert it stays empty).

State tests change: ``add_room_type``, ``add_room``, ``add_guest``, ``book`` (one booking, one or more room
lines), ``modify`` / ``set_status`` / ``cancel`` / ``check_in`` / ``remove`` (each bumps ``dateModified``,
kept in the property's local time like the real one). ``fail_next(method, how)`` with how = "429"
(Retry-After: 7), "5xx", "timeout" or "refused" (``success: false`` with HTTP 200). ``webhook(event, booking)``
builds the body Cloudbeds would post.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from tests.fakes.server import FakeHandler, FakeServer

API_KEY = "cbat_fake_property_key"
ACCESS_TOKEN = "fake-oauth-access-token"
PROPERTY_ID = "320211"
STATUSES = ("not_confirmed", "confirmed", "canceled", "checked_in", "checked_out", "no_show")
DATETIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
KNOWN = {
    "getReservations": {"propertyID", "status", "resultsFrom", "resultsTo", "modifiedFrom", "modifiedTo",
                        "checkInFrom", "checkInTo", "checkOutFrom", "checkOutTo", "datesQueryMode", "roomID",
                        "roomName", "roomTypeID", "includeGuestsDetails", "includeGuestRequirements",
                        "includeCustomFields", "includeAllRooms", "sourceId", "sourceReservationId", "ratePlanId",
                        "firstName", "lastName", "guestID", "allotmentBlockCode", "groupCode", "sortByRecent",
                        "pageNumber", "pageSize"},
    "getReservation": {"propertyID", "reservationID", "includeGuestRequirements"},
    "getGuest": {"propertyID", "reservationID", "guestID", "includeGuestRequirements"},
    "getRoomTypes": {"propertyIDs", "roomTypeIDs", "startDate", "endDate", "adults", "children", "detailedRates",
                     "roomTypeName", "propertyCity", "propertyName", "maxGuests", "pageNumber", "pageSize"},
    "getRooms": {"propertyIDs", "roomTypeID", "roomTypeNameShort", "startDate", "endDate",
                 "includeRoomRelations", "pageNumber", "pageSize", "sort"},
}


@dataclass
class FakeGuest:
    guest_id: str
    first: str
    last: str
    email: str = ""
    phone: str = ""
    country: str = ""


@dataclass
class FakeLine:
    sub_id: str
    room_type_id: str
    room_id: str = ""  # "" = not assigned yet
    start: date | None = None  # None: the booking's
    end: date | None = None
    adults: int = 1
    children: int = 0
    room_status: str = "not_checked_in"


@dataclass
class FakeBooking:
    reservation_id: str
    guest_id: str
    status: str
    start: date
    end: date
    lines: list[FakeLine]
    created: str
    modified: str


@dataclass
class FakeCloudbeds:
    property_id: str = PROPERTY_ID
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Moscow"))
    keys: dict[str, str] = field(default_factory=lambda: {API_KEY: PROPERTY_ID, ACCESS_TOKEN: PROPERTY_ID})
    room_types: dict[str, str] = field(default_factory=dict)  # id -> name
    rooms: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (name, room type id)
    guests: dict[str, FakeGuest] = field(default_factory=dict)
    bookings: dict[str, FakeBooking] = field(default_factory=dict)
    requests: list[tuple[str, dict]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    slow_seconds: float = 2.0
    _failures: dict[str, list] = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(9_000_001))
    _lock: threading.RLock = field(default_factory=threading.RLock)

    # -- control from tests ------------------------------------------------------------------------

    def now_local(self) -> str:
        return datetime.now(UTC).astimezone(self.tz).strftime("%Y-%m-%d %H:%M:%S")

    def add_room_type(self, room_type_id: str, name: str) -> None:
        self.room_types[room_type_id] = name

    def add_room(self, room_id: str, name: str, room_type_id: str) -> None:
        self.rooms[room_id] = (name, room_type_id)

    def add_guest(self, first: str, last: str, **fields) -> FakeGuest:
        guest = FakeGuest(str(next(self._ids)), first, last, **fields)
        self.guests[guest.guest_id] = guest
        return guest

    def book(self, guest: FakeGuest, start: date, end: date, *rooms: tuple[str, str], status: str = "confirmed",
             adults: int = 2) -> FakeBooking:
        """A booking with one line per (room type id, room id or "") in ``rooms``."""
        with self._lock:
            ref = str(next(self._ids))
            lines = [FakeLine(f"{ref}-{n}", type_id, room_id, adults=adults) for n, (type_id, room_id)
                     in enumerate(rooms, 1)]
            now = self.now_local()
            booking = FakeBooking(ref, guest.guest_id, status, start, end, lines, now, now)
            self.bookings[ref] = booking
            return booking

    def modify(self, booking: FakeBooking, **changes) -> None:
        with self._lock:
            for name, value in changes.items():
                setattr(booking, name, value)
            booking.modified = self.now_local()

    def set_status(self, booking: FakeBooking, status: str) -> None:
        room_status = {"canceled": "cancelled", "checked_in": "in_house", "checked_out": "checked_out"}
        with self._lock:
            booking.status = status
            for line in booking.lines:
                line.room_status = room_status.get(status, "not_checked_in")
            booking.modified = self.now_local()

    def cancel(self, booking: FakeBooking) -> None:
        self.set_status(booking, "canceled")

    def check_in(self, booking: FakeBooking) -> None:
        self.set_status(booking, "checked_in")

    def remove(self, booking: FakeBooking) -> None:
        self.bookings.pop(booking.reservation_id, None)

    def fail_next(self, method: str, how: str, times: int = 1) -> None:
        self._failures.setdefault(method, []).extend([how] * times)

    def calls(self, method: str) -> list[dict]:
        return [params for m, params in self.requests if m == method]

    def webhook(self, event: str, booking: FakeBooking, **extra) -> bytes:
        body = {"version": "1.0", "event": event, "timestamp": round(time.time(), 2),
                "propertyID": int(self.property_id), "reservationID": booking.reservation_id, **extra}
        return json.dumps(body).encode()

    # -- protocol ----------------------------------------------------------------------------------

    def handle(self, method: str, params: dict, headers) -> tuple[int, dict, float, dict]:
        """(HTTP status, JSON body, delay before answering, extra headers)."""
        with self._lock:
            self.requests.append((method, params))
            how = self._failures.get(method, []).pop(0) if self._failures.get(method) else None
            if how == "429":
                return 429, {"success": False, "message": "Too Many Requests"}, 0, {"Retry-After": "7"}
            if how == "5xx":
                return 503, {"success": False, "message": "unavailable"}, 0, {}
            key = headers.get("x-api-key") or ""
            bearer = headers.get("Authorization", "")
            if bearer.startswith("Bearer "):
                key = key or bearer[7:]
            if key not in self.keys:
                return 401, {"success": False, "message": "Invalid access token"}, 0, {}
            if how == "refused":
                return 200, {"success": False, "message": "Something went wrong"}, 0, {}
            handler = getattr(self, "_" + method, None)
            if handler is None:
                return 404, {"success": False, "message": "Method not found"}, 0, {}
            unknown = set(params) - KNOWN[method]
            if unknown:
                self.problems.append(f"{method}: unknown parameters {sorted(unknown)}")
            if params.get("propertyID", params.get("propertyIDs", self.keys[key])) != self.keys[key]:
                return 403, {"success": False, "message": "You don't have access to property ID"}, 0, {}
            body = handler(params)
            return 200, body, self.slow_seconds if how == "timeout" else 0, {}

    def _bad(self, text: str) -> dict:
        self.problems.append(text)
        return {"success": False, "message": text}

    def _page(self, params: dict) -> tuple[int, int] | dict:
        page, size = params.get("pageNumber", "1"), params.get("pageSize", "100")
        if not (page.isdigit() and size.isdigit() and int(page) >= 1 and int(size) >= 1):
            return self._bad(f"pageNumber/pageSize not positive numbers: {page!r} {size!r}")
        if int(size) > 100:
            return self._bad(f"pageSize {size} is over the maximum of 100")
        return int(page), int(size)

    def _getReservations(self, p: dict) -> dict:
        paging = self._page(p)
        if isinstance(paging, dict):
            return paging
        if "includeGuestDetails" in p:
            self.problems.append("includeGuestDetails (singular) is ignored by Cloudbeds: includeGuestsDetails")
        for name in ("modifiedFrom", "modifiedTo", "resultsFrom", "resultsTo"):
            if name in p and not DATETIME.fullmatch(p[name]):
                return self._bad(f"{name} is not YYYY-MM-DD HH:MM:SS: {p[name]!r}")
        for name in ("checkInFrom", "checkInTo", "checkOutFrom", "checkOutTo"):
            if name in p and not DATE.fullmatch(p[name]):
                return self._bad(f"{name} is not YYYY-MM-DD: {p[name]!r}")
        if "status" in p and p["status"] not in STATUSES:
            return self._bad(f"unknown status {p['status']!r}")
        chosen = []
        for b in sorted(self.bookings.values(), key=lambda b: int(b.reservation_id)):
            if ("modifiedFrom" in p and b.modified < p["modifiedFrom"]
                    or "modifiedTo" in p and b.modified > p["modifiedTo"]
                    or "checkInFrom" in p and b.start.isoformat() < p["checkInFrom"]
                    or "checkInTo" in p and b.start.isoformat() > p["checkInTo"]
                    or "checkOutFrom" in p and b.end.isoformat() < p["checkOutFrom"]
                    or "checkOutTo" in p and b.end.isoformat() > p["checkOutTo"]
                    or "status" in p and b.status != p["status"]):
                continue
            chosen.append(b)
        page, size = paging
        chunk = chosen[(page - 1) * size: page * size]
        guests, rooms = p.get("includeGuestsDetails") == "true", p.get("includeAllRooms") == "true"
        return {"success": True, "data": [self._listed(b, guests=guests, rooms=rooms) for b in chunk],
                "count": len(chunk), "total": len(chosen)}

    def _guest_entry(self, guest_id: str, main: bool) -> dict:
        g = self.guests[guest_id]
        return {"guestID": g.guest_id, "guestName": f"{g.first} {g.last}", "guestFirstName": g.first,
                "guestLastName": g.last, "guestEmail": g.email, "guestPhone": "", "guestCellPhone": g.phone,
                "guestCountry": g.country, "isMainGuest": main, "isAnonymized": False}

    def _room(self, b: FakeBooking, line: FakeLine) -> dict:
        name, _type = self.rooms.get(line.room_id, ("", ""))
        return {"roomTypeID": line.room_type_id, "roomTypeName": self.room_types.get(line.room_type_id, ""),
                "subReservationID": line.sub_id, "roomID": line.room_id or None, "roomName": name or None,
                "adults": str(line.adults), "children": str(line.children),
                "startDate": (line.start or b.start).isoformat(), "endDate": (line.end or b.end).isoformat(),
                "guestID": b.guest_id}

    def _listed(self, b: FakeBooking, *, guests: bool, rooms: bool) -> dict:
        g = self.guests[b.guest_id]
        item = {"propertyID": self.property_id, "reservationID": b.reservation_id, "dateCreated": b.created,
                "dateModified": b.modified, "status": b.status, "guestID": b.guest_id, "profileID": b.guest_id,
                "guestName": f"{g.first} {g.last}", "startDate": b.start.isoformat(), "endDate": b.end.isoformat(),
                "adults": str(sum(line.adults for line in b.lines)),
                "children": str(sum(line.children for line in b.lines)), "balance": 0, "sourceName": "Website",
                "thirdPartyIdentifier": None, "origin": "website", "mealPlans": ""}
        if rooms:
            item["rooms"] = [{**{k: v for k, v in self._room(b, line).items() if k not in ("startDate", "endDate")},
                              "roomCheckIn": (line.start or b.start).isoformat(),
                              "roomCheckOut": (line.end or b.end).isoformat(), "roomStatus": line.room_status}
                             for line in b.lines]
        if guests:
            item["guestList"] = {b.guest_id: self._guest_entry(b.guest_id, True)}
        return item

    def _getReservation(self, p: dict) -> dict:
        b = self.bookings.get(p.get("reservationID", ""))
        if b is None:
            return {"success": False, "message": "Reservation not found"}
        g = self.guests[b.guest_id]
        return {"success": True, "data": {
            "propertyID": self.property_id, "reservationID": b.reservation_id, "status": b.status,
            "guestName": f"{g.first} {g.last}", "guestEmail": g.email,
            "guestList": {b.guest_id: self._guest_entry(b.guest_id, True)}, "dateCreated": b.created,
            "dateModified": b.modified, "startDate": b.start.isoformat(), "endDate": b.end.isoformat(),
            "total": 200.0, "balance": 0.0, "source": "Website", "thirdPartyIdentifier": None,
            "assigned": [self._room(b, line) for line in b.lines if line.room_id],
            "unassigned": [{k: v for k, v in self._room(b, line).items() if k not in ("roomID", "roomName")}
                           for line in b.lines if not line.room_id]}}

    def _getGuest(self, p: dict) -> dict:
        g = self.guests.get(p.get("guestID", ""))
        if g is None:
            return {"success": False, "message": "Guest not found"}
        return {"success": True, "data": {"firstName": g.first, "lastName": g.last, "email": g.email,
                                          "phone": "", "cellPhone": g.phone, "country": g.country,
                                          "gender": "N/A", "isAnonymized": False}}

    def _getRoomTypes(self, p: dict) -> dict:
        paging = self._page(p)
        if isinstance(paging, dict):
            return paging
        page, size = paging
        data = [{"roomTypeID": tid, "propertyID": self.property_id, "roomTypeName": name,
                 "roomTypeNameShort": name[:3].upper(), "isPrivate": True, "maxGuests": 2}
                for tid, name in self.room_types.items()]
        chunk = data[(page - 1) * size: page * size]
        return {"success": True, "data": chunk, "count": len(chunk), "total": len(data)}

    def _getRooms(self, p: dict) -> dict:
        paging = self._page(p)
        if isinstance(paging, dict):
            return paging
        page, size = paging
        everything = list(self.rooms.items())
        chunk = everything[(page - 1) * size: page * size]
        rooms = [{"roomID": rid, "roomName": name, "roomTypeID": tid, "isVirtual": False, "isPrivate": True,
                  "roomTypeName": self.room_types.get(tid, "")} for rid, (name, tid) in chunk]
        # getRooms counts rooms in "total" while "data" holds one entry per property with its rooms inside.
        return {"success": True, "data": [{"propertyID": self.property_id, "rooms": rooms}], "count": len(rooms),
                "total": len(everything)}


class CloudbedsHandler(FakeHandler):
    def do_GET(self):
        url = urlsplit(self.path)
        if not url.path.startswith("/api/v1.3/"):
            self.fake.problems.append(f"not under /api/v1.3/: {url.path}")
        params = {k: v[-1] for k, v in parse_qs(url.query).items()}
        status, body, delay, headers = self.fake.handle(url.path.rsplit("/", 1)[-1], params, self.headers)
        self.answer(status, body, {"X-Request-ID": "fake-request", **headers}, delay)

    def do_POST(self):
        self.fake.problems.append(f"POST {self.path}: the read calls are GET")
        self.answer(405, {"success": False, "message": "Method not allowed"})


class FakeCloudbedsServer(FakeServer):
    """Serves a FakeCloudbeds on 127.0.0.1: ``with FakeCloudbedsServer() as (cloudbeds, base_url):``."""

    handler, path = CloudbedsHandler, "/api/v1.3"

    def __init__(self, **options):
        super().__init__(FakeCloudbeds(**options))
