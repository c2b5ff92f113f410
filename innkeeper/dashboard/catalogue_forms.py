"""The panel's forms for what the hotel sells and how it runs (owner): rooms and their locks, room types,
extras, rates, settings and domains. Texts guests read are edited in every language (dashboard.texts)."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from innkeeper.dashboard.lock_field import LockChoiceField, offer_locks
from innkeeper.dashboard.texts import TextsForm
from innkeeper.hotels import content
from innkeeper.hotels import theme as hotel_theme
from innkeeper.hotels.models import AddOn, Hotel, Room, RoomStatus, RoomType


class RoomForm(forms.ModelForm):
    room_type = forms.ModelChoiceField(label=_("Room type"), queryset=RoomType.objects.none())
    lock_id = LockChoiceField(label=_("Lock"), required=False)

    class Meta:
        model = Room
        fields = ["number", "room_type", "floor", "status", "lock_id", "notes"]
        widgets = {"notes": forms.TextInput}

    def __init__(self, *args, hotel, **kwargs):
        super().__init__(*args, **kwargs)
        self.hotel, self.lock_list = hotel, None  # lock_list: what offer_locks found
        self.fields["room_type"].queryset = RoomType.objects.filter(hotel=hotel)
        current = self.instance.lock_id
        self.fields["lock_id"].choices = [("", _("No lock"))] + ([(current, current)] if current else [])

    def offer_locks(self) -> None:
        """Offer the locks of the hotel's lock account that this room may take, as last read from the lock
        cloud, and say beside the field how old that list is (dashboard.lock_field)."""
        self.lock_list = offer_locks(self.fields["lock_id"], hotel=self.hotel, room=self.instance,
                                     current=self.initial.get("lock_id") or "")  # the stored one

    def validate_unique(self):  # the service checks uniqueness within the hotel
        pass


class RoomStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=RoomStatus.choices)


class RoomTypeForm(TextsForm):
    texts = content.ROOM_TYPE_TEXTS
    amenities = forms.CharField(label=_("Amenities (codes, comma-separated)"), required=False)

    class Meta:
        model = RoomType
        fields = [*content.columns("name"), "slug", *content.columns("description"), "base_price_nightly",
                  "base_price_hourly", "base_occupancy", "max_occupancy", "extra_guest_charge", "booking_model_override", "min_hours_override",
                  "max_hours_override", "turnover_minutes", "sort_order", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["slug"].disabled = True
            self.initial["amenities"] = ", ".join(self.instance.amenities or [])

    def clean_amenities(self):
        return [a.strip() for a in self.cleaned_data["amenities"].split(",") if a.strip()]

    def validate_unique(self):
        pass


class AddOnForm(TextsForm):
    texts = content.ADD_ON_TEXTS

    class Meta:
        model = AddOn
        fields = ["code", *content.columns("name", "description"), "price", "charge", "is_active", "sort_order"]
        widgets = {column: forms.TextInput for column in content.columns("description")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["code"].disabled = True

    def validate_unique(self):
        pass


class RatesForm(forms.Form):
    CLOSED = [("", _("Leave as it is")), ("close", _("Close these dates")), ("open", _("Open these dates"))]
    room_type = forms.ModelChoiceField(label=_("Room type"), queryset=RoomType.objects.none())
    date_from = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("Until (inclusive)"), widget=forms.DateInput(attrs={"type": "date"}))
    price_nightly = forms.DecimalField(label=_("Price a night"), required=False, min_value=0, max_digits=10,
                                       decimal_places=2)
    price_hourly = forms.DecimalField(label=_("Price an hour"), required=False, min_value=0, max_digits=10,
                                      decimal_places=2)
    min_stay = forms.IntegerField(label=_("Minimum nights on arrival"), required=False, min_value=1, max_value=60)
    closed = forms.ChoiceField(label=_("Sales"), choices=CLOSED, required=False)

    def __init__(self, *args, hotel, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room_type"].queryset = RoomType.objects.filter(hotel=hotel)

    def changes(self) -> dict:
        d, out = self.cleaned_data, {}
        for name in ("price_nightly", "price_hourly", "min_stay"):
            if d.get(name) is not None:
                out[name] = d[name]
        if d.get("closed"):
            out["closed"] = d["closed"] == "close"
        return out


class HotelSettingsForm(TextsForm):
    texts = content.HOTEL_TEXTS
    primary_colour = forms.RegexField(label=_("Main colour"), regex=r"^#[0-9a-fA-F]{6}$", required=False,
                                      widget=forms.TextInput(attrs={"type": "color"}))
    accent_colour = forms.RegexField(label=_("Accent colour"), regex=r"^#[0-9a-fA-F]{6}$", required=False,
                                     widget=forms.TextInput(attrs={"type": "color"}))
    font = forms.ChoiceField(label=_("Font of the website"), required=False,
                             choices=[("", _("The site's default"))] + [(k, v[0]) for k, v in hotel_theme.FONTS.items()])
    logo = forms.FileField(label=_("Logo"), required=False,
                           help_text=_("A PNG or WebP image of at most 200 KB, shown in the website's header."),
                           widget=forms.FileInput(attrs={"accept": "image/png,image/webp"}))
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)
    locales = forms.MultipleChoiceField(label=_("Languages of the website and guest messages"),
                                        choices=settings.LANGUAGES, widget=forms.CheckboxSelectMultiple)
    default_locale = forms.ChoiceField(label=_("Main language"), choices=settings.LANGUAGES,
                                       help_text=_("Shown to a guest whose browser asks for none of the others."))

    class Meta:
        model = Hotel
        fields = [*content.columns("name", "description"), "locales", "default_locale", "currency", "booking_model",
                  "check_in_time", "check_out_time", "max_nights", "hourly_min_hours", "hourly_max_hours",
                  "hourly_start_hour", "hourly_end_hour", "payment_rule", "cancellation_hours", "cancellation_fee_percent",
                  *content.columns("cancellation_policy_text", "house_rules", "key_collection_text"), "tax_rate", "prices_include_tax",
                  "email", "phone", "address", "city", "postal_code", "country", "latitude", "longitude"]
        widgets = {"check_in_time": forms.TimeInput(attrs={"type": "time"}),
                   "check_out_time": forms.TimeInput(attrs={"type": "time"})}
        labels = {"currency": _("Currency (ISO 4217 code, e.g. EUR)")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, main_language=kwargs["instance"].default_locale, **kwargs)
        theme = self.instance.theme or {}
        self.initial.setdefault("primary_colour", theme.get("primary", "#1d4e6b"))
        self.initial.setdefault("accent_colour", theme.get("accent", "#c7862f"))
        self.initial.setdefault("font", theme.get("font", ""))

    def main_language_of(self, data: dict) -> str:  # the one chosen in this form
        return data.get("default_locale") or self.main_language

    def validate_unique(self):
        pass

    def changes(self) -> dict:
        d = {name: self.cleaned_data[name] for name in self.Meta.fields}
        theme = dict(self.instance.theme or {})
        for key, field in (("primary", "primary_colour"), ("accent", "accent_colour")):
            if self.cleaned_data.get(field):
                theme[key] = self.cleaned_data[field].lower()
        if self.cleaned_data.get("font"):
            theme["font"] = self.cleaned_data["font"]
        else:
            theme.pop("font", None)
        d["theme"] = theme
        upload = self.cleaned_data.get("logo")
        if upload:  # read one byte past the limit: enough to refuse a larger file without reading it all
            d["logo"] = upload.read(hotel_theme.LOGO_MAX_BYTES + 1)
        d["remove_logo"] = self.cleaned_data.get("remove_logo", False)
        return d


class DomainForm(forms.Form):
    domain = forms.CharField(label=_("Domain"), max_length=253)
    primary = forms.BooleanField(label=_("Main domain (used in links)"), required=False)
