"""A fake card provider for the website's optional payment step, until real providers arrive.

Any card number that passes the Luhn check is accepted, except 4000 0000 0000 0002, which is
declined (the test number card processors use for a decline).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

DECLINED_CARD = "4000000000000002"


@dataclass(frozen=True)
class ChargeResult:
    ok: bool
    code: str
    message: str = ""
    provider_reference: str = ""


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def charge(*, card_number: str, amount: Decimal, currency: str, idempotency_key: str) -> ChargeResult:
    """Charge the card; like a real provider, the same ``idempotency_key`` answers with the same charge."""
    digits = "".join(ch for ch in card_number if ch.isdigit())
    if not 12 <= len(digits) <= 19 or not _luhn_ok(digits):
        return ChargeResult(False, "invalid_card", _("Please check the card number."))
    if digits == DECLINED_CARD:
        return ChargeResult(False, "declined", _("The card was declined. Please use another card."))
    reference = "fake_" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:16]
    return ChargeResult(True, "ok", provider_reference=reference)
