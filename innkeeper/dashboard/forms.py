import uuid
from datetime import date, timedelta

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from innkeeper.accounts.models import Role
from innkeeper.booking.models import Source
from innkeeper.booking.states import Status
from innkeeper.core import providers as registry
from innkeeper.core.dates import format_day
from innkeeper.hotels.models import RoomType
from innkeeper.messaging.models import BUILT_IN, WHATSAPP_PROVIDERS, Channel, MessageStatus, MessageType


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
        # No status is picked in advance, so a stray click never cancels a booking.
        self.fields["status"].choices = [("", _("Choose…"))] + [(c, Status(c).label) for c in choices]


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


class CalendarForm(forms.Form):
    """The first day a calendar page (tape chart, rates) shows: a day within CALENDAR_YEARS of today, so that
    every day the page and its earlier/later links reach is a date that exists."""

    CALENDAR_YEARS = 50

    def __init__(self, data, *, today: date, default: date):
        super().__init__(data)
        self.today, self.default = today, default
        self.fields["from"] = forms.DateField(label=_("Show from"), required=False,
                                              widget=forms.DateInput(attrs={"type": "date"}))

    def clean_from(self):
        day = self.cleaned_data["from"]
        span = timedelta(days=round(365.25 * self.CALENDAR_YEARS))
        first, last = self.today - span, self.today + span
        if day is not None and not first <= day <= last:
            raise forms.ValidationError(
                _("Choose a day between %(first)s and %(last)s.")
                % {"first": format_day(first),
                   "last": format_day(last)}, code="out_of_range")
        return day

    def first_day(self) -> date:
        """The day asked for, or the default when none (or no usable one) was given."""
        return (self.cleaned_data.get("from") if self.is_valid() else None) or self.default


# Guest messages ----------------------------------------------------------------------------------------

class OptOutForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.WHATSAPP)
    address = forms.CharField(label=_("Phone number or e-mail"), max_length=254)


class MessageFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any"))] + list(MessageStatus.choices))
    type = forms.ChoiceField(label=_("Message"), required=False, choices=[("", _("Any"))] + list(MessageType.choices))
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=[("", _("Any"))] + list(Channel.choices))
    booking = forms.CharField(label=_("Booking reference"), required=False, max_length=6)


class TemplateForm(forms.Form):
    type = forms.ChoiceField(label=_("Message"), choices=[(t, MessageType(t).label) for t in BUILT_IN])
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    locale = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    subject = forms.CharField(label=_("Subject (e-mail)"), required=False, max_length=255)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 10}))

    def choice(self) -> dict:
        """The type, channel and language being edited (the first of each when none is given)."""
        raw = self.data
        pick = lambda name, options: raw.get(name) if raw.get(name) in options else options[0]  # noqa: E731
        return {"type": pick("type", list(BUILT_IN)), "channel": pick("channel", Channel.values),
                "locale": pick("locale", [code for code, _n in settings.LANGUAGES])}


def _offered(kind: str, choices):
    """The choices this installation has a provider for (only demo mode has the simulators); "" stays."""
    return lambda: [(value, label) for value, label in choices if not value or value in registry.names(kind)]


class LockAccountForm(forms.Form):
    provider = forms.ChoiceField(label=_("Lock cloud"),
                                 choices=_offered("lock", [("ttlock", "TTLock"), ("simulator", _("Simulator"))]))
    client_id = forms.CharField(label=_("TTLock app id (client id)"), required=False, max_length=128)
    client_secret = forms.CharField(label=_("TTLock app secret"), required=False, max_length=256,
                                    widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
                                    help_text=_("Leave blank to keep the one saved."))
    username = forms.CharField(label=_("TTLock user name"), required=False, max_length=128)
    password = forms.CharField(label=_("TTLock password"), required=False, max_length=256,
                               widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
                               help_text=_("Leave blank to keep the one saved."))
    base_url = forms.URLField(label=_("TTLock server (blank: the install's)"), required=False, assume_scheme="https")
    app_keys = forms.BooleanField(label=_("Guests also get a key in the TTLock app"), required=False,
                                  help_text=_("Sent to the guest's e-mail or phone with the PIN, for the same times."))
    app_keys_remote_unlock = forms.BooleanField(label=_("The app key may open the door remotely (through the "
                                                        "gateway)"), required=False)
    is_active = forms.BooleanField(label=_("Use this account for this hotel's locks"), required=False, initial=True)


def _secret(label):
    return forms.CharField(label=label, required=False, max_length=512,
                           widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
                           help_text=_("Leave blank to keep the one saved."))


class MessagingAccountForm(forms.Form):
    """The hotel's own WhatsApp provider account and e-mail sender (blank: the installation's)."""

    whatsapp_provider = forms.ChoiceField(label=_("WhatsApp provider"), choices=_offered("whatsapp", WHATSAPP_PROVIDERS),
                                          required=False)
    waha_base_url = forms.URLField(label=_("WAHA server address"), required=False, assume_scheme="https",
                                   help_text=_("e.g. http://waha.example:3000"))
    waha_api_key = _secret(_("WAHA API key"))
    waha_session = forms.CharField(label=_("WAHA session (blank: default)"), required=False, max_length=64)
    waha_webhook_hmac_key = _secret(_("WAHA webhook HMAC key"))
    cloud_access_token = _secret(_("Cloud API access token"))
    cloud_phone_number_id = forms.CharField(label=_("Cloud API phone number id"), required=False, max_length=64)
    cloud_app_secret = _secret(_("Cloud API app secret"))
    cloud_verify_token = _secret(_("Cloud API webhook verify token"))
    twilio_account_sid = forms.CharField(label=_("Twilio account SID"), required=False, max_length=64)
    twilio_auth_token = _secret(_("Twilio auth token"))
    twilio_from_number = forms.CharField(label=_("Twilio WhatsApp sender number"), required=False, max_length=32,
                                         help_text=_("e.g. +14155238886"))
    twilio_messaging_service_sid = forms.CharField(label=_("Twilio Messaging Service SID"), required=False,
                                                   max_length=64)
    twilio_content_sids = forms.CharField(
        label=_("Twilio content templates (JSON)"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_('e.g. {"BOOKING_CONFIRMATION": {"en": "HX...", "ru": "HX..."}}'))
    email_from_name = forms.CharField(label=_("E-mail sender name"), required=False, max_length=100)
    email_from_address = forms.EmailField(label=_("E-mail sender address"), required=False,
                                          help_text=_("Blank: the installation's sender."))
    email_reply_to = forms.EmailField(label=_("Reply-To address"), required=False)
    is_active = forms.BooleanField(label=_("Use this account for this hotel's guest messages"), required=False,
                                   initial=True)

    def clean_twilio_content_sids(self):
        from innkeeper.config import _content_sids

        raw = self.cleaned_data["twilio_content_sids"].strip()
        if not raw:
            return {}
        try:
            return _content_sids(raw)
        except ValueError:
            raise forms.ValidationError(
                _('Enter a JSON object of message type → {language: ContentSid}, e.g. '
                  '{"BOOKING_CONFIRMATION": {"en": "HX..."}}.')) from None

    def clean_twilio_from_number(self):
        value = self.cleaned_data["twilio_from_number"].strip().removeprefix("whatsapp:")
        if value and not (value.startswith("+") and value[1:].isdigit() and len(value) > 7):
            raise forms.ValidationError(_("Enter the number in international form, e.g. +14155238886."))
        return value
