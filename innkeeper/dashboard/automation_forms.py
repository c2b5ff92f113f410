"""Forms of the automation pages: a rule, its wording in a language, a test send, a manual send, send limits."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from innkeeper.messaging.models import STATUS_TRIGGERS, Channel, Trigger
from innkeeper.messaging.services import TIMED, builtin_timing

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
        amount, unit = _amount(rule.offset_minutes)
        return {"name": rule.name, "trigger": rule.trigger, "amount": amount, "unit": unit,
                "direction": "before" if rule.offset_minutes < 0 else "after", "at_time": rule.at_time,
                "email": rule.email, "whatsapp": rule.whatsapp, "active": rule.active}

    def rule_values(self) -> dict:
        d = self.cleaned_data
        offset = (d.get("amount") or 0) * PER_UNIT[d["unit"]] * (-1 if d["direction"] == "before" else 1)
        if d["trigger"] in STATUS_TRIGGERS:
            offset, d["at_time"] = 0, None
        return {"name": d["name"], "trigger": d["trigger"], "offset_minutes": offset, "at_time": d.get("at_time"),
                "email": d["email"], "whatsapp": d["whatsapp"], "active": d["active"]}


def _amount(minutes: int) -> tuple[int, str]:
    minutes = abs(minutes)
    unit = next(u for u in ("days", "hours", "minutes") if minutes % PER_UNIT[u] == 0)
    return minutes // PER_UNIT[unit], unit


# What a time counts from, said after the amount ("2 hours before check-out"), by trigger and direction.
MOMENTS = {(Trigger.ARRIVAL, -1): _("%(amount)s before arrival"), (Trigger.ARRIVAL, 1): _("%(amount)s after arrival"),
           (Trigger.DEPARTURE, -1): _("%(amount)s before check-out"),
           (Trigger.DEPARTURE, 1): _("%(amount)s after check-out"),
           (Trigger.BOOKED, -1): _("%(amount)s after booking"), (Trigger.BOOKED, 1): _("%(amount)s after booking")}
JOURNEY_TRIGGERS = {"CHECKIN_REMINDER": Trigger.ARRIVAL, "CHECKOUT_REMINDER": Trigger.DEPARTURE,
                    "POST_STAY_THANKS": Trigger.DEPARTURE}


def when_words(trigger: str, offset_minutes: int, at_time=None) -> str:
    """A time of the stay as staff read it: "2 hours before check-out", "1 day after check-out, at 10:00"."""
    n, unit = _amount(offset_minutes)
    amount = {"days": ngettext("%(n)d day", "%(n)d days", n), "hours": ngettext("%(n)d hour", "%(n)d hours", n),
              "minutes": ngettext("%(n)d minute", "%(n)d minutes", n)}[unit] % {"n": n}
    words = MOMENTS[(trigger, -1 if offset_minutes < 0 else 1)] % {"amount": amount}
    if at_time is not None:
        words = _("%(when)s, at %(time)s") % {"when": words, "time": at_time.strftime("%H:%M")}
    return str(words)


def timing_words(type_: str, timing) -> str:
    """A journey message's timing as staff read it."""
    return when_words(JOURNEY_TRIGGERS[type_], timing.offset_minutes, timing.at_time)


class BuiltinForm(forms.Form):
    """One of the journey's messages: on or off, its channels, and for a timed one when it goes (empty: as usual)."""

    active = forms.BooleanField(label=_("Active"), required=False)
    email = forms.BooleanField(label=_("E-mail"), required=False)
    whatsapp = forms.BooleanField(label=_("WhatsApp"), required=False)
    amount = forms.IntegerField(label=_("How long"), min_value=0, max_value=366 * 24 * 60, required=False)
    unit = forms.ChoiceField(label=_("Unit"), choices=UNITS, initial="hours", required=False)
    at_time = forms.TimeField(label=_("At this time of day (optional)"), required=False,
                              widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))

    def __init__(self, *args, rule, **kwargs):
        self.rule, self.type = rule, rule.builtin
        kwargs.setdefault("auto_id", f"id_{rule.builtin.lower()}_%s")
        if not args or args[0] is None:
            kwargs.setdefault("initial", {"active": rule.active, "email": rule.email, "whatsapp": rule.whatsapp})
        super().__init__(*args, **kwargs)
        if self.type not in TIMED:
            for name in ("amount", "unit", "at_time"):
                del self.fields[name]
            return
        usual = builtin_timing(None, self.type)
        self.timing = timing_words(self.type, builtin_timing(rule, self.type))
        self.fields["amount"].help_text = _("Empty: the usual time, %(when)s (in waking hours).") % {
            "when": timing_words(self.type, usual)}
        self.fields["at_time"].help_text = _("In the hotel's time zone; empty: in the guests' waking hours.")
        if rule.offset_minutes is not None and not self.is_bound:
            amount, unit = _amount(rule.offset_minutes)
            self.initial.update(amount=amount, unit=unit, at_time=rule.at_time)
        direction = {-1: _("before"), 1: _("after")}[TIMED[self.type]]
        self.fields["unit"].label = _("Unit (%(direction)s)") % {"direction": direction}

    def values(self) -> dict:
        d = self.cleaned_data
        out = {"active": d["active"], "email": d["email"], "whatsapp": d["whatsapp"]}
        if self.type in TIMED and d.get("amount") is not None:
            out["offset_minutes"] = d["amount"] * PER_UNIT[d["unit"] or "hours"] * TIMED[self.type]
            out["at_time"] = d.get("at_time")
        return out


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
