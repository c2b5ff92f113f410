from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def money(value) -> Decimal:
    """Round to currency minor units (all our currencies have two), half up as cashiers do."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
