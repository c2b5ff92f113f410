"""Forms of the automation pages: a rule, its wording in a language, a test send, a manual send, send limits."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from innkeeper.messaging.models import STATUS_TRIGGERS, Channel, Trigger

UNITS = [("minutes", _("minutes")), ("hours", _("hours")), ("days", _("days"))]
PER_UNIT = {"minutes": 1, "hours": 60, "days": 24 * 60}


class RuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    trigger = forms.ChoiceField(label=_("When"), choices=Trigger.choices)
    amount = forms.IntegerField(label=_("How long"), min_value=0, max_value=366 * 24 * 60, required=False,
                                initial=0, help_text=_("For a time relative to arrival, departure or booking."))
    unit = forms.ChoiceField(label=_("Unit"), choices=UNITS, initial="days")
    direction = forms.ChoiceField(label=_("Before or after"), choices=[("before", _("before")), ("after", _("after"))],
                                  initial="before")
    at_time = forms.TimeField(label=_("At this time of day (optional)"), required=False,
                              widget=forms.TimeInput(attrs={"type": "time"}),
                              help_text=_("In the hotel's time zone, on the day the time above falls on."))
    email = forms.BooleanField(label=_("E-mail"), required=False, initial=True)
    whatsapp = forms.BooleanField(label=_("WhatsApp"), required=False, initial=True)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    @staticmethod
    def initial_of(rule) -> dict:
        minutes = abs(rule.offset_minutes)
        unit = next(u for u in ("days", "hours", "minutes") if minutes % PER_UNIT[u] == 0)
        return {"name": rule.name, "trigger": rule.trigger, "amount": minutes // PER_UNIT[unit], "unit": unit,
                "direction": "before" if rule.offset_minutes < 0 else "after", "at_time": rule.at_time,
                "email": rule.email, "whatsapp": rule.whatsapp, "active": rule.active}

    def rule_values(self) -> dict:
        d = self.cleaned_data
        offset = (d.get("amount") or 0) * PER_UNIT[d["unit"]] * (-1 if d["direction"] == "before" else 1)
        if d["trigger"] in STATUS_TRIGGERS:
            offset, d["at_time"] = 0, None
        return {"name": d["name"], "trigger": d["trigger"], "offset_minutes": offset, "at_time": d.get("at_time"),
                "email": d["email"], "whatsapp": d["whatsapp"], "active": d["active"]}


class WordingForm(forms.Form):
    locale = forms.CharField(label=_("Language code"), max_length=16,
                             help_text=_("Any language: en, ru, de, pt-BR…"))
    subject = forms.CharField(label=_("Subject (e-mail)"), required=False, max_length=255)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 8}))


class TestSendForm(forms.Form):
    channel = forms.ChoiceField(label=_("Send a test by"), choices=Channel.choices)
    phone = forms.CharField(label=_("Your own WhatsApp number"), required=False, max_length=32)


class ManualSendForm(forms.Form):
    rule = forms.TypedChoiceField(label=_("Wording"), required=False, coerce=int, empty_value=None)
    channels = forms.MultipleChoiceField(label=_("Send by"), choices=Channel.choices, initial=[Channel.EMAIL],
                                         widget=forms.CheckboxSelectMultiple)
    subject = forms.CharField(label=_("Subject (e-mail)"), required=False, max_length=255)
    body = forms.CharField(label=_("Text"), required=False, widget=forms.Textarea(attrs={"rows": 8}))

    def __init__(self, *args, rules=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = [("", _("Write the text below"))] + [(r.pk, r.name) for r in rules]


class SendLimitForm(forms.Form):
    def __init__(self, *args, defaults=None, **kwargs):
        super().__init__(*args, **kwargs)
        labels = {"automated_per_minute": _("Automated messages a minute"),
                  "automated_per_day": _("Automated messages a day"),
                  "manual_per_minute": _("Messages sent by staff a minute"),
                  "manual_per_day": _("Messages sent by staff a day")}
        defaults = defaults or settings.MESSAGE_SEND_LIMITS
        for name, label in labels.items():
            self.fields[name] = forms.IntegerField(
                label=label, required=False, min_value=1, max_value=1_000_000,
                help_text=_("Empty: the default, %(n)s.") % {"n": defaults[name]})
