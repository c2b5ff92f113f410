import uuid

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from innkeeper.accounts.models import Role
from innkeeper.booking.models import Source
from innkeeper.booking.states import Status
from innkeeper.hotels.models import RoomType


class SignInForm(AuthenticationForm):
    username = forms.EmailField(label=_("E-mail"), widget=forms.EmailInput(attrs={"autofocus": True,
                                                                                  "autocomplete": "email"}))

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.error_messages["invalid_login"] = _("The e-mail address or the password is not right.")


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.STAFF)


class SignUpForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=200)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))


class BookingFilterForm(forms.Form):
    q = forms.CharField(label=_("Reference, guest, e-mail or phone"), required=False, max_length=200)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any"))] + list(Status.choices))
    source = forms.ChoiceField(label=_("Source"), required=False, choices=[("", _("Any"))] + list(Source.choices))
    arriving_from = forms.DateField(label=_("Arriving from"), required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}))
    arriving_to = forms.DateField(label=_("Arriving until"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("arriving_from") and data.get("arriving_to") and data["arriving_to"] < data["arriving_from"]:
            self.add_error("arriving_to", _("This date is before the first one."))
        return data


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"))
    reason = forms.CharField(label=_("Reason (optional)"), required=False, max_length=255)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(c, Status(c).label) for c in choices]


class MoveForm(forms.Form):
    room = forms.ChoiceField(label=_("Move to room"))

    def __init__(self, *args, rooms, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].choices = [(r.pk, f"{r.number} · {r.room_type.name}") for r in rooms]


class NewBookingForm(forms.Form):
    """A booking taken by phone or at the desk."""

    source = forms.ChoiceField(label=_("Taken"), choices=[(Source.PHONE, Source.PHONE.label),
                                                        (Source.WALK_IN, Source.WALK_IN.label)])
    room_type = forms.ModelChoiceField(label=_("Room type"), queryset=RoomType.objects.none())
    mode = forms.ChoiceField(label=_("Stay"), choices=[("nightly", _("Nights")), ("hourly", _("Hours"))],
                             initial="nightly", widget=forms.RadioSelect)
    check_in = forms.DateField(label=_("Check-in"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    check_out = forms.DateField(label=_("Check-out"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.DateTimeField(label=_("Start"), required=False,
                                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    hours = forms.IntegerField(label=_("Hours"), required=False, min_value=1, max_value=24)
    guests = forms.IntegerField(label=_("Guests"), min_value=1, max_value=20, initial=1)
    name = forms.CharField(label=_("Guest name"), max_length=200)
    email = forms.EmailField(label=_("Guest e-mail"))
    phone = forms.CharField(label=_("Guest phone"), required=False, max_length=32)
    locale = forms.ChoiceField(label=_("Guest language"), choices=settings.LANGUAGES)
    request_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, hotel, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("request_key", uuid.uuid4().hex)
        kwargs["initial"].setdefault("locale", hotel.default_locale)
        super().__init__(*args, **kwargs)
        self.fields["room_type"].queryset = RoomType.objects.filter(hotel=hotel, is_active=True)

    def clean(self):
        data = super().clean()
        if data.get("mode") == "hourly":
            for name in ("start", "hours"):
                if not data.get(name):
                    self.add_error(name, _("This field is required."))
        else:
            for name in ("check_in", "check_out"):
                if not data.get(name):
                    self.add_error(name, _("This field is required."))
        return data
