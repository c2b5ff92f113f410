import copy
import functools
import re
from decimal import ROUND_HALF_UP, Decimal

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency, list_currencies

CENT = Decimal("0.01")
LETTER_BESIDE_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")


def money(value) -> Decimal:
    """Round to currency minor units (all our currencies have two), half up as cashiers do."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(amount, currency: str, locale: str, *, cents: bool | None = None) -> str:
    """``amount`` written as ``locale`` writes money in ``currency`` (CLDR, through Babel): 12 500 ₽ in
    Russian, €1,250.50 in English. ``cents``: None shows them only when the amount has any; a price
    breakdown passes True or False so its column lines up."""
    value = Decimal(amount)
    if cents is None:
        cents = value != value.to_integral_value()
    where = babel_locale(locale)
    if cents:
        text = format_currency(value, currency, locale=where)
    else:
        # The locale's own pattern with the fraction dropped: the symbol keeps its place.
        pattern = copy.copy(where.currency_formats["standard"])
        pattern.frac_prec = (0, 0)
        text = format_currency(value, currency, format=pattern, locale=where, currency_digits=False)
    # CLDR's currency spacing, which Babel leaves out: a code written in letters never touches the digits
    # (GEL 1,250, not GEL1,250).
    return LETTER_BESIDE_DIGIT.sub("\u00a0", text)


def babel_locale(language: str) -> Locale:
    try:
        return Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


@functools.cache
def known_currencies() -> frozenset[str]:
    """The ISO 4217 codes Babel (CLDR) knows, so can name and format."""
    return frozenset(list_currencies())
