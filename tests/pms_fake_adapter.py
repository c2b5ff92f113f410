"""A PMS that lives in Python data: the outside system the sync engine is tested against, behind the same
PmsAdapter interface every real adapter implements (registered as "fakepms", in tests only).

Each store is named by its account's ``url`` (``fake://<name>``): a test writes reservations into the store
(``book``, ``change``, ``cancel``, ``delete``) as the hotel's PMS would, and the adapter reads them the way a
PMS API answers (a change counter as the cursor, pages, a webhook signed with HMAC-SHA256 over the raw body).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field, replace
from datetime import date

from innkeeper.core import providers
from innkeeper.core.providers import Callback, CallbackMalformed, CallbackRefused, ConfigField, VerifyFailed
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

SIGNATURE = "X-Fake-Pms-Signature"


@dataclass
class Store:
    key: str = "secret-key"
    rooms: list[PmsRoom] = field(default_factory=list)
    room_types: list[PmsRoomType] = field(default_factory=list)
    reservations: dict[str, tuple[int, PmsReservation]] = field(default_factory=dict)  # id -> (change no., r)
    changes: int = 0
    failing: str = ""  # a PmsError code every call raises while set
    calls: list[str] = field(default_factory=list)

    def put(self, res: PmsReservation) -> PmsReservation:
        self.changes += 1
        self.reservations[res.external_id] = (self.changes, res)
        return res

    def book(self, external_id: str, check_in: date, check_out: date, *, room: str | None = "101",
             room_type: str = "Standard", status: str = "confirmed", name: str = "Anna Petrova",
             email: str = "anna@example.com", phone: str = "", **more) -> PmsReservation:
        rt = next((t for t in self.room_types if t.name == room_type), PmsRoomType(f"t-{room_type}", room_type))
        pms_room = None
        if room is not None:
            pms_room = next((r for r in self.rooms if r.number == room), PmsRoom(f"r-{room}", room, rt.external_id))
        return self.put(PmsReservation(
            external_id=external_id, status=FakePms.STATUS_MAP[status], pms_status=status, check_in=check_in,
            check_out=check_out, room_type=rt, room=pms_room, guest=PmsGuest(f"g-{external_id}", name, email, phone),
            booking_ref=more.pop("booking_ref", f"BK-{external_id}"), updated=str(self.changes + 1), **more))

    def change(self, external_id: str, **changes) -> PmsReservation:
        res = self.reservations[external_id][1]
        if "status" in changes:
            changes["pms_status"] = changes["status"]
            changes["status"] = FakePms.STATUS_MAP[changes["status"]]
        if "room" in changes and isinstance(changes["room"], str):
            number = changes["room"]
            changes["room"] = next((r for r in self.rooms if r.number == number), PmsRoom(f"r-{number}", number))
        return self.put(replace(res, updated=str(self.changes + 1), **changes))

    def cancel(self, external_id: str) -> PmsReservation:
        return self.change(external_id, status="cancelled")

    def delete(self, external_id: str) -> None:
        self.reservations.pop(external_id)

    def signed(self, body: dict) -> tuple[bytes, str]:
        raw = json.dumps(body).encode()
        return raw, hmac.new(self.key.encode(), raw, hashlib.sha256).hexdigest()


STORES: dict[str, Store] = {}


def store(name: str, *, rooms=("101", "102"), room_types=("Standard",)) -> Store:
    types = [PmsRoomType(f"t-{n}", n) for n in room_types]
    STORES[name] = s = Store(rooms=[PmsRoom(f"r-{n}", n, types[0].external_id) for n in rooms], room_types=types)
    return s


@providers.register
class FakePms(PmsAdapter):
    name = "fakepms"
    webhooks = True
    fields = (ConfigField("url", required=True), ConfigField("key", required=True, secret=True))
    STATUS_MAP = {"request": ExternalStatus.TENTATIVE, "confirmed": ExternalStatus.BOOKED,
                  "checked_in": ExternalStatus.IN_HOUSE, "checked_out": ExternalStatus.CHECKED_OUT,
                  "cancelled": ExternalStatus.CANCELLED, "no_show": ExternalStatus.NO_SHOW}

    def __init__(self, config: dict):
        self.config = config

    @property
    def store(self) -> Store:
        s = STORES.get(self.config.get("url", "").removeprefix("fake://"))
        if s is None:
            raise PmsError("unreachable", "The PMS did not answer.", retryable=True)
        if self.config.get("key") != s.key:
            raise PmsError("auth", "The PMS refused the API key.", retryable=False)
        if s.failing:
            raise PmsError(s.failing, "The PMS did not answer.", retryable=True)
        return s

    @classmethod
    def from_config(cls, config: dict, *, hotel=None) -> FakePms:
        return cls(config)

    @classmethod
    def verify(cls, config: dict, *, hotel=None) -> str:
        try:
            cls(config).store.calls.append("verify")
        except PmsError as exc:
            raise VerifyFailed(exc.message) from None
        return "Connected."

    def changed(self, since, *, limit=500) -> Page:
        s = self.store
        s.calls.append(f"changed {since}")
        after = int(since or 0)
        rows = sorted((n, r) for n, r in s.reservations.values() if n > after)
        page = rows[:limit]
        cursor = str(page[-1][0]) if page else since
        return Page([r for _n, r in page], cursor, more=len(rows) > limit)

    def between(self, start, end):
        s = self.store
        s.calls.append(f"between {start} {end}")
        return [r for _n, r in sorted(s.reservations.values()) if r.check_in < end and r.check_out > start]

    def reservation(self, external_id):
        s = self.store
        s.calls.append(f"reservation {external_id}")
        found = s.reservations.get(external_id)
        return found[1] if found else None

    def guest(self, external_id):
        return PmsGuest(external_id)

    def room_types(self):
        return list(self.store.room_types)

    def rooms(self):
        return list(self.store.rooms)

    @classmethod
    def parse_callback(cls, request, config: dict) -> Callback:
        raw = request.body
        expected = hmac.new(str(config.get("key", "")).encode(), raw, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, request.headers.get(SIGNATURE, "")):
            raise CallbackRefused("bad signature")
        try:
            body = json.loads(raw)
            return Callback(events=(PmsEvent(event_id=str(body["id"]), at=float(body["at"]),
                                             reservation_id=str(body.get("reservation", "")),
                                             booking_ref=str(body.get("booking", "")),
                                             kind=str(body.get("type", ""))),))
        except (ValueError, KeyError, TypeError) as exc:
            raise CallbackMalformed("not a fake PMS event") from exc
