"""The hotel's cancellation policy, applied to one booking at one moment: the one place that says it.

A guest cancels free of charge until ``Hotel.cancellation_hours`` before the stay's start (the arrival
time), and after that for a fee of ``Hotel.cancellation_fee_percent`` of the booking's total, until the
stay starts. A booking still waiting for its payment was never sold, so cancelling it is always free.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from innkeeper.booking.models import Booking
from innkeeper.booking.states import CHANGEABLE, EXPIRING, Status
from innkeeper.core.money import money

# Why a guest cannot cancel online (CancellationTerms.why_not).
CANCELLED = "cancelled"
EXPIRED = "expired"
STARTED = "started"  # the arrival time has come, or the guest is in (or has left) the room
CLOSED = "closed"  # a no-show or another status that nothing follows


@dataclass(frozen=True)
class CancellationTerms:
    """What cancelling ``booking`` at ``now`` means for its guest."""

    can_cancel: bool
    free: bool
    fee: Decimal  # what cancelling costs now, in ``currency``; 0 when free
    currency: str
    percent: int  # the hotel's fee, as a percentage of the total
    late_fee: Decimal  # what cancelling costs after the deadline
    deadline: datetime  # the end of free cancellation, in the hotel's time zone
    why_not: str = ""  # when the guest cannot cancel: CANCELLED, EXPIRED, STARTED or CLOSED


def cancellation_terms(booking: Booking, now: datetime) -> CancellationTerms:
    """Can the guest cancel ``booking`` at ``now``, is it free, what fee (in the booking's currency), and
    until when free cancellation lasts (in the hotel's time zone)."""
    hotel = booking.hotel
    percent = hotel.cancellation_fee_percent
    deadline = (booking.start - timedelta(hours=hotel.cancellation_hours)).astimezone(hotel.tz)
    nothing = Decimal("0.00")
    late_fee = money(booking.total * percent / 100)

    def refused(why: str) -> CancellationTerms:
        return CancellationTerms(False, False, nothing, booking.currency, percent, late_fee, deadline, why)

    if booking.status == Status.CANCELLED:
        return refused(CANCELLED)
    if booking.status == Status.EXPIRED or booking.lapsed(now):
        return refused(EXPIRED)
    if booking.status in (Status.CHECKED_IN, Status.CHECKED_OUT):
        return refused(STARTED)
    if booking.status not in CHANGEABLE:
        return refused(CLOSED)
    if now >= booking.start:
        return refused(STARTED)
    if booking.status in EXPIRING or now < deadline:
        return CancellationTerms(True, True, nothing, booking.currency, percent, late_fee, deadline)
    return CancellationTerms(True, late_fee == 0, late_fee, booking.currency, percent, late_fee, deadline)
