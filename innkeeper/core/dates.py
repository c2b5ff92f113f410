"""Dates and times as each language writes them: the one place that formats them for people.

Every page and message shows a day, a clock time or a moment through these functions (templates through
the ``day``, ``day_short``, ``clock``, ``moment`` and ``moment_short`` filters), so English reads
"Tue, Dec 1, 2026, 14:00" and Russian "вт, 1 дек. 2026 г., 14:00" everywhere. Patterns are CLDR skeletons
(through Babel, as for money): the locale decides the order and the punctuation, we decide what is shown.
Clock times are 24-hour in every language: a hotel's check-in and check-out read the same on every page.
Machine-readable values (form fields, ISO in the API, the outbox's UTC log) do not come here.
"""

from __future__ import annotations

from datetime import date, datetime, time, tzinfo

from babel.dates import format_skeleton
from django.utils import timezone
from django.utils.translation import get_language

from innkeeper.core.money import babel_locale

DAY = "yMMMEd"  # Tue, Dec 1, 2026
DAY_SHORT = "MMMEd"  # Tue, Dec 1
CLOCK = "Hm"  # 14:00


def _where(locale: str | None):
    return babel_locale(locale or get_language() or "en")


def _local(value: datetime, tz: tzinfo | None) -> datetime:
    if timezone.is_aware(value):
        return timezone.localtime(value, tz)
    return value


def format_day(value: date | datetime, locale: str | None = None, *, tz: tzinfo | None = None,
               year: bool = True) -> str:
    """The day of ``value`` (a datetime in ``tz``, else the current time zone)."""
    if isinstance(value, datetime):
        value = _local(value, tz)
    return format_skeleton(DAY if year else DAY_SHORT, value, locale=_where(locale))


def format_clock(value: time | datetime, locale: str | None = None, *, tz: tzinfo | None = None) -> str:
    if isinstance(value, datetime):
        value = _local(value, tz)
    return format_skeleton(CLOCK, value, locale=_where(locale))


def format_moment(value: datetime, locale: str | None = None, *, tz: tzinfo | None = None,
                  year: bool = True) -> str:
    """A day and a clock time: "Tue, Dec 1, 2026, 14:00"."""
    return f"{format_day(value, locale, tz=tz, year=year)}, {format_clock(value, locale, tz=tz)}"
