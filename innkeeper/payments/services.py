"""Paying for a booking: charge it once, keep every attempt, confirm it in the same transaction."""

from __future__ import annotations

from django.utils import timezone

from innkeeper.booking import services as booking_services
from innkeeper.booking.errors import HoldExpired
from innkeeper.booking.models import Booking
from innkeeper.booking.states import Status, check_transition
from innkeeper.core import db
from innkeeper.core.errors import InvalidInput
from innkeeper.payments import fake
from innkeeper.payments.models import Payment, PaymentStatus

PROVIDER = "fake"


def pay_and_confirm(*, booking: Booking, card_number: str, now=None) -> Booking:
    """Charge the booking's total with the fake provider and confirm the booking.

    The booking row is locked first, so two payments sent at once are charged one after the other
    and the second finds the booking paid: one charge, one payment (a unique index keeps it so).
    A lapsed hold is refused before charging, so nobody pays for a room that was released. A declined
    card leaves a FAILED payment with the provider's reason and raises InvalidInput.
    """
    now = now or timezone.now()

    def work():
        b = Booking.objects.select_for_update().get(pk=booking.pk)
        if Payment.objects.filter(booking=b, status=PaymentStatus.SUCCEEDED).exists():
            return b, None
        if b.status == Status.EXPIRED or b.lapsed(now):  # released by the sweep, or about to be
            raise HoldExpired()
        check_transition(b.status, Status.CONFIRMED)
        key = f"{b.reference}-{Payment.objects.filter(booking=b).count() + 1}"
        result = fake.charge(card_number=card_number, amount=b.total, currency=b.currency, idempotency_key=key)
        Payment.objects.create(
            hotel_id=b.hotel_id, booking=b, provider=PROVIDER, amount=b.total, currency=b.currency,
            status=PaymentStatus.SUCCEEDED if result.ok else PaymentStatus.FAILED,
            provider_reference=result.provider_reference, idempotency_key=key,
            failure_code="" if result.ok else result.code,
            failure_message="" if result.ok else result.message[:255])
        if not result.ok:
            return b, result
        return booking_services.booking_confirm(booking=b, now=now), None

    confirmed, refused = db.write(work)
    if refused is not None:  # the failed attempt is committed; the guest may try another card
        raise InvalidInput(refused.message, field="card_number", code=refused.code)
    return confirmed
