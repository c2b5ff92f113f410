"""A phone number as a guest gives it: the country (with its calling code) and the number, cleaned to E.164.

Whether a number is valid is decided in one place, messaging's ``phone_e164`` (the same check that picks a
WhatsApp recipient); this field only asks it. A number typed with its own "+country code" wins over the
country chosen beside it, which is what a guest pasting their full number means.
"""

from __future__ import annotations

import phonenumbers
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from innkeeper.messaging.services import phone_e164


class PhoneWidget(forms.MultiWidget):
    """A country drop-down and a number box in the field's fieldset, each with a label of its own."""

    template_name = "fields/phone.html"

    def __init__(self, attrs=None):
        super().__init__([forms.Select(), forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"})], attrs)
        self.region = ""

    def decompress(self, value):
        """A stored number as (its country, the number as written there); the default country otherwise."""
        if value and value.startswith("+"):
            try:
                number = phonenumbers.parse(value, None)
            except phonenumbers.NumberParseException:
                return [self.region, value]
            region = phonenumbers.region_code_for_number(number)
            if region and countries.alpha2(region):
                return [region, phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)]
        return [self.region, value or ""]

    def id_for_label(self, id_):
        return f"{id_}_1" if id_ else ""  # where a link to the field lands: the number box


class PhoneField(forms.MultiValueField):
    widget = PhoneWidget

    def __init__(self, **kwargs):
        super().__init__((forms.ChoiceField(required=False), forms.CharField(required=False, max_length=32)),
                         require_all_fields=False, **kwargs)

    def localise(self, region: str) -> None:
        """The countries in the page's language, ``region`` (a country code, or "") chosen unless a number
        says otherwise. Call it when the form is made, so the names follow the request's language."""
        choices = [("", _("Country"))] + [
            (c.code, f"{c.name} (+{code})") for c in countries
            if (code := phonenumbers.country_code_for_region(c.code))]
        self.fields[0].choices = self.widget.widgets[0].choices = choices
        self.widget.region = region if region in {code for code, _name in choices} else ""

    def compress(self, data_list) -> str:
        region, raw = (list(data_list) + ["", ""])[:2]
        raw = (raw or "").strip()
        if not raw:
            return ""
        number = phone_e164(raw, region=region)
        if number:
            return number
        if not region and not raw.startswith("+"):
            raise ValidationError(_("Choose the country of this phone number."), code="no_country")
        if region and not raw.startswith("+"):
            raise ValidationError(_("This is not a valid phone number in %(country)s. Check the number and the "
                                    "country."), code="invalid", params={"country": countries.name(region)})
        raise ValidationError(_("This is not a valid phone number. Check the number and its country code."),
                              code="invalid")
