"""Guest-facing forms. They parse and check shape; the booking rules live in the booking services."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from innkeeper.booking import stays
from innkeeper.booking.errors import NoAvailability
from innkeeper.core.dates import format_clock, format_day
from innkeeper.web.phone import PhoneField

NIGHTLY, HOURLY = "nightly", "hourly"


class DateInput(forms.DateInput):
    """The browser's own date picker (no script); ``min``/``max`` attributes keep it to the dates that can be
    chosen, and the form checks them again."""

    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)

    def limit(self, low: date | None = None, high: date | None = None) -> None:
        for name, value in (("min", low), ("max", high)):
            if value is not None:
                self.attrs[name] = value.isoformat()


class StartSelect(forms.Select):
    """The whole hours an hourly stay may start at. On the first day with starts left, the hours before the
    first one are disabled; web/search.js does the same when the guest picks that day (data-first-*)."""

    disabled_below: int | None = None

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if self.disabled_below is not None and int(value) < self.disabled_below:
            option["attrs"]["disabled"] = True
        return option


class SearchForm(forms.Form):
    """What the guest asks for: nights (check-in, check-out) or hours (date, start, hours), and guests."""

    mode = forms.ChoiceField(choices=[(NIGHTLY, _("By the night")), (HOURLY, _("By the hour"))], initial=NIGHTLY,
                             widget=forms.RadioSelect, label=_("Stay"))
    check_in = forms.DateField(label=_("Check-in"), required=False, widget=DateInput())
    check_out = forms.DateField(label=_("Check-out"), required=False, widget=DateInput())
    date = forms.DateField(label=_("Date"), required=False, widget=DateInput())
    start_time = forms.IntegerField(label=_("Start time"), required=False, widget=StartSelect)
    hours = forms.IntegerField(label=_("Number of hours"), required=False, widget=forms.Select)
    guests = forms.IntegerField(label=_("Guests"), initial=2, widget=forms.Select)
    room_type = forms.SlugField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, hotel, room_types, **kwargs):
        super().__init__(*args, **kwargs)
        self.hotel = hotel
        sells_nightly = any(rt.sells_nightly for rt in room_types)
        sells_hourly = any(rt.sells_hourly for rt in room_types)
        self.modes = [m for m, on in ((NIGHTLY, sells_nightly), (HOURLY, sells_hourly)) if on] or [NIGHTLY]
        self.fields["mode"].choices = [c for c in self.fields["mode"].choices if c[0] in self.modes]
        self.fields["mode"].initial = self.modes[0]
        most = max([rt.max_occupancy for rt in room_types] or [2])
        self._range("guests", 1, most, too_low=_("At least one guest is needed."),
                    too_high=_("This hotel takes at most %(n)d guests per room.") % {"n": most})
        self.fields["guests"].initial = min(2, most)
        first, last = hotel.hourly_start_hour, hotel.hourly_end_hour - 1
        self._range("start_time", first, last, label=lambda h: f"{h:02d}:00", too_low=_(
            "Hourly stays start between %(first)s and %(last)s.") % {"first": f"{first:02d}:00",
                                                                     "last": f"{last:02d}:00"})
        low = min([rt.min_hours for rt in room_types if rt.sells_hourly] or [hotel.hourly_min_hours])
        high = max([rt.max_hours for rt in room_types if rt.sells_hourly] or [hotel.hourly_max_hours])
        self._range("hours", low, high, too_low=_("Stays are %(min)d to %(max)d hours.") % {"min": low, "max": high})
        self._limit_dates(hotel, hours=low)

    def _limit_dates(self, hotel, *, hours: int) -> None:
        """Date pickers from today (hourly: from the first day with a start left) to the booking horizon;
        the hourly search starts at the first start not in the past, in the hotel's time zone."""
        now = timezone.now()
        today = timezone.localdate(now, timezone=hotel.tz)
        last = today + timedelta(days=settings.INNKEEPER_BOOKING_HORIZON_DAYS)
        self.first_start = first = stays.first_hourly_start(hotel, now=now, hours=hours)
        self.fields["check_in"].widget.limit(today, last)
        self.fields["check_out"].widget.limit(today + timedelta(days=1), last + timedelta(days=hotel.max_nights))
        self.fields["date"].widget.limit(first.date(), last)
        self.fields["date"].initial, self.fields["start_time"].initial = first.date(), first.hour
        start = self.fields["start_time"].widget
        start.attrs.update({"data-first-date": first.date().isoformat(), "data-first-hour": first.hour})
        chosen = self.data.get(self.add_prefix("date")) if self.is_bound else first.date().isoformat()
        if chosen == first.date().isoformat():
            start.disabled_below = first.hour

    def _range(self, name, low, high, *, too_low, too_high=None, label=str) -> None:
        """A drop-down of low..high whose out-of-range values get a message saying what the range is
        (a ChoiceField would only say "Select a valid choice")."""
        field = self.fields[name]
        field.min_value, field.max_value = low, high
        field.validators = [MinValueValidator(low), MaxValueValidator(high)]
        field.error_messages = {**field.error_messages, "min_value": too_low, "max_value": too_high or too_low}
        field.widget.choices = [(n, label(n)) for n in range(low, high + 1)]

    @property
    def hourly(self) -> bool:
        return self.cleaned_data.get("mode") == HOURLY

    def clean(self):
        data = super().clean()
        if data.get("mode") == HOURLY:
            for name in ("date", "start_time", "hours"):
                if data.get(name) is None and name not in self.errors:
                    self.add_error(name, _("This field is required."))
            self._clean_start(data.get("date"), data.get("start_time"))
        else:
            for name in ("check_in", "check_out"):
                if data.get(name) is None and name not in self.errors:
                    self.add_error(name, _("This field is required."))
        return data

    def _clean_start(self, day, hour) -> None:
        """No start before the first one offered (the same rule as the disabled options, for any client)."""
        first = self.first_start
        if day is not None and day < first.date():
            self.add_error("date", _("The earliest start for an hourly stay is %(date)s at %(time)s.") % {
                "date": format_day(first.date()), "time": format_clock(first, tz=first.tzinfo)})
        elif day == first.date() and hour is not None and hour < first.hour and "start_time" not in self.errors:
            self.add_error("start_time", _("This start has passed. The earliest start that day is %(time)s.")
                           % {"time": format_clock(first, tz=first.tzinfo)})

    def stay_request(self) -> dict:
        """Arguments for stays.from_request, from valid data."""
        data = self.cleaned_data
        if self.hourly:
            start = datetime.combine(data["date"], time(data["start_time"]))
            return {"start": start, "hours": data["hours"]}
        return {"check_in": data["check_in"], "check_out": data["check_out"]}

    def stay(self, now) -> stays.Stay:
        return stays.from_request(self.hotel, now=now, **self.stay_request())

    # The booking services name fields in API terms; these are the same fields on this form.
    FIELD_FOR = {"start": "start_time", "check_in": "check_in", "check_out": "check_out", "hours": "hours",
                 "guests": "guests", "room_type": None}

    def add_service_error(self, error) -> None:
        field = self.FIELD_FOR.get(error.field, None) if error.field else None
        if field == "start_time" and error.code in ("past", "too_far_ahead"):
            field = "date"
        self.add_error(field if field in self.fields else None, error.message)

    # Which field a booking rule (booking.rules.violation's codes) is about.
    RULE_FIELD = {"hours_out_of_range": "hours", "too_few_guests": "guests", "too_many_guests": "guests",
                  "closed": "check_in", "min_stay": "check_out"}
    MODE_RULES = {"not_sold_hourly", "not_sold_nightly"}

    def add_rule_errors(self, offers) -> None:
        """When no room type sold this way can be booked because the search breaks its rules, say why
        beside the field to change. When some can, or some are only sold out, each result says its own."""
        candidates = [o for o in offers if o.reason not in self.MODE_RULES]
        if not candidates or any(o.available or o.reason == NoAvailability.code for o in candidates):
            return
        messages: dict[str | None, list[str]] = {}
        for offer in candidates:
            field = self.RULE_FIELD.get(offer.reason)
            if self.hourly and field in ("check_in", "check_out"):
                field = "date"
            found = messages.setdefault(field if field in self.fields else None, [])
            if offer.message not in found:
                found.append(offer.message)
        for field, found in messages.items():
            self.add_error(field, " ".join(found))

    def query(self) -> dict:
        """The search as query parameters, for links to the next step."""
        data = self.cleaned_data
        keys = ("date", "start_time", "hours") if self.hourly else ("check_in", "check_out")
        return {"mode": data["mode"], "guests": data["guests"], **{k: data[k] for k in keys}}


class GuestForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=200,
                           widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(label=_("E-mail"), max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    phone = PhoneField(label=_("Phone (optional)"), required=False)  # cleaned to E.164
    request_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, region: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].localise(region)  # the country a number without "+" is read in: the hotel's

    FIELD_FOR = {"guest.name": "name", "guest.email": "email", "guest.phone": "phone"}

    def add_service_error(self, error) -> bool:
        field = self.FIELD_FOR.get(error.field or "")
        if field:
            self.add_error(field, error.message)
            return True
        return False


class PaymentForm(forms.Form):
    card_number = forms.CharField(label=_("Card number"), max_length=23,
                                  widget=forms.TextInput(attrs={"autocomplete": "cc-number", "inputmode": "numeric"}))
    card_name = forms.CharField(label=_("Name on card"), max_length=100,
                                widget=forms.TextInput(attrs={"autocomplete": "cc-name"}))


class ManageLookupForm(forms.Form):
    reference = forms.CharField(label=_("Booking reference"), max_length=12,
                                widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}))
    email = forms.EmailField(label=_("E-mail used for the booking"), max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))

