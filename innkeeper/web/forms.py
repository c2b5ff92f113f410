"""Guest-facing forms. They parse and check shape; the booking rules live in the booking services."""

from __future__ import annotations

from datetime import datetime, time

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from innkeeper.booking import stays

NIGHTLY, HOURLY = "nightly", "hourly"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class SearchForm(forms.Form):
    """What the guest asks for: nights (check-in, check-out) or hours (date, start, hours), and guests."""

    mode = forms.ChoiceField(choices=[(NIGHTLY, _("By the night")), (HOURLY, _("By the hour"))], initial=NIGHTLY,
                             widget=forms.RadioSelect, label=_("Stay"))
    check_in = forms.DateField(label=_("Check-in"), required=False, widget=DateInput())
    check_out = forms.DateField(label=_("Check-out"), required=False, widget=DateInput())
    date = forms.DateField(label=_("Date"), required=False, widget=DateInput())
    start_time = forms.TypedChoiceField(label=_("Start time"), required=False, coerce=int, empty_value=None)
    hours = forms.TypedChoiceField(label=_("Number of hours"), required=False, coerce=int, empty_value=None)
    guests = forms.TypedChoiceField(label=_("Guests"), coerce=int, initial=2)
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
        self.fields["guests"].choices = [(n, str(n)) for n in range(1, most + 1)]
        self.fields["guests"].initial = min(2, most)
        self.fields["start_time"].choices = [
            (h, f"{h:02d}:00") for h in range(hotel.hourly_start_hour, hotel.hourly_end_hour)]
        low = min([rt.min_hours for rt in room_types if rt.sells_hourly] or [hotel.hourly_min_hours])
        high = max([rt.max_hours for rt in room_types if rt.sells_hourly] or [hotel.hourly_max_hours])
        self.fields["hours"].choices = [(h, str(h)) for h in range(low, high + 1)]
        today = timezone.localdate(timezone=hotel.tz)
        for name in ("check_in", "check_out", "date"):
            self.fields[name].widget.attrs["min"] = today.isoformat()

    @property
    def hourly(self) -> bool:
        return self.cleaned_data.get("mode") == HOURLY

    def clean(self):
        data = super().clean()
        if data.get("mode") == HOURLY:
            for name in ("date", "start_time", "hours"):
                if data.get(name) is None and name not in self.errors:
                    self.add_error(name, _("This field is required."))
        else:
            for name in ("check_in", "check_out"):
                if data.get(name) is None and name not in self.errors:
                    self.add_error(name, _("This field is required."))
        return data

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
    phone = forms.CharField(label=_("Phone (optional)"), max_length=32, required=False,
                            widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}))
    request_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

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

