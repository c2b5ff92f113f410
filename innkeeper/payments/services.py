from __future__ import annotations

from django.utils import timezone

from innkeeper.booking import services as booking_services
from innkeeper.booking.errors import HoldExpired
from innkeeper.booking.models import Booking
from innkeeper.core.errors import InvalidInput
from innkeeper.payments import fake


def pay_and_confirm(*, booking: Booking, card_number: str, now=None) -> Booking:
    """Charge the booking's total with the fake provider and confirm the booking.

    A lapsed hold is refused before charging, so nobody pays for a room that was released.
    """
    now = now or timezone.now()
    if booking.hold_expires_at and booking.hold_expires_at <= now:
        raise HoldExpired()
    result = fake.charge(card_number=card_number, amount=booking.total, currency=booking.currency)
    if not result.ok:
        raise InvalidInput(result.message, field="card_number", code=result.code)
    return booking_services.booking_confirm(booking=booking, now=now)
