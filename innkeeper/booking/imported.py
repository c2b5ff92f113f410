"""Writes for stays another system sold (a PMS): placed in the room it names, as it sold them.

The hotel's PMS is the truth about these stays: its dates may be in the past (a guest in house), its price is
its own, its guest may have no e-mail, and the hotel's own sale rules (minimum nights, closed dates, horizon)
do not apply. What still applies is the room: a stay never overlaps another one here. The caller (the PMS
sync) runs many of these in one transaction; each write that the database's no-overlap guard could refuse
runs in a savepoint, so one refused stay does not end the others' transaction.

A batch's new stays in rooms it has read (``ImportPage``) are written together when the batch flushes: one
INSERT of the bookings, one of their history entries, the confirmations' messages in two statements.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction

from innkeeper.booking import db_guard, occupied, selectors
from innkeeper.booking.errors import NoAvailability
from innkeeper.booking.models import Booking, Source
from innkeeper.booking.references import new_reference
from innkeeper.booking.services import NOTHING, Then, _event, _event_entry, _lock_room_types, holds_expire
from innkeeper.booking.states import ACTIVE, Status
from innkeeper.booking.stays import Stay
from innkeeper.core import activity, db
from innkeeper.hotels.models import Hotel, Room, RoomType

IMPORTED_STATUSES = frozenset({Status.CONFIRMED, Status.CHECKED_IN, Status.CHECKED_OUT, Status.NO_SHOW,
                               Status.CANCELLED})


@dataclass(frozen=True)
class ImportedGuest:
    name: str
    email: str = ""
    phone: str = ""


class Overlap(NoAvailability):
    """The room is taken for (part of) the stay; ``references`` names the stays it meets."""

    def __init__(self, references: list[str]):
        super().__init__()
        self.references = references


class Occupancy:
    """The stays holding the hotel's rooms over a span, read in one query for a batch of imports and kept up to
    date by it (the batch holds the hotel's room type locks, so nobody else places a stay meanwhile). A stay
    outside the span, or any the batch missed, still meets the database's guard."""

    def __init__(self, hotel: Hotel, start: datetime, until: datetime, now: datetime):
        self.start, self.until = start, until
        self.rooms: dict[int, dict[int, tuple[datetime, datetime, str]]] = defaultdict(dict)
        rows = Booking.objects.filter(selectors.occupying(now), selectors.HoldsRoomDuring(start, until),
                                      hotel=hotel).values_list("pk", "room_id", "blocks_from", "blocks_until",
                                                               "reference")
        for pk, room_id, held_from, held_until, reference in rows:
            self.rooms[room_id][pk] = (held_from, held_until, reference)

    def meets(self, room: Room, stay: Stay, exclude_booking_id=None) -> list[str]:
        held = occupied.occupied(start=stay.start, end=stay.end, turnover_minutes=room.room_type.turnover_minutes)
        return sorted(ref for pk, (a, b, ref) in self.rooms.get(room.pk, {}).items()
                      if pk != exclude_booking_id and a < held.until and held.start < b)

    def covers(self, stay: Stay) -> bool:
        return self.start <= stay.start and stay.end + timedelta(days=1) <= self.until

    def put(self, booking: Booking) -> None:
        self.drop(booking.pk)
        if booking.status in ACTIVE:
            self.rooms[booking.room_id][booking.pk] = (booking.blocks_from, booking.blocks_until, booking.reference)

    def drop(self, booking_id: int) -> None:
        for stays in self.rooms.values():
            stays.pop(booking_id, None)


@dataclass
class _Pending:
    booking: Booking
    key: int  # its place in the Occupancy until it has an id
    actor: object
    then: Then
    now: datetime
    refused: object  # called with the Overlap when the database's guard refuses the stay at the flush


class ImportPage(Occupancy):
    """The Occupancy of a batch of imports that also gathers the batch's new stays in rooms it has read and
    writes them at ``flush``: before anything else reads or writes bookings (a change, a cancellation, a
    free room looked for, a stay outside the span) and at the end of the batch. Everything a stay's own
    INSERT would have set off follows in the same order for each stay: its history entry, then its journey
    (``then.confirmed``, batched through ``then.confirmed_many`` where the journey offers it).

    The bookings go in one INSERT in a savepoint. If the database's guard refuses it (a stay the span's read
    could not see, or a reference drawn twice), they are written one at a time as ``booking_import`` writes
    them, and each one refused is handed to its ``refused`` callback instead of being booked."""

    def __init__(self, hotel: Hotel, start: datetime, until: datetime, now: datetime):
        super().__init__(hotel, start, until, now)
        self.pending: list[_Pending] = []

    def defer(self, booking: Booking, *, actor, then: Then, now: datetime, refused) -> None:
        key = -1 - len(self.pending)
        self.pending.append(_Pending(booking, key, actor, then, now, refused))
        if booking.status in ACTIVE:
            self.rooms[booking.room_id][key] = (booking.blocks_from, booking.blocks_until, booking.reference)

    def flush(self) -> None:
        if not self.pending:
            return
        pending, self.pending = self.pending, []
        for p in pending:
            self.rooms[p.booking.room_id].pop(p.key, None)
        try:
            with transaction.atomic():
                Booking.objects.bulk_create([p.booking for p in pending])
            if any(p.booking.pk is None for p in pending):  # a database that does not return the new ids
                ids = dict(Booking.objects.filter(hotel_id=pending[0].booking.hotel_id,
                                                  reference__in=[p.booking.reference for p in pending])
                           .values_list("reference", "pk"))
                for p in pending:
                    p.booking.pk = ids[p.booking.reference]
        except IntegrityError:
            written = []
            for p in pending:
                p.booking.pk, p.booking._state.adding = None, True
                try:
                    _insert(p.booking)
                except Overlap as exc:
                    p.refused(exc)
                else:
                    written.append(p)
            pending = written
        activity.record_many([_created_entry(p.booking, p.actor) for p in pending])
        confirmed: dict[object, list[Booking]] = {}
        for p in pending:
            occupied.no_add_ons(p.booking)
            self.put(p.booking)
            if p.booking.status == Status.CONFIRMED:
                if hasattr(p.then, "confirmed_many"):
                    confirmed.setdefault(p.then, []).append(p.booking)
                else:
                    p.then.confirmed(p.booking, p.now)
            elif p.booking.status == Status.CHECKED_IN:
                p.then.status_changed(p.booking, Status.CONFIRMED, p.now)
        for then, bookings in confirmed.items():
            then.confirmed_many(bookings, pending[0].now)


def imports_prepare(*, hotel: Hotel, now: datetime, start: datetime, until: datetime) -> ImportPage:
    """Before a batch of imports (in its transaction): lock the hotel's room types, in the engine's order, so
    the batch queues with the site's bookings instead of racing them, release lapsed holds, which the
    database's guard still counts, and read the stays over [start, until) that the batch's stays may meet.
    The caller flushes the page (``ImportPage.flush``) before its transaction ends."""
    _lock_room_types(RoomType.objects.filter(hotel=hotel).values_list("pk", flat=True))
    holds_expire(hotel=hotel, now=now)
    return ImportPage(hotel, start, until, now)


def _meets(hotel: Hotel, room: Room, stay: Stay, now: datetime, exclude_booking_id=None,
           busy: Occupancy | None = None) -> list[str]:
    if busy is not None and busy.covers(stay):
        return busy.meets(room, stay, exclude_booking_id)
    held = occupied.occupied(start=stay.start, end=stay.end, turnover_minutes=room.room_type.turnover_minutes)
    qs = Booking.objects.filter(selectors.occupying(now), selectors.HoldsRoomDuring(held.start, held.until),
                                hotel=hotel, room=room)
    if exclude_booking_id:
        qs = qs.exclude(pk=exclude_booking_id)
    return sorted(qs.values_list("reference", flat=True))


def _free_room(hotel: Hotel, room_type: RoomType, stay: Stay, now: datetime, exclude_booking_id=None) -> Room:
    room = selectors.free_rooms(hotel=hotel, room_type=room_type, stay=stay, now=now,
                                exclude_booking_id=exclude_booking_id).select_related("room_type").first()
    if room is None:
        raise NoAvailability()
    return room


def _save(booking: Booking, **kwargs) -> None:
    try:
        with transaction.atomic():  # a savepoint: a refused stay leaves the caller's transaction usable
            booking.save(**kwargs)
    except IntegrityError as exc:
        if db.is_violation(exc, constraint=db_guard.NO_OVERLAP_CONSTRAINT, sqlite_message=db_guard.NO_OVERLAP_MESSAGE):
            raise Overlap([]) from exc
        raise


def booking_import(*, hotel: Hotel, room: Room | None, room_type: RoomType, stay: Stay, status: str,
                   guest: ImportedGuest, guests: int, locale: str, total: Decimal | None, currency: str,
                   actor, now: datetime, then: Then = NOTHING, busy: Occupancy | None = None,
                   refused=None) -> Booking:
    """A stay the PMS sold, in ``room`` (None: any free room of ``room_type``), with the status it has there.

    Raises Overlap (naming the stays it meets) or NoAvailability; the caller keeps the reservation aside.
    A CONFIRMED stay sets off the journey's confirmation; a CHECKED_IN one its arrival; the others (already
    over) nothing. Call inside the caller's transaction, after ``imports_prepare``.

    With an ImportPage as ``busy`` and a ``refused`` callback, a stay in a room the page has read is only
    gathered: the booking returned has no id until the page flushes, and if the database's guard refuses it
    then, ``refused(Overlap)`` is called instead of this raising."""
    if status not in IMPORTED_STATUSES:
        raise ValueError(f"an imported stay cannot be {status}")
    page = busy if isinstance(busy, ImportPage) else None
    if page is not None and (room is None or not busy.covers(stay)):
        page.flush()  # what follows reads the bookings in the database
        page = None
    if status in ACTIVE:
        if room is None:
            room = _free_room(hotel, room_type, stay, now)
        else:
            met = _meets(hotel, room, stay, now, busy=busy)
            if met:
                raise Overlap(met)
    elif room is None:  # over already: it occupies nothing, any room of its type will do for the record
        room = Room.objects.filter(hotel=hotel, room_type=room_type).select_related("room_type").first()
        if room is None:
            raise NoAvailability()
    held = occupied.occupied(start=stay.start, end=stay.end, turnover_minutes=room.room_type.turnover_minutes)
    amount = total if total is not None else Decimal("0")
    booking = Booking(
        hotel=hotel, reference=new_reference(), room_type=room_type, room=room, kind=stay.kind,
        check_in=stay.check_in, check_out=stay.check_out, hours=stay.hours, start=stay.start, end=stay.end,
        blocks_from=held.start, blocks_until=held.until, status=status, guests=max(guests, 1),
        guest_name=guest.name[:200], guest_email=guest.email[:254], guest_phone=guest.phone[:32], locale=locale,
        source=Source.PMS, currency=(currency or hotel.currency)[:3], subtotal=amount, tax=Decimal("0"),
        total=amount, quote={"lines": [], "total": str(amount), "sold_by": "pms"},
        cancelled_at=now if status == Status.CANCELLED else None,
    )
    if page is not None and refused is not None:
        page.defer(booking, actor=actor, then=then, now=now, refused=refused)
        return booking
    _insert(booking)
    occupied.no_add_ons(booking)
    if busy is not None:
        busy.put(booking)
    _created_entry(booking, actor).save(force_insert=True)
    if status == Status.CONFIRMED:
        then.confirmed(booking, now)
    elif status == Status.CHECKED_IN:
        then.status_changed(booking, Status.CONFIRMED, now)
    return booking


def _insert(booking: Booking) -> None:
    """One new booking in a savepoint (Overlap when the guard refuses it), another reference if its was taken."""
    for _attempt in range(5):
        try:
            _save(booking, force_insert=True)
            return
        except IntegrityError as exc:
            if not db.is_violation(exc, constraint="booking_booking_reference_key",
                                   sqlite_message="booking_booking.reference"):
                raise
            booking.reference = new_reference()  # another booking drew the same one


def _created_entry(booking: Booking, actor):
    return _event_entry(booking, "created", actor, to_status=booking.status, room=booking.room.number,
                        total=str(booking.total))


def booking_import_change(*, booking: Booking, room: Room | None, stay: Stay, guest: ImportedGuest,
                          guests: int, total: Decimal | None, actor, now: datetime,
                          then: Then = NOTHING, busy: Occupancy | None = None) -> Booking:
    """The PMS moved an imported stay: new dates or room (None: keep the room if free, else another of its
    type), new guest details or price. A new window or room sets off ``then.changed`` (its key follows, its
    messages go at the new times); guest details and price change quietly. Raises Overlap or NoAvailability
    with nothing changed. Call inside the caller's transaction, after ``imports_prepare``."""
    if isinstance(busy, ImportPage):
        busy.flush()
    b = Booking.objects.select_for_update(of=("self",)).select_related("hotel", "room__room_type", "room_type").get(
        pk=booking.pk)
    fields = []
    for attr, value in (("guest_name", guest.name[:200]), ("guest_email", guest.email[:254]),
                        ("guest_phone", guest.phone[:32]), ("guests", max(guests, 1))):
        if value and getattr(b, attr) != value:
            setattr(b, attr, value)
            fields.append(attr)
    if total is not None and b.total != total:
        b.subtotal = b.total = total
        fields += ["subtotal", "total"]
    moved = (b.start, b.end) != (stay.start, stay.end) or (room is not None and room.pk != b.room_id)
    if moved and b.status in ACTIVE:
        if room is None:
            room = b.room if not _meets(b.hotel, b.room, stay, now, b.pk, busy) else _free_room(
                b.hotel, b.room_type, stay, now, b.pk)
        else:
            met = _meets(b.hotel, room, stay, now, b.pk, busy)
            if met:
                raise Overlap(met)
        before = {"start": b.start.isoformat(), "end": b.end.isoformat(), "room": b.room.number}
        held = occupied.occupied(start=stay.start, end=stay.end, turnover_minutes=room.room_type.turnover_minutes)
        b.kind, b.check_in, b.check_out, b.hours = stay.kind, stay.check_in, stay.check_out, stay.hours
        b.start, b.end, b.room = stay.start, stay.end, room
        b.blocks_from, b.blocks_until = held.start, held.until
        fields += ["kind", "check_in", "check_out", "hours", "start", "end", "room", "blocks_from", "blocks_until"]
    if not fields:
        return b
    _save(b, update_fields=[*fields, "updated_at"])
    if busy is not None:
        busy.put(b)
    if moved and b.status in ACTIVE:
        _event(b, "changed", actor, before=before, after={"start": b.start.isoformat(), "end": b.end.isoformat(),
                                                            "room": b.room.number})
        b.__dict__.pop("window", None)
        then.changed(b, now)
    return b
