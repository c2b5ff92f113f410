"""How long a booking holds its room: the one place that says it.

The stay is what the guest booked. The early check-in and late check-out add-ons move its start and
end (by LOCKS_EARLY_CHECK_IN_MINUTES / LOCKS_LATE_CHECK_OUT_MINUTES): the guest is in the room then, and
their door key works then. The room type's turnover follows. The booking engine stores the result as
``Booking.blocks_from`` / ``blocks_until``, the interval the database's no-overlap guard watches, and
the key window is cut from the same interval, so two guests never hold a working PIN on one door.
Pure functions apart from ``of_booking``, which reads the booking's add-ons.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

EARLY_CHECK_IN = "early-check-in"
LATE_CHECK_OUT = "late-check-out"
# The add-ons that change when the guest is in the room.
EXTENDING = frozenset({EARLY_CHECK_IN, LATE_CHECK_OUT})


@dataclass(frozen=True)
class Occupied:
    start: datetime  # the guest may be in the room from here (Booking.blocks_from)...
    end: datetime  # ...until here
    until: datetime  # end + turnover: the next guest's stay may start here (Booking.blocks_until)

    @property
    def turnover(self) -> timedelta:
        return self.until - self.end


def occupied(*, start: datetime, end: datetime, add_on_codes: Iterable[str] = (),
             turnover_minutes: int = 0) -> Occupied:
    codes = set(add_on_codes)
    if EARLY_CHECK_IN in codes:
        start -= timedelta(minutes=settings.LOCKS_EARLY_CHECK_IN_MINUTES)
    if LATE_CHECK_OUT in codes:
        end += timedelta(minutes=settings.LOCKS_LATE_CHECK_OUT_MINUTES)
    return Occupied(start, end, end + timedelta(minutes=turnover_minutes))


def no_add_ons(booking) -> None:
    """Mark a booking just written without extras as having none, as ``prefetch_related("add_ons")`` leaves
    it, so that what reads them next (its wording, the API's answer) sends no query and builds none."""
    lines = booking.add_ons.none()
    lines._result_cache, lines._prefetch_done = [], True
    booking._prefetched_objects_cache = {"add_ons": lines}


def add_on_lines(booking) -> list:
    """``booking``'s extras (each with its ``add_on``), from its prefetched ones when the caller read them."""
    if "add_ons" in getattr(booking, "_prefetched_objects_cache", {}):
        return list(booking.add_ons.all())
    return list(booking.add_ons.select_related("add_on"))


def add_on_codes_of(booking) -> list[str]:
    """The codes of ``booking``'s extras, from its prefetched add-ons when the caller read them."""
    if "add_ons" in getattr(booking, "_prefetched_objects_cache", {}):
        return [line.add_on.code for line in booking.add_ons.all()]
    return list(booking.add_ons.values_list("add_on__code", flat=True))


def of_booking(booking, *, add_on_codes: Iterable[str] | None = None, room=None) -> Occupied:
    """The interval ``booking`` holds in its room (or in ``room``), with its add-ons (or ``add_on_codes``)."""
    if add_on_codes is None:
        add_on_codes = add_on_codes_of(booking)
    room = room or booking.room
    return occupied(start=booking.start, end=booking.end, add_on_codes=add_on_codes,
                    turnover_minutes=room.room_type.turnover_minutes)


def window(booking, *, add_on_codes: Iterable[str] | None = None) -> Occupied:
    """The stay as the guest is told it and as their keys follow it: from arrival (an early check-in moves
    it) to departure (a late check-out moves it), in what the booking holds in the database.

    Every page, message, calendar entry and key window takes its times from here, so that a message never
    says 12:00 while the door opens until 16:00. Clamped to ``blocks_from``/``blocks_until`` (less the
    turnover): an extension configured after the booking was made cannot stretch what was sold."""
    held = of_booking(booking, add_on_codes=add_on_codes)
    start = max(held.start, booking.blocks_from) if booking.blocks_from else held.start
    end = min(held.end, booking.blocks_until - held.turnover) if booking.blocks_until else held.end
    return Occupied(start, end, end + held.turnover)
