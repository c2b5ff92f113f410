"""The check-in steps' forms: shape only; the rules live in checkin.services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from innkeeper.web.forms import DateInput


class IdentityForm(forms.Form):
    legal_name = forms.CharField(label=_("Full name (as in your passport or ID)"), max_length=200, required=False)
    date_of_birth = forms.CharField(label=_("Date of birth"), required=False, widget=DateInput())
    document_number = forms.CharField(label=_("Passport or ID number"), max_length=40, required=False)
    nationality = forms.CharField(label=_("Nationality"), max_length=60, required=False)
    address = forms.CharField(label=_("Home address (optional)"), max_length=255, required=False)


class AddOnsForm(forms.Form):
    add_ons = forms.MultipleChoiceField(label=_("Additional services"), required=False,
                                        widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, offered, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["add_ons"].choices = [(a.code, a.name) for a in offered]
