"""What happened at a demo hotel over the past 30 days and is booked for the next 30: a plan, no database.

Each room has a timeline of nightly stays walked from a fixed date with a random generator seeded by the hotel
and the room, so a date's stays are the same whenever the plan is made, and running the seed again on a
later day only adds the days that came into view. Stays of one room never overlap (the next guest arrives
on the day the last one leaves at the earliest); early check-in and late check-out are only sold where the
night before or after is free, and hourly stays only on days the room has no guest at all. Gaps between
stays make the occupancy about 65-75%.

Every stay then gets a fate from its own generator (seeded by its key): stayed (checked in online or at the
desk), cancelled, no-show, or, where guests pay online, a checkout left unpaid. When each step happens is
planned in the hotel's time; steps after ``now`` have not happened yet, so a stay's status follows from the
clock: checked out in the past, in house now, confirmed ahead.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from innkeeper.booking.models import Source
from innkeeper.demo.guests import Guest, guest

PAST_DAYS = FUTURE_DAYS = 30
EPOCH = date(2024, 1, 1)  # where every room's timeline starts (a fixed date: the same stays on every run)
GAPS, GAP_WEIGHTS = (0, 1, 2, 3, 5), (45, 28, 14, 8, 5)  # free nights between two stays
NIGHTS, NIGHT_WEIGHTS = (1, 2, 3, 4, 5, 7), (22, 30, 20, 12, 9, 7)
EARLY, LATE = "early-check-in", "late-check-out"

# Fates
STAY = "stay"
CANCEL_GUEST, CANCEL_STAFF = "cancel_guest", "cancel_staff"
NO_SHOW = "no_show"
ABANDON = "abandon"  # a checkout never paid: the hold expires
HOLDING, PAYING = "holding", "paying"  # a checkout going on right now: on hold, awaiting payment
CANCELS = (CANCEL_GUEST, CANCEL_STAFF)


@dataclass(frozen=True)
class Planned:
    key: str  # the booking's request key: the same stay has the same key on every run
    room_type: str
    room: str  # the room the timeline placed it in (the allocator may pick another free one of the type)
    start: datetime  # in the hotel's zone
    end: datetime
    check_in: date
    check_out: date | None  # nightly stays
    hours: int | None  # hourly stays
    guest: Guest
    guests: int
    add_ons: tuple[str, ...]
    source: str
    booked_at: datetime
    prepaid: bool  # the guest pays online: a hold first, then the payment
    declined_first: bool  # the first card was declined
    fate: str
    fate_at: datetime | None  # when it was cancelled, marked a no-show, or the guest checked in
    online: bool  # checked in online (else at the desk)
    checkin_add_ons: tuple[str, ...]  # extras chosen at the online check-in
    desk_key: bool  # a PIN issued at the desk


def _rng(*parts: str) -> random.Random:
    """A generator seeded by ``parts`` (a string seed is hashed the same way in every process). Separate ones
    for separate choices, so that one made differently (a booking time near ``now``) moves no other."""
    return random.Random("/".join(parts))  # noqa: S311  (a demo's choices, not a secret)


def _timeline(seed: str, last: date) -> list[tuple[date, date]]:
    rng, day, stays = _rng(seed), EPOCH, []
    while True:
        day += timedelta(days=rng.choices(GAPS, GAP_WEIGHTS)[0])
        if day > last:
            return stays
        nights = rng.choices(NIGHTS, NIGHT_WEIGHTS)[0]
        stays.append((day, day + timedelta(days=nights)))
        day += timedelta(days=nights)


def _at(day: date, hour: int, minute: int, tz) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=tz)


def _between(rng: random.Random, a: datetime, b: datetime) -> datetime:
    if b <= a:
        return a
    return a + timedelta(minutes=rng.randrange(int((b - a).total_seconds() // 60) + 1))


def _booked_at(rng, start: datetime, lead_days: int, now: datetime, tz) -> datetime:
    day = start.date() - timedelta(days=lead_days)
    booked = _at(day, rng.randint(7, 22), rng.randrange(60), tz)
    shortly, lately = timedelta(minutes=rng.randint(30, 180)), timedelta(minutes=rng.randint(10, 600))
    if booked >= start - timedelta(minutes=30):
        booked = start - shortly
    return min(booked, now - lately)  # booked, at the latest, a little before now


class _Hotel:
    """What the plan reads of a hotel, its room types and extras."""

    def __init__(self, hotel, room_types, add_on_codes, *, prepay: bool):
        self.hotel, self.slug, self.tz = hotel, hotel.slug, hotel.tz
        self.room_types, self.add_ons, self.prepay = room_types, set(add_on_codes), prepay


def _fate(rng, h: _Hotel, *, source: str, prepaid: bool, booked_at, start, end, nightly: bool):
    """(fate, fate_at, online) for a stay."""
    r = rng.random()
    if r < 0.09:
        cancel_at = _between(rng, booked_at + timedelta(hours=1), start - timedelta(hours=3))
        guest_cancels = source != Source.PHONE and rng.random() < 0.6
        return (CANCEL_GUEST if guest_cancels else CANCEL_STAFF), max(cancel_at, booked_at + timedelta(minutes=30)), False
    if r < 0.13:
        marked = _at(start.date() + timedelta(days=1), 11, 0, h.tz) if nightly else start + timedelta(hours=1)
        return NO_SHOW, marked, False
    if prepaid and r < 0.17:
        return ABANDON, None, False
    online = rng.random() < (0.65 if source != Source.PHONE and source != Source.WALK_IN else 0.35)
    if not nightly:
        online = online and rng.random() < 0.3
    if online:
        at = start - timedelta(hours=rng.randint(2, 40), minutes=rng.randrange(60))
        at = max(at, booked_at + timedelta(minutes=20))
        if at < start - timedelta(minutes=30):
            return STAY, at, True
    desk = start + (timedelta(minutes=rng.randint(0, 300)) if nightly else timedelta(minutes=5))
    return STAY, desk, False


def _nightly(h: _Hotel, rt, room: str, ci: date, co: date, busy: set[date], now: datetime) -> Planned:
    key = f"demo:{room}:{ci:%Y%m%d}"
    rng = _rng(h.slug, key)
    hotel = h.hotel
    start, end = _at(ci, hotel.check_in_time.hour, hotel.check_in_time.minute, h.tz), \
        _at(co, hotel.check_out_time.hour, hotel.check_out_time.minute, h.tz)
    plain = sorted(h.add_ons - {EARLY, LATE})
    add_ons = set(rng.sample(plain, k=min(len(plain), rng.randint(1, 2)))) if plain and rng.random() < 0.3 else set()
    early_ok, late_ok = (ci - timedelta(days=1)) not in busy and EARLY in h.add_ons, co not in busy and LATE in h.add_ons
    if early_ok and rng.random() < 0.2:
        add_ons.add(EARLY)
    if late_ok and rng.random() < 0.2:
        add_ons.add(LATE)
    source = rng.choices([Source.DIRECT, Source.AGGREGATOR, Source.API, Source.PHONE], [55, 15, 10, 20])[0]
    lead = rng.choices([0, 1, 2, 3, 4, 6, 9, 14, 21, 30, 45], [6, 8, 8, 8, 8, 10, 10, 12, 12, 10, 8])[0]
    booked_at = _booked_at(rng, start, lead, now, h.tz)
    prepaid = h.prepay and source != Source.PHONE
    fate, fate_at, online = _fate(_rng(h.slug, key, "fate"), h, source=source, prepaid=prepaid,
                                  booked_at=booked_at, start=start, end=end, nightly=True)
    later = []
    if online and rng.random() < 0.25:
        later = [code for code in ("breakfast", LATE) if code in h.add_ons and code not in add_ons
                 and (code != LATE or late_ok)][:1]
    guests = min(rt.max_occupancy, rng.choices([1, 2, 3, 4], [35, 50, 10, 5])[0])
    return Planned(key=key, room_type=rt.slug, room=room, start=start, end=end, check_in=ci, check_out=co,
                   hours=None, guest=guest(h.slug, _rng(h.slug, key, "guest"), today=now.date()), guests=guests,
                   add_ons=tuple(sorted(add_ons)), source=source, booked_at=booked_at, prepaid=prepaid,
                   declined_first=prepaid and rng.random() < 0.06, fate=fate, fate_at=fate_at, online=online,
                   checkin_add_ons=tuple(later), desk_key=rng.random() < 0.5)


def _hourly(h: _Hotel, rt, room: str, day: date, now: datetime) -> list[Planned]:
    """Hourly stays on a day the room is free: none, one or two, a turnover apart."""
    hotel = h.hotel
    rng = _rng(h.slug, room, f"{day:%Y%m%d}")
    count = rng.choices([0, 1, 2], [45, 40, 15])[0]
    low, high = max(rt.min_hours, 2), min(rt.max_hours, 4)
    if low > high:
        return []
    made, hour = [], max(hotel.hourly_start_hour, rng.randint(9, 15))
    for _n in range(count):
        hours = rng.randint(low, high)
        if hour + hours > hotel.hourly_end_hour:
            break
        start = _at(day, hour, 0, h.tz)
        key = f"demo:{room}:{start:%Y%m%d%H%M}"
        stay_rng = _rng(h.slug, key)
        source = stay_rng.choices([Source.DIRECT, Source.WALK_IN, Source.PHONE], [50, 30, 20])[0]
        if source == Source.WALK_IN and start > now:  # nobody walks in yet for later: they call
            source = Source.PHONE
        if source == Source.WALK_IN:
            booked_at = start - timedelta(minutes=stay_rng.randint(5, 20))
        else:
            booked_at = _booked_at(stay_rng, start, stay_rng.choices([0, 1], [80, 20])[0], now, h.tz)
        prepaid = h.prepay and source == Source.DIRECT
        end = start + timedelta(hours=hours)
        fate, fate_at, online = _fate(_rng(h.slug, key, "fate"), h, source=source, prepaid=prepaid,
                                      booked_at=booked_at, start=start, end=end, nightly=False)
        made.append(Planned(
            key=key, room_type=rt.slug, room=room, start=start, end=end, check_in=day, check_out=None,
            hours=hours, guest=guest(h.slug, _rng(h.slug, key, "guest"), today=now.date()),
            guests=stay_rng.choice([1, 2]),
            add_ons=(), source=source, booked_at=booked_at, prepaid=prepaid,
            declined_first=False, fate=fate, fate_at=fate_at, online=online, checkin_add_ons=(),
            desk_key=stay_rng.random() < 0.7))
        turnover = -(-rt.turnover_minutes // 60)  # whole hours, rounded up
        hour += hours + turnover + rng.choice([0, 1, 2])
    return made


def plan(hotel, room_types, add_on_codes, *, now: datetime, prepay: bool) -> list[Planned]:
    """The stays of ``hotel`` from PAST_DAYS ago to FUTURE_DAYS ahead (those that began a little earlier too,
    so the first days are as full as the rest), in the order they were booked. ``room_types``: its active room types, each with ``numbers`` (its rooms' numbers). ``prepay``:
    guests booking online pay when they book."""
    h = _Hotel(hotel, room_types, add_on_codes, prepay=prepay)
    today = now.astimezone(h.tz).date()
    first, last = today - timedelta(days=PAST_DAYS), today + timedelta(days=FUTURE_DAYS)
    stays = []
    for rt in room_types:
        for room in rt.numbers:
            timeline = _timeline(f"{h.slug}/{room}", last) if rt.sells_nightly else []
            busy = {ci + timedelta(days=n) for ci, co in timeline for n in range((co - ci).days)}
            stays += [_nightly(h, rt, room, ci, co, busy, now) for ci, co in timeline if co > first and ci <= last]
            if rt.sells_hourly:
                for n in range((last - first).days + 1):
                    day = first + timedelta(days=n)
                    if day not in busy and day - timedelta(days=1) not in busy:
                        stays += _hourly(h, rt, room, day, now)
    return _every_status(stays, now=now, prepay=prepay, hold_minutes=hotel.hold_minutes)


def _every_status(stays: list[Planned], *, now: datetime, prepay: bool, hold_minutes: int) -> list[Planned]:
    """Make sure the demo shows every status its payment rule allows, whatever the day: a no-show, a
    cancellation, a guest in house checked in at the desk and one checked in online, and (guests paying online)
    an expired hold and two checkouts going on now."""
    stays = sorted(stays, key=lambda s: (s.start, s.key))
    by_key = {s.key: s for s in stays}

    def force(pick, has, fields_of):
        if any(has(s) for s in by_key.values()):
            return
        candidates = [s for s in by_key.values() if pick(s)]
        if candidates:  # the same one again on a rerun, as long as it still fits
            chosen = min(candidates, key=lambda s: zlib.crc32(s.key.encode()))
            by_key[chosen.key] = replace(chosen, **fields_of(chosen))

    day = timedelta(days=1)
    past = lambda s: s.fate == STAY and s.check_out is not None and s.end < now - day  # noqa: E731
    force(past, lambda s: s.fate == NO_SHOW and s.fate_at < now,
          lambda s: {"fate": NO_SHOW, "fate_at": s.start + timedelta(hours=21)})
    force(lambda s: s.fate == STAY and s.start > now + 2 * day and s.booked_at < now - timedelta(hours=3),
          lambda s: s.fate in CANCELS and s.fate_at < now,
          lambda s: {"fate": CANCEL_GUEST, "fate_at": s.booked_at + timedelta(hours=1)})
    in_house = lambda s: s.fate == STAY and s.start < now - timedelta(hours=1) and s.end > now + timedelta(hours=2)  # noqa: E731
    force(in_house, lambda s: in_house(s) and not s.online and s.fate_at < now,
          lambda s: {"online": False, "fate_at": s.start + timedelta(minutes=20), "checkin_add_ons": ()})
    soon = lambda s: s.fate == STAY and now < s.start < now + 2 * day and s.booked_at < now - timedelta(hours=2)  # noqa: E731
    force(soon, lambda s: s.fate == STAY and s.online and s.fate_at < now < s.end,
          lambda s: {"online": True, "fate_at": now - timedelta(hours=1)})
    if prepay:
        lapsed = now - timedelta(minutes=hold_minutes + 5)
        force(lambda s: s.prepaid and s.fate == STAY and s.booked_at < lapsed and s.start > now + day,
              lambda s: s.fate == ABANDON and s.booked_at < lapsed, lambda s: {"fate": ABANDON})
        ahead = lambda s: s.prepaid and s.fate == STAY and s.start > now + 3 * day  # noqa: E731
        force(ahead, lambda s: s.fate == HOLDING,
              lambda s: {"fate": HOLDING, "booked_at": now - timedelta(minutes=3), "declined_first": False})
        force(ahead, lambda s: s.fate == PAYING,
              lambda s: {"fate": PAYING, "booked_at": now - timedelta(minutes=7), "declined_first": False})
    return sorted(by_key.values(), key=lambda s: (s.booked_at, s.key))
