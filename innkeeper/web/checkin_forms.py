"""The check-in steps' forms: shape only; the rules live in checkin.services."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from innkeeper.web.forms import DateInput


class IdentityForm(forms.Form):
    legal_name = forms.CharField(label=_("Full name (as in your passport or ID)"), max_length=200, required=False)
    date_of_birth = forms.CharField(label=_("Date of birth"), required=False, widget=DateInput())
    document_number = forms.CharField(label=_("Passport or ID number"), max_length=40, required=False)
    nationality = forms.ChoiceField(label=_("Nationality"), required=False)
    address = forms.CharField(label=_("Home address (optional)"), max_length=255, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built per form, so the names are in the page's language and sorted the way its reader expects.
        self.fields["nationality"].choices = [("", _("Choose a country"))] + [(c.code, c.name) for c in countries]


class AddOnsForm(forms.Form):
    add_ons = forms.MultipleChoiceField(label=_("Additional services"), required=False,
                                        widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, offered, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["add_ons"].choices = [(a.code, a.name) for a in offered]
