"""Automation rules: a hotel's messages on a status change or at a time of the stay, their wording in any
language, and the one function that fills that wording in (for the preview and for the send alike).

The journey's own messages are rules too (``builtin``): implied until the hotel edits one, so a hotel that
never opens the rules page gets the journey as before. A time rule's moment is computed from the booking as
it is when the sweep looks (``rule_due_at``), never stored: a moved stay moves it, a cancelled one drops it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.html import escape, linebreaks
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from innkeeper.core import audit
from innkeeper.core.errors import InvalidInput
from innkeeper.messaging import placeholders
from innkeeper.messaging.models import (
    BUILT_IN,
    STATUS_TRIGGERS,
    TIME_TRIGGERS,
    AutomationRule,
    Channel,
    MessageType,
    RuleTemplate,
    Trigger,
)

LOCALE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
MAX_OFFSET_MINUTES = 366 * 24 * 60

# What each of the journey's messages answers (the hotel switches it and its channels, and moves the TIMED ones).
BUILT_IN_TRIGGERS = {
    "BOOKING_CONFIRMATION": Trigger.CONFIRMED, "CHECKIN_REMINDER": Trigger.ARRIVAL,
    "ACCESS_INSTRUCTIONS": Trigger.CHECKED_IN, "CHECKOUT_REMINDER": Trigger.DEPARTURE,
    "POST_STAY_THANKS": Trigger.DEPARTURE, "BOOKING_CANCELLED": Trigger.CANCELLED,
}


# The journey's messages sent at a time of the stay, which a hotel may move: before (-1) or after (+1) their moment.
TIMED = {"CHECKIN_REMINDER": -1, "CHECKOUT_REMINDER": -1, "POST_STAY_THANKS": 1}


@dataclass(frozen=True)
class Timing:
    """When one of the journey's timed messages goes: ``offset_minutes`` from its moment (arrival for the
    check-in reminder, the paid end of the stay for the others), then, with ``at_time``, that time of day in
    the hotel's zone (exactly then; without it the message keeps to the guests' waking hours). ``usual``: the
    install's time, not one the hotel set."""

    offset_minutes: int
    at_time: time | None = None
    usual: bool = True


def builtin_usual_offset(type_: str) -> int:
    return {"CHECKIN_REMINDER": -settings.CHECKIN_REMINDER_HOURS * 60,
            "CHECKOUT_REMINDER": -settings.CHECKOUT_REMINDER_MINUTES,
            "POST_STAY_THANKS": settings.POST_STAY_MESSAGE_HOURS * 60}[type_]


def builtin_timing(rule: AutomationRule | None, type_: str) -> Timing:
    """The timing of journey message ``type_`` under the hotel's row for it (None: no row)."""
    if rule is None or rule.offset_minutes is None:
        return Timing(builtin_usual_offset(type_))
    return Timing(rule.offset_minutes, rule.at_time, usual=False)


def builtin_timings(*, type: str) -> dict[int, Timing]:
    """Cross-hotel, for the sweeps: the hotels that moved journey message ``type``, by hotel id."""
    with scopes_disabled():
        rows = AutomationRule.objects.filter(builtin=type, offset_minutes__isnull=False)
        return {r.hotel_id: builtin_timing(r, type) for r in rows.only("hotel_id", "offset_minutes", "at_time")}


def builtin_off(*, type: str) -> set[int]:
    """Cross-hotel, for the sweeps: the hotels that switched journey message ``type`` off (inactive, or no
    channel left). Their bookings are passed over, not marked as sent, so switching it back on reaches them."""
    with scopes_disabled():
        rows = AutomationRule.objects.filter(builtin=type).filter(Q(active=False) | Q(email=False, whatsapp=False))
        return set(rows.values_list("hotel_id", flat=True))


def moment_of(anchor: datetime, offset_minutes: int, at_time: time | None, tz) -> datetime:
    """``anchor`` plus the offset, then, with ``at_time``, that time on that day in zone ``tz``."""
    due = anchor + timedelta(minutes=offset_minutes)
    if at_time is not None:
        due = datetime.combine(due.astimezone(tz).date(), at_time, tzinfo=tz)
    return due


def _builtin_default(hotel, type_: str) -> AutomationRule:
    return AutomationRule(hotel=hotel, name=str(MessageType(type_).label), trigger=BUILT_IN_TRIGGERS[type_],
                          builtin=type_, active=True, email=True, whatsapp=True, offset_minutes=None)


def rules_of(hotel) -> list[AutomationRule]:
    """The hotel's rules: the journey's own (saved or implied, in journey order), then its own rules."""
    saved = list(AutomationRule.objects.filter(hotel=hotel).prefetch_related("templates"))
    builtin = {rule.builtin: rule for rule in saved if rule.builtin}
    return ([builtin.get(t) or _builtin_default(hotel, t) for t in BUILT_IN]
            + [rule for rule in saved if not rule.builtin])


def builtin_set(*, hotel, type: str, active: bool, email: bool, whatsapp: bool, offset_minutes: int | None = None,
                at_time: time | None = None, actor=None) -> AutomationRule:
    """Switch one of the journey's messages, or one of its channels, on or off; for a timed one, its time
    (``offset_minutes`` before or after its moment, maybe at ``at_time`` in the hotel's zone; no offset: the
    usual time)."""
    if type not in BUILT_IN:
        raise InvalidInput(_("Unknown message type."), field="type", code="unknown")
    if type not in TIMED or offset_minutes is None:
        offset_minutes, at_time = None, None
    elif abs(int(offset_minutes)) > MAX_OFFSET_MINUTES:
        raise InvalidInput(_("The time may be at most a year before or after."), field="offset_minutes",
                           code="out_of_range")
    elif int(offset_minutes) * TIMED[type] < 0:
        raise InvalidInput({"CHECKIN_REMINDER": _("The check-in reminder goes before arrival, not after."),
                            "CHECKOUT_REMINDER": _("The check-out reminder goes before check-out, not after."),
                            "POST_STAY_THANKS": _("The thanks goes after check-out, not before.")}[type],
                           field="offset_minutes", code="invalid")
    fields = {"active": active, "email": email, "whatsapp": whatsapp,
              "offset_minutes": None if offset_minutes is None else int(offset_minutes), "at_time": at_time}
    with transaction.atomic():
        rule = (AutomationRule.objects.select_for_update().filter(hotel=hotel, builtin=type).first()
                or _builtin_default(hotel, type))
        before = {k: getattr(rule, k) for k in fields} if rule.pk else {}
        for k, v in fields.items():
            setattr(rule, k, v)
        rule.save()
        audit.record(hotel=hotel, actor=actor, action="automationrule.update", obj=rule, keep=("name",),
                     before={"name": rule.name, **before} if before else {}, after={"name": rule.name, **fields})
    return rule


def rule_save(*, hotel, rule: AutomationRule | None = None, name: str, trigger: str, offset_minutes: int = 0,
              at_time: time | None = None, email: bool = True, whatsapp: bool = True, active: bool = True,
              actor=None) -> AutomationRule:
    """Create or change a hotel's own rule (the journey's are switched with ``builtin_set``)."""
    if rule is not None and (rule.hotel_id != hotel.pk or rule.builtin):
        raise InvalidInput(_("This rule cannot be changed here."), field="rule", code="invalid")
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("Give the rule a name."), field="name", code="required")
    if trigger not in Trigger.values:
        raise InvalidInput(_("Choose when the rule sends its message."), field="trigger", code="unknown")
    if trigger in STATUS_TRIGGERS:
        offset_minutes, at_time = 0, None
    if abs(int(offset_minutes)) > MAX_OFFSET_MINUTES:
        raise InvalidInput(_("The time may be at most a year before or after."), field="offset_minutes",
                           code="out_of_range")
    if not (email or whatsapp):
        raise InvalidInput(_("Choose at least one channel."), field="email", code="required")
    fields = {"name": name[:120], "trigger": trigger, "offset_minutes": int(offset_minutes), "at_time": at_time,
              "email": email, "whatsapp": whatsapp, "active": active}
    with transaction.atomic():
        before = {k: getattr(rule, k) for k in fields} if rule is not None else {}
        rule = rule or AutomationRule(hotel=hotel)
        for k, v in fields.items():
            setattr(rule, k, v)
        rule.save()
        audit.record(hotel=hotel, actor=actor, action="automationrule." + ("update" if before else "create"),
                     obj=rule, keep=("name",), before=before, after=fields)
    return rule


def rule_template_save(*, rule: AutomationRule, locale: str, subject: str = "", body: str,
                       actor=None) -> RuleTemplate:
    """A rule's wording in ``locale`` (any language code); an unknown placeholder is refused, named."""
    if rule.pk is None or rule.builtin:
        raise InvalidInput(_("The journey's own messages are worded on the templates page."), field="rule",
                           code="invalid")
    locale = (locale or "").strip()
    if not LOCALE.match(locale):
        raise InvalidInput(_("Write the language as a code such as en, de or pt-BR."), field="locale",
                           code="invalid")
    if not (body or "").strip():
        raise InvalidInput(_("The message text is empty."), field="body", code="required")
    if rule.email and not (subject or "").strip():
        raise InvalidInput(_("An e-mail needs a subject."), field="subject", code="required")
    placeholders.validate(subject or "", field="subject")
    placeholders.validate(body, field="body")
    if len(body) > placeholders.MAX_BODY:
        raise InvalidInput(_("The message may be at most %(n)d characters long.") % {"n": placeholders.MAX_BODY},
                           field="body", code="too_long")
    with transaction.atomic():
        template, _made = RuleTemplate.objects.update_or_create(
            rule=rule, locale=locale, defaults={"hotel_id": rule.hotel_id, "subject": subject or "", "body": body})
        audit.record(hotel=rule.hotel, actor=actor, action="ruletemplate.save", obj=template, keep=("locale",),
                     before={}, after={"rule": rule.name, "locale": locale, "subject": subject, "body": body})
    return template


def rule_wording(rule: AutomationRule, locale: str, *, templates=None) -> RuleTemplate | None:
    """The rule's wording in ``locale``, else in its base language (pt for pt-BR), else in the hotel's language,
    else its first one."""
    templates = list(templates if templates is not None else RuleTemplate.objects.filter(rule=rule))
    by_locale = {t.locale: t for t in templates}
    for want in (locale, locale.split("-")[0], rule.hotel.default_locale):
        if want in by_locale:
            return by_locale[want]
    return templates[0] if templates else None


def wording_fill(subject: str, body: str, context: dict, channel: str, *, hotel, locale: str
                 ) -> tuple[str, str, str]:
    """(subject, text, html) of ``{placeholder}`` wording with ``context``: the one code path of the preview, the
    test send, the manual send and the worker."""
    from innkeeper.messaging.services.templates import email_document

    subject = placeholders.fill(subject, context, field="subject", limit=placeholders.MAX_SUBJECT)
    text = placeholders.fill(body, context)
    if channel != Channel.EMAIL:
        return subject, text, ""
    html = email_document(hotel, locale, subject, linebreaks(escape(text)), hotel_name=context.get("hotel_name", ""))
    return subject, text, html


def wording_preview(*, hotel, locale: str, subject: str, body: str,
                    channels=(Channel.EMAIL, Channel.WHATSAPP)) -> list[dict]:
    """A rule's wording filled in for the sample booking on each channel, by ``wording_fill`` (what the worker
    sends with): [{"channel", "subject", "text", "html"}]; InvalidInput naming an unknown placeholder."""
    from innkeeper.messaging.services.templates import sample_context

    placeholders.validate(subject or "", field="subject")
    placeholders.validate(body or "", field="body")
    if not (body or "").strip():
        raise InvalidInput(_("The message text is empty."), field="body", code="required")
    context = sample_context(hotel, locale)
    return [dict(zip(("subject", "text", "html"), wording_fill(subject or "", body, context, channel, hotel=hotel,
                                                              locale=locale), strict=True), channel=channel)
            for channel in channels]


# -- when ------------------------------------------------------------------------------------------

def rule_due_at(rule: AutomationRule, booking) -> datetime:
    """When a time rule's message is due for ``booking`` as it is now: the anchor (the stay's arrival or
    departure as the guest has it, or the booking's creation) plus the offset, then, with ``at_time``, that
    time on that day in the hotel's zone ("1 day before arrival at 10:00")."""
    if rule.trigger == Trigger.BOOKED:
        anchor = booking.created_at
    else:
        window = booking.window
        anchor = window.start if rule.trigger == Trigger.ARRIVAL else window.end
    return moment_of(anchor, rule.offset_minutes, rule.at_time, booking.hotel.tz)


# Which bookings a time rule still speaks to: a cancelled stay gets nothing, a hold or unpaid booking not yet.
LIVE = {
    Trigger.ARRIVAL: ("CONFIRMED", "CHECKIN_COMPLETED", "CHECKED_IN"),
    Trigger.DEPARTURE: ("CONFIRMED", "CHECKIN_COMPLETED", "CHECKED_IN", "CHECKED_OUT"),
    Trigger.BOOKED: ("CONFIRMED", "CHECKIN_COMPLETED", "CHECKED_IN", "CHECKED_OUT"),
}


def rules_due(*, now: datetime) -> list[tuple[object, AutomationRule]]:
    """(booking, rule) pairs whose moment has come (at most AUTOMATION_LATE_MINUTES ago) and that have no
    message of that rule yet. Cross-hotel: the sweep reads every hotel's rules and bookings."""
    from innkeeper.booking.models import Booking

    late = timedelta(minutes=settings.AUTOMATION_LATE_MINUTES)
    slack = timedelta(days=1, hours=12)  # at_time moves the moment within its day; early/late extras by hours
    due = []
    with scopes_disabled():
        rules = AutomationRule.objects.filter(active=True, builtin="", trigger__in=TIME_TRIGGERS)
        for rule in rules.select_related("hotel"):
            # The anchor of a due message lies in [now - offset - late, now - offset], give or take the slack.
            lo, hi = now - timedelta(minutes=rule.offset_minutes) - late - slack, now - \
                timedelta(minutes=rule.offset_minutes) + slack
            field = {Trigger.ARRIVAL: "start", Trigger.DEPARTURE: "end", Trigger.BOOKED: "created_at"}[rule.trigger]
            candidates = (Booking.objects.filter(hotel_id=rule.hotel_id, status__in=LIVE[rule.trigger],
                                                 **{f"{field}__gte": lo, f"{field}__lte": hi})
                          .exclude(messages__rule=rule).select_related("hotel"))
            for booking in candidates:
                moment = rule_due_at(rule, booking)
                if moment <= now < moment + late:
                    due.append((booking, rule))
    return due


def rules_by_id(hotel, ids) -> list[AutomationRule]:
    """The hotel's rules with these ids (none asked: no query)."""
    if not ids:
        return []
    return list(AutomationRule.objects.filter(hotel=hotel, pk__in=list(ids)).order_by("id"))
