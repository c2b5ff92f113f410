"""Template filters for dates and times, as core.dates writes them: ``{% load dates %}``."""

from django import template

from innkeeper.core import dates

register = template.Library()


@register.filter
def day(value) -> str:
    """Tue, Dec 1, 2026 / вт, 1 дек. 2026 г. (see core.dates)."""
    return dates.format_day(value) if value not in (None, "") else ""


@register.filter
def day_short(value) -> str:
    """Tue, Dec 1: a day of a stay whose year is plain from the rest of the page."""
    return dates.format_day(value, year=False) if value not in (None, "") else ""


@register.filter
def clock(value) -> str:
    """14:00 in every language."""
    return dates.format_clock(value) if value not in (None, "") else ""


@register.filter
def moment(value) -> str:
    """Tue, Dec 1, 2026, 14:00."""
    return dates.format_moment(value) if value not in (None, "") else ""


@register.filter
def moment_short(value) -> str:
    """Tue, Dec 1, 14:00."""
    return dates.format_moment(value, year=False) if value not in (None, "") else ""
