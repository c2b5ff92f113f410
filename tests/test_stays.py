"""Stays are intervals in the hotel's zone: DST, two zones, and the rules on what can be asked."""

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from innkeeper.booking import stays
from innkeeper.core.errors import InvalidInput
from innkeeper.hotels.models import Hotel

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def hotel(tz="Europe/Berlin", **kw):
    defaults = dict(time_zone=tz, check_in_time=time(14), check_out_time=time(12), max_nights=30,
                    hourly_start_hour=0, hourly_end_hour=24, hourly_min_hours=1, hourly_max_hours=12)
    defaults.update(kw)
    return Hotel(**defaults)


def test_nightly_stay_across_spring_forward_is_one_hour_shorter_in_real_time():
    berlin = hotel()
    stay = stays.nightly(berlin, date(2026, 3, 28), date(2026, 3, 29), now=NOW)  # DST starts 29 March 02:00
    assert stay.start.astimezone(UTC) == datetime(2026, 3, 28, 13, 0, tzinfo=UTC)  # 14:00 CET
    assert stay.end.astimezone(UTC) == datetime(2026, 3, 29, 10, 0, tzinfo=UTC)  # 12:00 CEST
    assert stay.end - stay.start == timedelta(hours=21)
    assert stay.nights == 1 and stay.dates == [date(2026, 3, 28)]


def test_nightly_stay_across_fall_back_is_one_hour_longer():
    berlin = hotel()
    stay = stays.nightly(berlin, date(2026, 10, 24), date(2026, 10, 25), now=NOW)  # DST ends 25 October
    assert stay.end - stay.start == timedelta(hours=23)
    assert stay.end.astimezone(UTC) == datetime(2026, 10, 25, 11, 0, tzinfo=UTC)


def test_hourly_stay_across_spring_forward_lasts_the_hours_paid_for():
    berlin = hotel()
    stay = stays.hourly(berlin, datetime(2026, 3, 29, 1, 0), 3, now=NOW)  # naive = hotel-local
    assert stay.start.astimezone(UTC) == datetime(2026, 3, 29, 0, 0, tzinfo=UTC)
    assert stay.end - stay.start == timedelta(hours=3)
    local_end = stay.end.astimezone(berlin.tz)
    assert (local_end.hour, local_end.utcoffset()) == (5, timedelta(hours=2))  # 05:00 CEST on the wall clock


def test_same_local_times_in_two_zones_are_different_instants():
    moscow = stays.nightly(hotel("Europe/Moscow"), date(2026, 6, 1), date(2026, 6, 2), now=NOW)
    new_york = stays.nightly(hotel("America/New_York"), date(2026, 6, 1), date(2026, 6, 2), now=NOW)
    assert moscow.start.astimezone(UTC) == datetime(2026, 6, 1, 11, 0, tzinfo=UTC)
    assert new_york.start.astimezone(UTC) == datetime(2026, 6, 1, 18, 0, tzinfo=UTC)


def test_aware_start_is_converted_to_the_hotel_zone():
    stay = stays.hourly(hotel("Europe/Moscow"), datetime(2026, 6, 1, 7, 0, tzinfo=UTC), 2, now=NOW)
    assert stay.start.astimezone(ZoneInfo("Europe/Moscow")).hour == 10
    assert stay.check_in == date(2026, 6, 1)


def test_today_is_the_hotels_today_not_the_servers():
    # 22:30 UTC on 1 June is already 2 June in Moscow: a stay from 1 June is in the past there.
    late = datetime(2026, 6, 1, 22, 30, tzinfo=UTC)
    with pytest.raises(InvalidInput) as err:
        stays.nightly(hotel("Europe/Moscow"), date(2026, 6, 1), date(2026, 6, 3), now=late)
    assert (err.value.field, err.value.code) == ("check_in", "past")
    assert stays.nightly(hotel("America/New_York"), date(2026, 6, 1), date(2026, 6, 3), now=late).nights == 2


@pytest.mark.parametrize("check_in, check_out, field, code", [
    (date(2026, 2, 27), date(2026, 3, 2), "check_in", "past"),
    (date(2026, 3, 5), date(2026, 3, 5), "check_out", "check_out_before_check_in"),
    (date(2026, 3, 5), date(2026, 3, 4), "check_out", "check_out_before_check_in"),
    (date(2026, 3, 5), date(2026, 4, 5), "check_out", "too_long"),
])
def test_nightly_input_rules(check_in, check_out, field, code):
    with pytest.raises(InvalidInput) as err:
        stays.nightly(hotel(), check_in, check_out, now=NOW)
    assert (err.value.field, err.value.code) == (field, code)
    assert err.value.message


@pytest.mark.parametrize("start, hours, field, code", [
    (datetime(2026, 3, 1, 9, 0), 2, "start", "past"),  # 09:00 Berlin = 08:00 UTC, before NOW
    (datetime(2026, 3, 5, 7, 0), 2, "start", "outside_hourly_window"),
    (datetime(2026, 3, 5, 20, 0), 3, "start", "outside_hourly_window"),  # would end 23:00
    (datetime(2026, 3, 5, 10, 0, 30), 2, "start", "invalid"),
    (datetime(2026, 3, 5, 10, 0), 0, "hours", "hours_out_of_range"),
])
def test_hourly_input_rules(start, hours, field, code):
    windowed = hotel(hourly_start_hour=8, hourly_end_hour=22)
    with pytest.raises(InvalidInput) as err:
        stays.hourly(windowed, start, hours, now=NOW)
    assert (err.value.field, err.value.code) == (field, code)


def test_hourly_stay_may_end_exactly_at_the_window_end():
    windowed = hotel(hourly_start_hour=8, hourly_end_hour=22)
    stay = stays.hourly(windowed, datetime(2026, 3, 5, 19, 0), 3, now=NOW)
    assert stay.end.astimezone(windowed.tz).hour == 22


PLUS_14 = timezone(timedelta(hours=14))


@pytest.mark.parametrize("check_in, check_out, field, code", [
    (date(1, 1, 1), date(1, 1, 2), "check_in", "past"),
    (date(2028, 3, 1), date(2028, 3, 2), "check_in", "too_far_ahead"),  # 731 days after 1 March 2026
    (date(9999, 12, 30), date(9999, 12, 31), "check_in", "too_far_ahead"),
])
def test_nightly_stays_start_within_the_booking_horizon(check_in, check_out, field, code):
    for tz in ("Europe/Berlin", "Etc/GMT+12", "Pacific/Kiritimati"):  # the zones furthest from UTC too
        with pytest.raises(InvalidInput) as err:
            stays.nightly(hotel(tz), check_in, check_out, now=NOW)
        assert (err.value.field, err.value.code) == (field, code)
    assert stays.nightly(hotel(), date(2028, 2, 29), date(2028, 3, 1), now=NOW).nights == 1  # day 730


@pytest.mark.parametrize("start, code", [
    (datetime(9999, 12, 31, 23, 0, tzinfo=UTC), "too_far_ahead"),
    (datetime(9999, 12, 31, 21, 0), "too_far_ahead"),  # hotel-local; three hours later is year 10000
    (datetime(1, 1, 1, 0, 0, tzinfo=PLUS_14), "past"),  # before year 1 in UTC
    (datetime(1, 1, 1, 0, 0), "past"),
    (NOW + timedelta(days=730, minutes=1), "too_far_ahead"),
])
def test_hourly_stays_start_within_the_booking_horizon(start, code):
    for tz in ("Europe/Berlin", "Etc/GMT+12", "Pacific/Kiritimati"):
        with pytest.raises(InvalidInput) as err:
            stays.hourly(hotel(tz), start, 3, now=NOW)
        assert (err.value.field, err.value.code) == ("start", code)
    assert stays.hourly(hotel(), NOW + timedelta(days=730), 3, now=NOW).hours == 3


def test_the_horizon_is_a_setting_and_the_message_names_it(settings):
    settings.INNKEEPER_BOOKING_HORIZON_DAYS = 10
    with pytest.raises(InvalidInput) as err:
        stays.nightly(hotel(), date(2026, 3, 12), date(2026, 3, 13), now=NOW)
    assert err.value.message == "Bookings can be made at most 10 days ahead."
    assert stays.nightly(hotel(), date(2026, 3, 11), date(2026, 3, 12), now=NOW).nights == 1


@pytest.mark.parametrize("kwargs, field, code", [
    (dict(), "check_in", "required"),
    (dict(check_in=date(2026, 3, 5)), "check_out", "required"),
    (dict(start=datetime(2026, 3, 5, 10)), "hours", "required"),
    (dict(hours=3), "start", "required"),
    (dict(check_in=date(2026, 3, 5), hours=3), "start", "ambiguous"),
])
def test_from_request_names_what_is_missing(kwargs, field, code):
    with pytest.raises(InvalidInput) as err:
        stays.from_request(hotel(), now=NOW, **kwargs)
    assert (err.value.field, err.value.code) == (field, code)
