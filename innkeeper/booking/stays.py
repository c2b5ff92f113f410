"""Stays as half-open time intervals in the hotel's time zone. Pure functions, no database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.utils.translation import gettext as _

from innkeeper.core.errors import InvalidInput

NIGHTLY = "NIGHTLY"
HOURLY = "HOURLY"


@dataclass(frozen=True)
class Stay:
    kind: str
    # Aware instants in UTC, so that arithmetic on them (turnover, hours) is real time; Python adds
    # to a datetime in a DST zone by wall clock. Show them in the hotel's zone with astimezone().
    start: datetime
    end: datetime  # the stay is [start, end)
    check_in: date  # local date the stay starts
    check_out: date | None  # nightly stays only
    hours: int | None  # hourly stays only

    @property
    def nights(self) -> int:
        return (self.check_out - self.check_in).days if self.kind == NIGHTLY else 0

    @property
    def dates(self) -> list[date]:
        """The dates whose rate and restrictions apply: every night, or the day of an hourly stay."""
        if self.kind == HOURLY:
            return [self.check_in]
        return [self.check_in + timedelta(days=i) for i in range(self.nights)]


def local_today(hotel, now: datetime) -> date:
    return now.astimezone(hotel.tz).date()


def _too_far_ahead(field: str) -> InvalidInput:
    days = settings.INNKEEPER_BOOKING_HORIZON_DAYS
    return InvalidInput(_("Bookings can be made at most %(n)d days ahead.") % {"n": days},
                        field=field, code="too_far_ahead")


def nightly(hotel, check_in: date, check_out: date, *, now: datetime) -> Stay:
    today = local_today(hotel, now)
    if check_in < today:
        raise InvalidInput(_("The check-in date is in the past."), field="check_in", code="past")
    # The horizon also keeps every instant computed below far inside what a datetime can hold.
    if (check_in - today).days > settings.INNKEEPER_BOOKING_HORIZON_DAYS:
        raise _too_far_ahead("check_in")
    if check_out <= check_in:
        raise InvalidInput(_("The check-out date must be after the check-in date."),
                           field="check_out", code="check_out_before_check_in")
    if (check_out - check_in).days > hotel.max_nights:
        raise InvalidInput(_("Stays are limited to %(n)d nights.") % {"n": hotel.max_nights},
                           field="check_out", code="too_long")
    tz = hotel.tz
    start = datetime.combine(check_in, hotel.check_in_time, tzinfo=tz)
    end = datetime.combine(check_out, hotel.check_out_time, tzinfo=tz)
    return Stay(NIGHTLY, start.astimezone(UTC), end.astimezone(UTC), check_in, check_out, None)


def hourly(hotel, start: datetime, hours: int, *, now: datetime) -> Stay:
    """An hourly stay of ``hours`` real hours. A naive start is read as the hotel's local time."""
    tz = hotel.tz
    if start.tzinfo is None:
        start = start.replace(tzinfo=tz)
    # Past and horizon first: comparing is safe for any datetime, converting one near year 1 or 9999
    # to another zone is not.
    if start < now:
        raise InvalidInput(_("The start time is in the past."), field="start", code="past")
    if start - now > timedelta(days=settings.INNKEEPER_BOOKING_HORIZON_DAYS):
        raise _too_far_ahead("start")
    start = start.astimezone(tz)
    if start.second or start.microsecond:
        raise InvalidInput(_("Give the start time in whole minutes."), field="start", code="invalid")
    if hours < 1:
        raise InvalidInput(_("Book at least one hour."), field="hours", code="hours_out_of_range")
    # Add real hours (through UTC), so a stay across a DST change is as long as it was paid for.
    end = (start.astimezone(UTC) + timedelta(hours=hours)).astimezone(tz)
    window_end = datetime.combine(start.date(), datetime.min.time()) + timedelta(hours=hotel.hourly_end_hour)
    local_start, local_end = start.replace(tzinfo=None), end.replace(tzinfo=None)
    if local_start.hour < hotel.hourly_start_hour or local_end > window_end:
        raise InvalidInput(
            _("Hourly stays must start at %(start)02d:00 or later and end by %(end)02d:00.")
            % {"start": hotel.hourly_start_hour, "end": hotel.hourly_end_hour},
            field="start", code="outside_hourly_window",
        )
    return Stay(HOURLY, start.astimezone(UTC), end.astimezone(UTC), start.date(), None, hours)


def first_hourly_start(hotel, *, now: datetime, hours: int) -> datetime:
    """The earliest start an hourly search offers at ``now``, in the hotel's zone: the next whole hour not in
    the past that leaves ``hours`` before the hotel's hourly window closes that day; failing that, the
    window's opening the next day. Starts are offered by the whole hour."""
    tz = hotel.tz
    today = now.astimezone(tz).date()
    for hour in range(hotel.hourly_start_hour, hotel.hourly_end_hour - hours + 1):
        start = datetime.combine(today, time(hour), tzinfo=tz)
        if start >= now:
            return start
    return datetime.combine(today + timedelta(days=1), time(hotel.hourly_start_hour), tzinfo=tz)


def from_request(hotel, *, check_in=None, check_out=None, start=None, hours=None, now: datetime) -> Stay:
    """A stay from what a guest asked for: check_in + check_out, or start + hours."""
    nightly_given = check_in is not None or check_out is not None
    hourly_given = start is not None or hours is not None
    if nightly_given and hourly_given:
        raise InvalidInput(_("Give either check-in and check-out dates, or a start time and hours, not both."),
                           field="start", code="ambiguous")
    if hourly_given:
        if start is None:
            raise InvalidInput(_("Please choose a start time."), field="start", code="required")
        if hours is None:
            raise InvalidInput(_("Please choose how many hours."), field="hours", code="required")
        return hourly(hotel, start, hours, now=now)
    if check_in is None:
        raise InvalidInput(_("Please choose a check-in date."), field="check_in", code="required")
    if check_out is None:
        raise InvalidInput(_("Please choose a check-out date."), field="check_out", code="required")
    return nightly(hotel, check_in, check_out, now=now)
