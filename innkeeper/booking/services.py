"""Writes: hold, book, confirm, cancel, change and move bookings.

The write path for a stay is: lock the room type row, release lapsed holds, check the rules, pick a
free room in one query, insert. The database's no-overlap guard is the last wall: if it ever
fires, the caller gets NoAvailability, never a double-booked room.

What a write sets off (messages, door keys) is not decided here: each write takes ``then``, the
journey's steps (innkeeper.journey.steps), and tells it what changed inside the write's own
transaction. Without ``then`` a write changes the booking alone.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from innkeeper.booking import extras, occupied, rules, selectors
from innkeeper.booking.cancellation import cancellation_terms
from innkeeper.booking.db_guard import NO_OVERLAP_CONSTRAINT, NO_OVERLAP_MESSAGE
from innkeeper.booking.errors import (
    AddOnUnavailable,
    CancellationFeeNotAccepted,
    HoldExpired,
    NoAvailability,
    NotCancellable,
)
from innkeeper.booking.models import Booking, BookingAddOn, Source
from innkeeper.booking.pricing import quote, with_add_ons
from innkeeper.booking.references import new_reference
from innkeeper.booking.states import CHANGEABLE, EXPIRING, Status, check_transition
from innkeeper.booking.stays import Stay
from innkeeper.core import activity, db
from innkeeper.core.errors import Conflict, InvalidInput, NotFound
from innkeeper.hotels.models import AddOn, Hotel, RateOverride, Room, RoomStatus, RoomType
from innkeeper.hotels.selectors import rate_overrides

GUEST = "guest"
SYSTEM = "system"


class Then(Protocol):
    """What happens next, told by the booking engine inside the write's transaction."""

    def confirmed(self, booking: Booking, now: datetime) -> None:
        """The booking became CONFIRMED (booked at once, or confirmed after a hold or payment)."""

    def status_changed(self, booking: Booking, before: str, now: datetime) -> None:
        """The booking moved from ``before`` to ``booking.status``."""

    def changed(self, booking: Booking, now: datetime) -> None:
        """The stay changed: its dates or hours, its room, or extras that move its start or end."""


class _Nothing:
    def confirmed(self, booking, now):
        pass

    def status_changed(self, booking, before, now):
        pass

    def changed(self, booking, now):
        pass


NOTHING: Then = _Nothing()


@dataclass(frozen=True)
class GuestDetails:
    name: str
    email: str
    phone: str = ""


def _clean_guest(guest: GuestDetails) -> GuestDetails:
    name = " ".join((guest.name or "").split())
    if not name:
        raise InvalidInput(_("Please enter the guest's name."), field="guest.name", code="required")
    if len(name) > 200:
        raise InvalidInput(_("The name is too long."), field="guest.name", code="too_long")
    email = (guest.email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput(_("Please enter a valid e-mail address."), field="guest.email", code="invalid") from None
    phone = (guest.phone or "").strip()
    if len(phone) > 32:
        raise InvalidInput(_("The phone number is too long."), field="guest.phone", code="too_long")
    return GuestDetails(name, email, phone)


def booking_guest_phone_set(*, booking: Booking, phone: str, actor) -> Booking:
    """Give ``booking`` the guest's phone (E.164, as a form cleaned it; "" for none), e.g. from the online
    check-in, so that the messages that follow (the door code) go to it. The number is not logged."""
    phone = (phone or "").strip()
    if len(phone) > 32:
        raise InvalidInput(_("The phone number is too long."), field="guest.phone", code="too_long")

    def work():
        b = _locked(booking)
        if b.guest_phone != phone:
            b.guest_phone = phone
            b.save(update_fields=["guest_phone", "updated_at"])
            _event(b, "guest_phone", actor)
        return b

    return db.write(work)


def _locale(hotel: Hotel, locale: str | None) -> str:
    offered = hotel.locales or [code for code, _name in settings.LANGUAGES]
    if not locale:
        return hotel.default_locale
    if locale not in offered:
        raise InvalidInput(_("This hotel offers these languages: %(langs)s.") % {"langs": ", ".join(offered)},
                           field="locale", code="invalid")
    return locale


def _add_ons(hotel: Hotel, codes, *, stay, now: datetime) -> list[AddOn]:
    codes = list(dict.fromkeys(codes or ()))
    if not codes:
        return []
    found = {a.code: a for a in AddOn.objects.filter(hotel=hotel, code__in=codes, is_active=True)}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise InvalidInput(_("These extras are not offered: %(codes)s.") % {"codes": ", ".join(unknown)},
                           field="add_ons", code="unknown")
    extras.check(hotel=hotel, add_ons=found.values(), stay=stay, now=now)  # e.g. no late check-out by the hour
    return [found[c] for c in codes]


def _lock_room_types(ids) -> None:
    # Ordered, so two writers that need the same pair of types cannot deadlock. NO KEY UPDATE: writers of
    # the type queue for each other, while rows that merely refer to the type (a booking's status change,
    # an extra on the bill) pass their foreign-key checks without waiting for them.
    list(RoomType.objects.select_for_update(no_key=True).filter(pk__in=sorted(set(ids))).order_by("pk")
         .values_list("pk"))


def _event(booking: Booking, action: str, actor: str, *, from_status="", to_status="", **data) -> None:
    """One entry in the booking's history (the activity log), its verb "booking.<action>"."""
    activity.record_many([_event_entry(booking, action, actor, from_status=from_status, to_status=to_status,
                                       **data)])


def _event_entry(booking: Booking, action: str, actor: str, *, from_status="", to_status="", **data):
    """The entry ``_event`` writes, not written yet (imports write a page's entries in one INSERT)."""
    statuses = {name: value for name, value in (("from_status", from_status), ("to_status", to_status))
                if value}
    return activity.entry_for(hotel=booking.hotel_id, subject=booking, verb=f"booking.{action}", actor=actor,
                              data={"reference": booking.reference, **statuses, **data})


class _DuplicateRequest(Exception):
    pass


def _same_request(booking: Booking, *, room_type: str, stay: Stay, guests: int, guest: GuestDetails) -> Booking:
    """The booking an earlier request with the same key made, if it asked for the same thing."""
    if (booking.room_type.slug, booking.start, booking.end, booking.guests, booking.guest_email.lower()) != \
            (room_type, stay.start, stay.end, guests, (guest.email or "").strip().lower()):
        raise Conflict(_("This request key was already used for a different booking. Send a new key for a new "
                         "booking."), code="request_key_reused")
    return booking


def _save_guarded(booking: Booking, **kwargs) -> None:
    """Save, turning the database's no-overlap guard into NoAvailability, and a request key that a
    concurrent request has just used into _DuplicateRequest."""
    try:
        with transaction.atomic():
            booking.save(**kwargs)
    except IntegrityError as exc:
        if db.is_violation(exc, constraint=NO_OVERLAP_CONSTRAINT, sqlite_message=NO_OVERLAP_MESSAGE):
            raise NoAvailability() from exc
        if booking.request_key and Booking.objects.filter(
                hotel_id=booking.hotel_id, request_key=booking.request_key).exclude(pk=booking.pk).exists():
            raise _DuplicateRequest() from exc
        raise


def holds_expire(*, now: datetime, hotel: Hotel | None = None, room_type: RoomType | None = None) -> int:
    """Mark lapsed holds and unpaid checkouts EXPIRED, so their rooms are free again.

    Those in rooms of ``room_type``, of ``hotel``, or (neither given: the periodic sweep) of every hotel.
    """
    with scopes_disabled() if hotel is None else nullcontext():
        qs = Booking.objects.filter(status__in=EXPIRING, hold_expires_at__lte=now)
        if hotel is not None:
            qs = qs.filter(hotel=hotel)
        if room_type is not None:
            qs = qs.filter(room__room_type=room_type)
        expired = 0
        for pk, hotel_id, status, reference in list(qs.values_list("pk", "hotel_id", "status", "reference")):
            with transaction.atomic():
                if Booking.objects.filter(pk=pk, status=status).update(status=Status.EXPIRED, updated_at=now):
                    activity.record(hotel=hotel_id, subject=(Booking._meta.label, pk), verb="booking.status",
                                    actor=activity.Actor.system(), data={
                                        "reference": reference, "from_status": status,
                                        "to_status": Status.EXPIRED})
                    expired += 1
    return expired


def _room_type_locked(hotel: Hotel, slug: str, dates) -> tuple[RoomType, dict]:
    """The active room type ``slug`` of ``hotel``, locked for this transaction (its writers queue here), with
    its rate overrides for ``dates`` (date -> RateOverride): one statement.

    NO KEY UPDATE, as in _lock_room_types. The overrides come through a left join, one row each (or one
    row with none), so the lock names the room type alone. Written out, as free_room_pick is: every booking
    runs it, and composing it through the ORM (and the translated fields' query rewriting) cost more than
    running it."""
    from django.db import connections

    db_alias = RoomType.objects.db
    connection = connections[db_alias]
    n = len(RoomType._meta.concrete_fields)
    quote_name = connection.ops.quote_name
    columns = [f"t.{quote_name(f.column)}" for f in RoomType._meta.concrete_fields]
    params: list = []
    join = ""
    if dates:
        columns += [f"ov.{quote_name(f.column)}" for f in RateOverride._meta.concrete_fields]
        join = (f" LEFT JOIN {quote_name(RateOverride._meta.db_table)} ov ON ov.room_type_id = t.id"
                " AND ov.hotel_id = %s AND ov.date >= %s AND ov.date <= %s")
        params += [hotel.pk, min(dates), max(dates)]
    lock = " FOR NO KEY UPDATE OF t" if connection.features.has_select_for_update_of else ""
    sql = (f"SELECT {', '.join(columns)} FROM {quote_name(RoomType._meta.db_table)} t{join}"  # noqa: S608
           f" WHERE t.hotel_id = %s AND t.slug = %s AND t.is_active = %s{lock}")
    params += [hotel.pk, slug, True]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        raise InvalidInput(_("This hotel has no room type %(slug)s.") % {"slug": slug},
                           field="room_type", code="unknown")
    room_type = db.instance(connection, RoomType, rows[0][:n])
    room_type.hotel = hotel
    overrides = {}
    for row in rows:
        if dates and row[n] is not None:
            ov = db.instance(connection, RateOverride, row[n:])
            overrides[ov.date] = ov
    return room_type, overrides


class _ReferenceTaken(Exception):
    pass


def _insert(booking: Booking) -> None:
    """INSERT the new booking without a savepoint: whatever the database refuses ends the transaction anyway.

    The no-overlap guard becomes NoAvailability, a request key that a concurrent request has just used
    _DuplicateRequest, and a reference that another booking has (the unique index is the backstop of the
    random choice) _ReferenceTaken, which the caller retries with a new one."""
    try:
        db.insert([booking])
    except IntegrityError as exc:
        if db.is_violation(exc, constraint=NO_OVERLAP_CONSTRAINT, sqlite_message=NO_OVERLAP_MESSAGE):
            raise NoAvailability() from exc
        if booking.request_key and db.is_violation(exc, constraint="booking_request_key_once",
                                                   sqlite_message="booking_booking.request_key"):
            raise _DuplicateRequest() from exc
        if db.is_violation(exc, constraint="booking_booking_reference_key",
                           sqlite_message="booking_booking.reference"):
            raise _ReferenceTaken() from exc
        raise


def _place(*, hotel, room_type_slug, stay, guests, guest, locale, add_on_codes, source, status, actor, now,
           request_key, then: Then) -> Booking:
    room_type, overrides = _room_type_locked(hotel, room_type_slug, stay.dates)
    add_ons = _add_ons(hotel, add_on_codes, stay=stay, now=now)
    broken = rules.violation(room_type=room_type, stay=stay, guests=guests, overrides=overrides)
    if broken:
        raise broken
    codes = [a.code for a in add_ons]
    # The pick also says whether a lapsed hold of this type is still marked active: only then are they
    # released first (the database's guard still counts them), so the usual booking spends no statement on it.
    room = selectors.free_room_pick(hotel=hotel, room_type=room_type, stay=stay, now=now, add_on_codes=codes)
    if room is None:
        if request_key and Booking.objects.filter(hotel=hotel, request_key=request_key).exists():
            raise _DuplicateRequest()  # made by a concurrent request with the same key, in the last room
        stretching = [a for a in add_ons if a.code in occupied.EXTENDING]
        if stretching and selectors.free_rooms(hotel=hotel, room_type=room_type, stay=stay, now=now).exists():
            # The stay itself fits; only the early check-in or late check-out does not.
            raise AddOnUnavailable(names=", ".join(a.name for a in stretching))
        raise NoAvailability()
    if room.lapsed_holds:
        holds_expire(hotel=hotel, now=now, room_type=room_type)
    room.room_type = room_type
    held = occupied.occupied(start=stay.start, end=stay.end, add_on_codes=codes,
                             turnover_minutes=room_type.turnover_minutes)
    priced = quote(hotel=hotel, room_type=room_type, stay=stay, guests=guests, add_ons=add_ons, overrides=overrides)
    booking = Booking(
        hotel=hotel, reference=new_reference(), room_type=room_type, room=room, kind=stay.kind,
        check_in=stay.check_in, check_out=stay.check_out, hours=stay.hours, start=stay.start, end=stay.end,
        blocks_from=held.start, blocks_until=held.until, status=status,
        hold_expires_at=now + timedelta(minutes=hotel.hold_minutes) if status in EXPIRING else None,
        guests=guests, guest_name=guest.name, guest_email=guest.email, guest_phone=guest.phone,
        locale=locale, source=source, request_key=request_key, currency=priced.currency, subtotal=priced.subtotal, tax=priced.tax,
        total=priced.total, quote=priced.as_dict(),
    )
    _insert(booking)
    if add_ons:
        _save_add_ons(booking, priced, fresh=True)
    else:
        occupied.no_add_ons(booking)
    _event(booking, "created", actor, to_status=status, room=room.number, total=str(priced.total))
    if status == Status.CONFIRMED:
        then.confirmed(booking, now)
    return booking


def _save_add_ons(booking: Booking, priced, *, fresh: bool = False) -> None:
    if not fresh:  # a new booking has none to replace
        BookingAddOn.objects.filter(booking=booking).delete()
    by_code = {a.code: a for a in AddOn.objects.filter(hotel_id=booking.hotel_id)}
    BookingAddOn.objects.bulk_create([
        BookingAddOn(hotel_id=booking.hotel_id, booking=booking, add_on=by_code[line.code],
                     quantity=line.quantity, unit_price=line.unit_price, amount=line.amount)
        for line in priced.lines if line.kind == "add_on"
    ])


def booking_create(*, hotel: Hotel, room_type: str, stay: Stay, guests: int, guest: GuestDetails,
                   locale: str | None = None, add_ons=(), source: str = Source.DIRECT, hold: bool = False,
                   prepay: bool = False, actor: str = GUEST, request_key: str = "", now: datetime | None = None,
                   then: Then = NOTHING) -> Booking:
    """Book a room of type ``room_type`` (a slug) for ``stay``.

    ``hold=True`` keeps the room for the hotel's hold time while the guest finishes (HOLD);
    ``prepay=True`` does the same while the guest pays (PENDING_PAYMENT, confirmed by the payment);
    otherwise the booking is CONFIRMED at once. A repeated ``request_key`` returns the booking the
    first request made instead of a second one, or Conflict if that request asked for something else.
    Raises InvalidInput, NoAvailability, Conflict or Busy.
    """
    request_key = (request_key or "").strip()[:64]
    same = lambda b: _same_request(b, room_type=room_type, stay=stay, guests=guests, guest=guest)  # noqa: E731
    if request_key:
        earlier = Booking.objects.filter(hotel=hotel, request_key=request_key).select_related("room_type").first()
        if earlier:
            return same(earlier)
    now = now or timezone.now()
    guest = _clean_guest(guest)
    locale = _locale(hotel, locale)
    status = Status.HOLD if hold else Status.PENDING_PAYMENT if prepay else Status.CONFIRMED
    for _attempt in range(5):
        try:
            return db.write(lambda: _place(hotel=hotel, room_type_slug=room_type, stay=stay, guests=guests,
                                           guest=guest, locale=locale, add_on_codes=add_ons, source=source,
                                           status=status, actor=actor, now=now, request_key=request_key,
                                           then=then))
        except _DuplicateRequest:
            return same(Booking.objects.select_related("room_type").get(hotel=hotel, request_key=request_key))
        except _ReferenceTaken:
            continue  # another booking drew the same reference: draw again
    raise AssertionError("five references in a row were taken")


def _locked(booking: Booking) -> Booking:
    return Booking.objects.select_for_update(of=("self",)).select_related("hotel", "room_type", "room").get(pk=booking.pk)


def _apply_transition(b: Booking, to: str, *, actor: str, reason: str, now: datetime, then: Then,
                      **data) -> Booking:
    """Move the locked booking ``b`` to ``to`` if the status machine allows it; ``data`` goes into the
    history entry."""
    if b.lapsed(now) and to not in (Status.EXPIRED, Status.CANCELLED):
        raise HoldExpired()
    check_transition(b.status, to)
    before = b.status
    b.status = to
    fields = ["status", "updated_at"]
    if to == Status.CONFIRMED:
        b.hold_expires_at = None
        fields.append("hold_expires_at")
    if to == Status.CANCELLED:
        b.cancelled_at, b.cancel_reason = now, reason[:255]
        fields += ["cancelled_at", "cancel_reason", "cancellation_fee"]
    b.save(update_fields=fields)
    _event(b, "status", actor, from_status=before, to_status=to, reason=reason, **data)
    then.status_changed(b, before, now)
    if to == Status.CONFIRMED:
        then.confirmed(b, now)
    return b


def booking_transition(*, booking: Booking, to: str, actor: str, reason: str = "",
                       now: datetime | None = None, then: Then = NOTHING) -> Booking:
    """Move ``booking`` to status ``to`` if the status machine allows it."""
    now = now or timezone.now()
    return db.write(lambda: _apply_transition(_locked(booking), to, actor=actor, reason=reason, now=now,
                                              then=then))


def booking_confirm(*, booking: Booking, actor: str = GUEST, now=None, then: Then = NOTHING) -> Booking:
    return booking_transition(booking=booking, to=Status.CONFIRMED, actor=actor, now=now, then=then)


def booking_cancel(*, booking: Booking, actor: str, reason: str = "", now=None, then: Then = NOTHING) -> Booking:
    return booking_transition(booking=booking, to=Status.CANCELLED, actor=actor, reason=reason, now=now, then=then)


def booking_cancel_by_guest(*, booking: Booking, accept_fee: Decimal | None = None, now: datetime | None = None,
                            then: Then = NOTHING) -> Booking:
    """A guest's own cancellation, by the hotel's cancellation policy (booking.cancellation). The fee it
    costs now is recorded on the booking; a fee above ``accept_fee`` (what the guest agreed to pay, None:
    nothing) raises CancellationFeeNotAccepted with nothing changed. Cancelling twice is harmless."""
    now = now or timezone.now()

    def work():
        b = _locked(booking)
        if b.status in (Status.CANCELLED, Status.EXPIRED):
            return b
        if b.lapsed(now):  # nothing left to cancel: the hold ran out
            return _apply_transition(b, Status.EXPIRED, actor=SYSTEM, reason="hold lapsed", now=now, then=then)
        terms = cancellation_terms(b, now)
        if not terms.can_cancel:
            raise NotCancellable()
        if terms.fee > (accept_fee or 0):
            raise CancellationFeeNotAccepted(fee=terms.fee, currency=terms.currency)
        b.cancellation_fee = terms.fee  # saved with the status
        return _apply_transition(b, Status.CANCELLED, actor=GUEST, reason="cancelled by guest", now=now,
                                 then=then, fee=str(terms.fee), currency=terms.currency)

    return db.write(work)


def booking_change_stay(*, booking: Booking, stay: Stay, guests: int | None = None, actor: str,
                        now: datetime | None = None, then: Then = NOTHING) -> Booking:
    """New dates (or hours) for ``booking``: same room if it is free, else another of the same type.

    The price is quoted again with the booking's add-ons. Nothing changes if no room is free.
    """
    now = now or timezone.now()

    def work():
        _lock_room_types([booking.room_type_id, booking.room.room_type_id])
        b = _locked(booking)
        if b.status not in CHANGEABLE:
            raise Conflict(_("A booking that is %(status)s cannot be changed.") % {"status": b.status},
                           code="not_changeable")
        holds_expire(hotel=b.hotel, now=now, room_type=b.room_type)
        n = guests or b.guests
        overrides = rate_overrides(hotel=b.hotel, room_type_ids=[b.room_type_id], dates=stay.dates).get(
            b.room_type_id, {})
        broken = rules.violation(room_type=b.room_type, stay=stay, guests=n, overrides=overrides)
        if broken:
            raise broken
        add_ons = [line.add_on for line in b.add_ons.select_related("add_on")]
        codes = [a.code for a in add_ons]
        free = selectors.free_rooms(hotel=b.hotel, room_type=b.room_type, stay=stay, now=now,
                                    exclude_booking_id=b.pk, add_on_codes=codes)
        room = free.filter(pk=b.room_id).first() or free.first()
        if room is None:
            raise NoAvailability()
        priced = quote(hotel=b.hotel, room_type=b.room_type, stay=stay, guests=n, add_ons=add_ons,
                       overrides=overrides)
        before = {"start": b.start.isoformat(), "end": b.end.isoformat(), "room": b.room.number,
                  "guests": b.guests, "total": str(b.total)}
        b.kind, b.check_in, b.check_out, b.hours = stay.kind, stay.check_in, stay.check_out, stay.hours
        b.start, b.end, b.room, b.guests = stay.start, stay.end, room, n
        held = occupied.of_booking(b, add_on_codes=codes, room=room)
        b.blocks_from, b.blocks_until = held.start, held.until
        b.subtotal, b.tax, b.total, b.quote = priced.subtotal, priced.tax, priced.total, priced.as_dict()
        _save_guarded(b)
        _save_add_ons(b, priced)
        after = {"start": b.start.isoformat(), "end": b.end.isoformat(), "room": room.number,
                 "guests": n, "total": str(b.total)}
        _event(b, "changed", actor, before=before, after=after)
        then.changed(b, now)  # new window: a new key, messages at the new times
        return b

    return db.write(work)


def booking_move(*, booking: Booking, room: Room, actor: str, now: datetime | None = None,
                 then: Then = NOTHING) -> Booking:
    """Put ``booking`` in another physical room of the same hotel, if that room is free for the stay."""
    now = now or timezone.now()
    if room.hotel_id != booking.hotel_id:
        raise NotFound(_("There is no such room in this hotel."))
    if room.status != RoomStatus.AVAILABLE:
        raise Conflict(_("Room %(number)s is out of service.") % {"number": room.number}, code="room_out_of_service")

    def work():
        _lock_room_types([booking.room.room_type_id, room.room_type_id])
        b = _locked(booking)
        if b.status not in CHANGEABLE | {Status.CHECKED_IN}:
            raise Conflict(_("A booking that is %(status)s cannot be moved.") % {"status": b.status},
                           code="not_changeable")
        target = Room.objects.select_related("room_type").get(pk=room.pk)
        # A lapsed hold in the target room would still meet the database's guard: release it first.
        holds_expire(hotel=b.hotel, now=now, room_type=target.room_type)
        stay = Stay(b.kind, b.start, b.end, b.check_in, b.check_out, b.hours)
        codes = list(b.add_ons.values_list("add_on__code", flat=True))
        busy = selectors.busy_room_ids(hotel=b.hotel, room_type=target.room_type, stay=stay, now=now,
                                       exclude_booking_id=b.pk, add_on_codes=codes).filter(room=target)
        if busy.exists():
            raise NoAvailability(_("Room %(number)s is taken for these dates.") % {"number": target.number})
        before = b.room.number
        b.room = target
        held = occupied.of_booking(b, add_on_codes=codes, room=target)
        b.blocks_from, b.blocks_until = held.start, held.until
        _save_guarded(b, update_fields=["room", "blocks_from", "blocks_until", "updated_at"])
        _event(b, "moved", actor, before=before, after=target.number)
        then.changed(b, now)  # new room: a new PIN on its lock
        return b

    return db.write(work)


def add_ons_lock(*, booking: Booking, codes) -> None:
    """Take the lock that adding ``codes`` to ``booking`` needs, before any lock on the booking's own row.

    Early check-in and late check-out stretch the stay over its room's time, so they serialize with the
    room type's other writers, which lock the room type first and the booking after; a caller that
    locks the booking itself (online check-in) calls this first to keep that order. Other extras
    change only the bill and take no lock."""
    if set(codes) & occupied.EXTENDING:
        _lock_room_types([booking.room.room_type_id])


def booking_add_add_ons(*, booking: Booking, codes, actor: str, now: datetime | None = None,
                        then: Then = NOTHING) -> Booking:
    """Add extras (e.g. chosen at online check-in) to ``booking``: priced now, added to its total.

    Extras the booking already has are left as they are; the rest of the quote is unchanged. Early
    check-in and late check-out make the stay hold its room longer: it keeps its room if that is free
    for the longer time, else moves to a free room of the same type, else AddOnUnavailable.
    """
    now = now or timezone.now()

    def work():
        add_ons_lock(booking=booking, codes=codes)
        b = _locked(booking)
        if b.status not in CHANGEABLE:
            raise Conflict(_("A booking that is %(status)s cannot be changed.") % {"status": b.status},
                           code="not_changeable")
        have = set(b.add_ons.values_list("add_on__code", flat=True))
        new = _add_ons(b.hotel, [c for c in codes if c not in have], stay=b, now=now)
        if not new:
            return b
        if any(a.code in occupied.EXTENDING for a in new):
            _hold_longer(b, have | {a.code for a in new}, [a for a in new if a.code in occupied.EXTENDING], now)
        units = b.nights or 1  # hourly stays: add-ons "per night" count once
        priced = with_add_ons(hotel=b.hotel, quoted=b.quote, add_ons=new, units=units, guests=b.guests)
        before = str(b.total)
        b.subtotal, b.tax, b.total, b.quote = priced.subtotal, priced.tax, priced.total, priced.as_dict()
        b.save(update_fields=["subtotal", "tax", "total", "quote", "updated_at"])
        _save_add_ons(b, priced)
        _event(b, "add_ons", actor, added=[a.code for a in new], before=before, after=str(b.total))
        if any(a.code in occupied.EXTENDING for a in new):
            then.changed(b, now)  # a key already made gets the longer window
        return b

    return db.write(work)


def _hold_longer(b: Booking, codes: set[str], extending: list[AddOn], now: datetime) -> None:
    """Stretch the locked booking ``b`` over the time its add-ons ``codes`` give it, in its room or another
    free one of the same type, or raise AddOnUnavailable with nothing changed."""
    holds_expire(hotel=b.hotel, now=now, room_type=b.room.room_type)
    stay = Stay(b.kind, b.start, b.end, b.check_in, b.check_out, b.hours)
    free = selectors.free_rooms(hotel=b.hotel, room_type=b.room.room_type, stay=stay, now=now,
                                exclude_booking_id=b.pk, add_on_codes=codes)
    room = free.filter(pk=b.room_id).first() or free.first()
    if room is None:
        raise AddOnUnavailable(names=", ".join(a.name for a in extending))
    before = b.room.number
    held = occupied.of_booking(b, add_on_codes=codes, room=room)
    b.room, b.blocks_from, b.blocks_until = room, held.start, held.until
    _save_guarded(b, update_fields=["room", "blocks_from", "blocks_until", "updated_at"])
    if room.number != before:
        _event(b, "moved", SYSTEM, before=before, after=room.number, reason="add-ons")
