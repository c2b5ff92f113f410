"""One way of writing dates and times per language, on pages and in messages (core.dates)."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from django.template import Context, Template
from django.utils import timezone, translation

from innkeeper.core import dates

TBILISI = ZoneInfo("Asia/Tbilisi")
MOMENT = datetime(2026, 12, 1, 10, 5, tzinfo=UTC)  # 14:05 in Tbilisi


def test_english_and_russian_each_write_a_day_one_way():
    assert dates.format_day(date(2026, 12, 1), "en") == "Tue, Dec 1, 2026"
    assert dates.format_day(date(2026, 12, 1), "ru") == "вт, 1 дек. 2026\u202fг."
    assert dates.format_day(date(2026, 12, 1), "ru", year=False) == "вт, 1 дек."


def test_clock_times_are_24_hour_in_every_language():
    assert dates.format_clock(time(13, 0), "en") == "13:00"
    assert dates.format_clock(time(13, 0), "ru") == "13:00"


def test_a_moment_is_written_in_the_time_zone_given():
    assert dates.format_moment(MOMENT, "en", tz=TBILISI) == "Tue, Dec 1, 2026, 14:05"
    assert dates.format_moment(MOMENT, "ru", tz=TBILISI) == "вт, 1 дек. 2026\u202fг., 14:05"


def test_an_unknown_language_falls_back_to_english():
    assert dates.format_day(date(2026, 12, 1), "xx") == "Tue, Dec 1, 2026"


def test_template_filters_use_the_active_language_and_time_zone():
    template = Template("{% load dates %}{{ t|moment }} | {{ t|day_short }} | {{ t|clock }} | {{ none|moment }}")
    with timezone.override(TBILISI), translation.override("ru"):
        assert template.render(Context({"t": MOMENT, "none": None})) == "вт, 1 дек. 2026\u202fг., 14:05 | вт, 1 дек. | 14:05 | "
    with timezone.override(TBILISI), translation.override("en"):
        assert template.render(Context({"t": MOMENT})).startswith("Tue, Dec 1, 2026, 14:05 | Tue, Dec 1 | 14:05")
