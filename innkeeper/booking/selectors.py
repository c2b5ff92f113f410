"""Reads: what is free, what it costs, and finding a guest's booking."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import BooleanField, Count, DateTimeField, F, Func, Q, Value
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from innkeeper.booking import extras, rules
from innkeeper.booking.errors import NoAvailability
from innkeeper.booking.models import Booking
from innkeeper.booking.occupied import Occupied, occupied
from innkeeper.booking.occupied import add_on_lines as add_on_lines  # published: for the API's answer
from innkeeper.booking.occupied import of_booking as _of_booking
from innkeeper.booking.occupied import window as _window
from innkeeper.booking.pricing import Quote, quote
from innkeeper.booking.references import normalise
from innkeeper.booking.states import ACTIVE, EXPIRING, Status
from innkeeper.booking.stays import Stay
from innkeeper.core import db as core_db
from innkeeper.core.calendar import event_ics
from innkeeper.core.errors import NotFound
from innkeeper.hotels.links import hotel_host, manage_link
from innkeeper.hotels.models import AddOn, Hotel, Room, RoomStatus, RoomType
from innkeeper.hotels.selectors import rate_overrides


def occupying(now: datetime) -> Q:
    """Bookings that hold their room at ``now``: active, and not a hold whose time ran out."""
    return Q(status__in=ACTIVE) & ~Q(status__in=EXPIRING, hold_expires_at__lte=now)


class HoldsRoomDuring(Func):
    """True for a booking whose busy interval ``[blocks_from, blocks_until)`` overlaps ``[start, until)``.

    On PostgreSQL it is written as the range overlap on the expression of the no-overlap guard's GiST
    index (migration 0004: room, ``tstzrange(blocks_from, blocks_until, '[)')``, active statuses), so
    the planner finds just the stays that overlap the window there, however many lie before or after
    it: with a btree on the two ends it can bound only one of them and reads every stay on the other
    side. Elsewhere it is the two comparisons, which mean the same: neither interval is ever empty
    (blocks_from <= start < end <= blocks_until; a search's start < its until).
    """

    output_field = BooleanField()

    def __init__(self, start: datetime, until: datetime):
        super().__init__(F("blocks_from"), F("blocks_until"), Value(start, output_field=DateTimeField()),
                         Value(until, output_field=DateTimeField()))

    def _compiled(self, compiler):
        return [compiler.compile(expression) for expression in self.get_source_expressions()]

    def as_sql(self, compiler, connection, **extra_context):
        (blocks_from, p1), (blocks_until, p2), (start, p3), (until, p4) = self._compiled(compiler)
        return f"({blocks_from} < {until} AND {blocks_until} > {start})", (*p1, *p4, *p2, *p3)

    def as_postgresql(self, compiler, connection, **extra_context):
        # '[)' written out, not a parameter, so that the expression is the index's own.
        (blocks_from, p1), (blocks_until, p2), (start, p3), (until, p4) = self._compiled(compiler)
        return (f"tstzrange({blocks_from}, {blocks_until}, '[)') && tstzrange({start}, {until}, '[)')",
                (*p1, *p2, *p3, *p4))


def room_held(booking: Booking, *, add_on_codes=None) -> Occupied:
    """When ``booking`` holds its room: its stay widened by early check-in / late check-out (its add-ons, or
    ``add_on_codes``), then its room type's turnover. Published for the other apps (the door key's window,
    the automatic check-out), which read it here rather than in ``booking.occupied``."""
    return _of_booking(booking, add_on_codes=add_on_codes)


def stay_window(booking: Booking, *, add_on_codes=None) -> Occupied:
    """The stay as the guest is told it (arrival and departure with an early check-in or late check-out),
    read afresh: ``Booking.window`` is the same, cached on the instance for pages and messages."""
    return _window(booking, add_on_codes=add_on_codes)


def stay_calendar(booking: Booking) -> bytes:
    """The stay as a calendar event (.ics) from arrival to departure as every page states them (the stay
    window), with the hotel's address and the manage-booking link, in the guest's language."""
    hotel = booking.hotel
    with translation.override(booking.locale):
        summary = _("%(hotel)s: your stay (%(reference)s)") % {"hotel": hotel.name, "reference": booking.reference}
        description = _("Booking %(reference)s, %(room_type)s.") % {"reference": booking.reference,
                                                                     "room_type": booking.room_type.name}
        return event_ics(uid=f"{booking.reference}@{hotel_host(hotel)}", start=booking.window.start,
                         end=booking.window.end, summary=summary, description=description,
                         location=", ".join(p for p in (hotel.address, hotel.city) if p), url=manage_link(booking))


def busy_room_ids(*, hotel: Hotel, room_type: RoomType, stay: Stay, now: datetime, exclude_booking_id=None,
                  add_on_codes=()):
    """Rooms of ``room_type`` that cannot take ``stay`` (widened by early check-in / late check-out in
    ``add_on_codes``, with the type's turnover after it)."""
    wanted = occupied(start=stay.start, end=stay.end, add_on_codes=add_on_codes,
                      turnover_minutes=room_type.turnover_minutes)
    qs = Booking.objects.filter(occupying(now), HoldsRoomDuring(wanted.start, wanted.until), hotel=hotel,
                                room__room_type=room_type)
    if exclude_booking_id:
        qs = qs.exclude(pk=exclude_booking_id)
    return qs.values("room_id")


def held_during(*, hotel: Hotel, room_type: RoomType, start: datetime, until: datetime, now: datetime):
    """(room_id, blocks_from, blocks_until) of every stay holding a room of ``room_type`` at any moment in
    ``[start, until)`` (one query; published for pms.ical_export's availability calendar)."""
    return (Booking.objects.filter(occupying(now), HoldsRoomDuring(start, until), hotel=hotel,
                                   room__room_type=room_type)
            .values_list("room_id", "blocks_from", "blocks_until"))


def free_rooms(*, hotel: Hotel, room_type: RoomType, stay: Stay, now: datetime, exclude_booking_id=None,
               add_on_codes=()):
    busy = busy_room_ids(hotel=hotel, room_type=room_type, stay=stay, now=now,
                         exclude_booking_id=exclude_booking_id, add_on_codes=add_on_codes)
    return (Room.objects.filter(hotel=hotel, room_type=room_type, status=RoomStatus.AVAILABLE)
            .exclude(pk__in=busy).order_by("number"))


def free_room_pick(*, hotel: Hotel, room_type: RoomType, stay: Stay, now: datetime, add_on_codes=()):
    """The first free room of ``room_type`` for ``stay`` as ``free_rooms(...).first()`` picks it, or None; the
    room says in ``lapsed_holds`` whether a hold of the type has lapsed but is still marked active (the
    database's no-overlap guard still counts it, so the caller releases them before it inserts).

    One statement written out: the booking path runs it for every booking, and composing it through the ORM
    cost more than running it. The stays are looked up by room only (the rooms are the hotel's): with a
    hotel condition beside it, PostgreSQL without fresh statistics (a new or fast-growing table) read every
    stay of the hotel for each room, 3.5 ms a pick at 600 stays where the room's own index takes 1.0 ms."""
    from django.db import connections

    wanted = occupied(start=stay.start, end=stay.end, add_on_codes=add_on_codes,
                      turnover_minutes=room_type.turnover_minutes)
    db = Room.objects.db
    ops = connections[db].ops
    at = ops.adapt_datetimefield_value
    booking, room = Booking._meta.db_table, Room._meta.db_table
    columns = ", ".join(f"r.{f.column}" for f in Room._meta.concrete_fields)
    active, expiring = sorted(ACTIVE), sorted(EXPIRING)
    marks = lambda values: ", ".join(["%s"] * len(values))  # noqa: E731
    sql = (
        f"SELECT {columns}, EXISTS (SELECT 1 FROM {booking} l INNER JOIN {room} lr ON l.room_id = lr.id"  # noqa: S608
        f" WHERE l.hotel_id = %s AND lr.room_type_id = %s AND l.status IN ({marks(expiring)})"
        f" AND l.hold_expires_at <= %s) AS lapsed_holds"
        f" FROM {room} r WHERE r.hotel_id = %s AND r.room_type_id = %s AND r.status = %s"
        f" AND NOT EXISTS (SELECT 1 FROM {booking} b WHERE b.room_id = r.id"
        f" AND b.status IN ({marks(active)}) AND NOT (b.status IN ({marks(expiring)})"
        f" AND b.hold_expires_at IS NOT NULL AND b.hold_expires_at <= %s)"
        f" AND b.blocks_from < %s AND b.blocks_until > %s)"
        f" ORDER BY r.number LIMIT 1")
    params = [hotel.pk, room_type.pk, *expiring, at(now), hotel.pk, room_type.pk, RoomStatus.AVAILABLE,
              *active, *expiring, at(now), at(wanted.until), at(wanted.start)]
    connection = connections[db]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    room = core_db.instance(connection, Room, row[:-1])
    room.lapsed_holds = bool(row[-1])
    return room


def move_targets(*, hotel: Hotel, bookings, now: datetime) -> dict[int, list[Room]]:
    """For each booking, the other rooms in service it could move to: free for as long as it holds its room
    (early check-in and late check-out included) and for the new room's turnover after it.

    Two queries however many bookings: the rooms, and the stays that overlap any of the bookings.
    """
    bookings = list(bookings)
    if not bookings:
        return {}
    all_rooms = list(Room.objects.filter(hotel=hotel).select_related("room_type").order_by("number"))
    turnover = {r.pk: timedelta(minutes=r.room_type.turnover_minutes) for r in all_rooms}
    rooms = [r for r in all_rooms if r.status == RoomStatus.AVAILABLE]
    # What each booking holds without its room's turnover: the stay widened by its add-ons.
    held_until = {b.pk: b.blocks_until - turnover[b.room_id] for b in bookings}
    longest_turnover = max(turnover.values(), default=timedelta(0))
    busy: dict[int, list[tuple]] = {}
    for pk, room_id, blocks_from, blocks_until in Booking.objects.filter(
            occupying(now), HoldsRoomDuring(min(b.blocks_from for b in bookings),
                                            max(held_until.values()) + longest_turnover),
            hotel=hotel).values_list(
                "pk", "room_id", "blocks_from", "blocks_until"):
        busy.setdefault(room_id, []).append((pk, blocks_from, blocks_until))

    def free(booking: Booking, room: Room) -> bool:
        until = held_until[booking.pk] + turnover[room.pk]
        return not any(pk != booking.pk and start < until and blocks_until > booking.blocks_from
                       for pk, start, blocks_until in busy.get(room.pk, ()))

    return {b.pk: [r for r in rooms if r.pk != b.room_id and free(b, r)] for b in bookings}


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
    during = HoldsRoomDuring(stay.start, stay.end + longest_turnover)
    overlapping = (Booking.objects.filter(occupying(now), during, hotel=hotel,
                                          room__status=RoomStatus.AVAILABLE)
                   .values_list("room_id", "room__room_type_id", "blocks_from"))
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


def add_ons_offered(*, hotel: Hotel, stay, now: datetime) -> list[AddOn]:
    """The hotel's extras on sale that a guest may buy for ``stay`` (a Stay, or a Booking's own) at ``now``:
    the rules of booking.extras, which the booking engine also holds every purchase to."""
    return [a for a in AddOn.objects.filter(hotel=hotel, is_active=True)
            if extras.refusal(hotel=hotel, add_on=a, stay=stay, now=now) is None]


def add_ons_check(*, hotel: Hotel, add_ons, stay, now: datetime) -> None:
    """Raise InvalidInput saying why, when any of ``add_ons`` cannot be bought for ``stay`` at ``now``."""
    extras.check(hotel=hotel, add_ons=add_ons, stay=stay, now=now)


def booking_for_guest(*, reference: str, email: str, now: datetime | None = None) -> Booking:
    """A booking by its reference, only for the e-mail it was made with (cross-hotel lookup).

    A wrong e-mail and an unknown reference look the same, so references cannot be probed. A hold
    whose time ran out is reported EXPIRED (``as_guest_sees``).
    """
    with scopes_disabled():
        booking = (Booking.objects.select_related("hotel", "room_type", "room")
                   .filter(reference=normalise(reference)).first())
    if booking is None or booking.guest_email.casefold() != (email or "").strip().casefold():
        raise NotFound(_("No booking matches this reference and e-mail."))
    return as_guest_sees(booking, now=now or timezone.now())


def as_guest_sees(booking: Booking, *, now: datetime) -> Booking:
    """The booking as its guest is shown it, however they found it: a hold whose time ran out is EXPIRED,
    as the periodic sweep will mark it."""
    if booking.lapsed(now):
        booking.status = Status.EXPIRED
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
    # A hold or unpaid checkout whose time ran out is nobody's arrival, even before the sweeper marks it.
    staying = (Booking.objects.filter(hotel=hotel, status__in=ACTIVE | {"CHECKED_OUT"})
               .exclude(status__in=EXPIRING, hold_expires_at__lte=now)
               .select_related("room", "room_type").order_by("start", "id"))
    return DaySheet(
        arrivals=list(staying.filter(start__gte=day_start, start__lt=day_end)),
        departures=list(staying.filter(end__gte=day_start, end__lt=day_end).order_by("end", "id")),
        # Due in a room now, and whoever is checked in and has not left: an early arrival, a late
        # check-out, or a guest past their time whom the check-out sweep has not reached yet.
        in_house=list(staying.filter(Q(start__lte=now, end__gt=now) | Q(status="CHECKED_IN"))
                      .exclude(status="CHECKED_OUT")),
    )


# The staff panel's reads ---------------------------------------------------------------------------

SOLD = frozenset({"CONFIRMED", "CHECKIN_COMPLETED", "CHECKED_IN", "CHECKED_OUT"})


def bookings_find(*, hotel: Hotel, text: str = "", status: str = "", source: str = "", arriving_from=None,
                  arriving_to=None):
    """Bookings matching a staff search: reference, guest name, e-mail or phone; status; source; arrival dates."""
    qs = Booking.objects.filter(hotel=hotel).select_related("room", "room_type")
    text = " ".join((text or "").split())
    if text:
        qs = qs.filter(Q(reference=normalise(text)) | Q(guest_name__icontains=text) |
                       Q(guest_email__icontains=text) | Q(guest_phone__icontains=text))
    if status:
        qs = qs.filter(status=status)
    if source:
        qs = qs.filter(source=source)
    if arriving_from:
        qs = qs.filter(check_in__gte=arriving_from)
    if arriving_to:
        qs = qs.filter(check_in__lte=arriving_to)
    return qs.order_by("-created_at", "-id")


def occupancy(*, hotel: Hotel, first_day, days: int) -> list[tuple]:
    """Per day: rooms in use (a nightly stay over that night, or an hourly stay that day) of the rooms in
    service. Two queries."""
    rooms = Room.objects.filter(hotel=hotel, status=RoomStatus.AVAILABLE).count()
    last_day = first_day + timedelta(days=days)
    used: dict = {first_day + timedelta(days=i): set() for i in range(days)}
    stays = Booking.objects.filter(hotel=hotel, status__in=SOLD, check_in__lt=last_day).filter(
        Q(check_out__gt=first_day) | Q(check_out=None, check_in__gte=first_day)).values_list(
        "room_id", "check_in", "check_out")
    for room_id, check_in, check_out in stays:
        day = max(check_in, first_day)
        end = min(check_out or check_in + timedelta(days=1), last_day)
        while day < end:
            used[day].add(room_id)
            day += timedelta(days=1)
    return [(day, len(ids), rooms) for day, ids in used.items()]


def revenue(*, hotel: Hotel, first_day, last_day):
    """Sold bookings arriving between the two dates (inclusive): their totals added up."""
    from django.db.models import Sum

    return Booking.objects.filter(hotel=hotel, status__in=SOLD, check_in__gte=first_day,
                                  check_in__lte=last_day).aggregate(total=Sum("total"))["total"] or 0


@dataclass(frozen=True)
class TapeBar:
    booking: Booking
    column: int  # 1-based grid column of its first day in the window
    span: int  # days it covers in the window


def tape_chart(*, hotel: Hotel, first_day, days: int) -> list[tuple[Room, list[TapeBar]]]:
    """Rooms down, days across: each room with the bookings that touch the window, placed by day."""
    last_day = first_day + timedelta(days=days)
    rooms = list(Room.objects.filter(hotel=hotel).select_related("room_type").order_by("room_type__sort_order",
                                                                                      "number"))
    bars: dict[int, list[TapeBar]] = {room.pk: [] for room in rooms}
    shown = ACTIVE | {"CHECKED_OUT"}
    for b in (Booking.objects.filter(hotel=hotel, status__in=shown, check_in__lt=last_day)
              .filter(Q(check_out__gt=first_day) | Q(check_out=None, check_in__gte=first_day))
              .select_related("room", "room_type").order_by("start")):
        start = max(b.check_in, first_day)
        end = min(b.check_out or b.check_in + timedelta(days=1), last_day)
        bars[b.room_id].append(TapeBar(b, (start - first_day).days + 1, max(1, (end - start).days)))
    return [(room, bars[room.pk]) for room in rooms]
