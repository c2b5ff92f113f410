"""The check-in steps' forms: shape here; the rules live in checkin.services, which the identity form asks for
every problem at once."""

from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from innkeeper.checkin import services
from innkeeper.web.forms import DateInput
from innkeeper.web.phone import PhoneField

IDENTITY_FIELDS = ("legal_name", "date_of_birth", "document_number", "nationality", "address")


class IdentityForm(forms.Form):
    legal_name = forms.CharField(label=_("Full name (as in your passport or ID)"), max_length=200, required=False,
                                 widget=forms.TextInput(attrs={"autocomplete": "name"}))
    date_of_birth = forms.CharField(label=_("Date of birth"), required=False,
                                    widget=DateInput(attrs={"autocomplete": "bday"}))
    document_number = forms.CharField(label=_("Passport or ID number"), max_length=40, required=False,
                                      widget=forms.TextInput(attrs={"autocapitalize": "characters",
                                                                    "spellcheck": "false"}))
    nationality = forms.ChoiceField(label=_("Nationality"), required=False)
    phone = PhoneField(label=_("Mobile phone for your door code (optional)"), required=False)
    address = forms.CharField(label=_("Home address (optional)"), max_length=255, required=False,
                              widget=forms.TextInput(attrs={"autocomplete": "street-address"}))

    def __init__(self, *args, today: date, region: str = "", smart_lock: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        if not smart_lock:  # the key is collected: the phone is for the hotel's messages, not a door code
            self.fields["phone"].label = _("Mobile phone (optional)")
        # Built per form, so the names are in the page's language and sorted the way its reader expects.
        self.fields["nationality"].choices = [("", _("Choose a country"))] + [(c.code, c.name) for c in countries]
        self.fields["phone"].localise(region)
        self.fields["date_of_birth"].widget.limit(date(today.year - 120, 1, 1), today - timedelta(days=1))
        self.identity = None

    def clean(self):
        """Every rule broken, each beside its field (a field whose shape is already wrong keeps that error)."""
        data = super().clean()
        try:
            self.identity = services.clean_identity(**{f: data.get(f, "") for f in IDENTITY_FIELDS},
                                                    today=self.today)
        except services.IdentityInvalid as invalid:
            for problem in invalid.problems:
                if problem.field not in self.errors:
                    self.add_error(problem.field if problem.field in self.fields else None, problem.message)
        return data

    def draft(self) -> dict:
        """What a valid form keeps in the check-in draft."""
        return {**{f: self.cleaned_data[f] for f in IDENTITY_FIELDS}, "phone": self.cleaned_data["phone"]}


class AddOnsForm(forms.Form):
    add_ons = forms.MultipleChoiceField(label=_("Additional services"), required=False,
                                        widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, offered, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["add_ons"].choices = [(a.code, a.name) for a in offered]
