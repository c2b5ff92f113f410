"""Paying for a booking: charge it once and keep every attempt. The journey confirms the booking in the
same transaction (innkeeper.journey.services.booking_pay)."""

from __future__ import annotations

from datetime import datetime

from innkeeper.booking.errors import HoldExpired
from innkeeper.booking.models import Booking
from innkeeper.booking.states import Status, check_transition
from innkeeper.payments import fake
from innkeeper.payments.models import Payment, PaymentStatus

PROVIDER = "fake"


def charge(*, booking: Booking, card_number: str, now: datetime) -> Payment | None:
    """Charge the booking's total with the fake provider, in the caller's transaction, on the booking row
    the caller has locked. Returns None if the booking is paid already, else the payment made: SUCCEEDED,
    or FAILED with the provider's reason.

    A lapsed hold is refused before charging, so nobody pays for a room that was released.
    """
    b = booking
    if Payment.objects.filter(booking=b, status=PaymentStatus.SUCCEEDED).exists():
        return None
    if b.status == Status.EXPIRED or b.lapsed(now):  # released by the sweep, or about to be
        raise HoldExpired()
    check_transition(b.status, Status.CONFIRMED)
    key = f"{b.reference}-{Payment.objects.filter(booking=b).count() + 1}"
    result = fake.charge(card_number=card_number, amount=b.total, currency=b.currency, idempotency_key=key)
    return Payment.objects.create(
        hotel_id=b.hotel_id, booking=b, provider=PROVIDER, amount=b.total, currency=b.currency,
        status=PaymentStatus.SUCCEEDED if result.ok else PaymentStatus.FAILED,
        provider_reference=result.provider_reference, idempotency_key=key,
        failure_code="" if result.ok else result.code,
        failure_message="" if result.ok else result.message[:255])
