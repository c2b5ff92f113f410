"""Messages a person sends: staff writing to a guest about a booking, and a test send to the staff member.

Both are worded when they are written (the person saw that text in the preview: ``automation.wording_fill``,
one code path) and go through the one outbox like every other message, counted by the send limits as sent by
hand. Each is logged in the activity log.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from innkeeper.core import activity
from innkeeper.core.errors import InvalidInput
from innkeeper.messaging import placeholders
from innkeeper.messaging.context import booking_context
from innkeeper.messaging.models import AutomationRule, Channel, Message, MessageType
from innkeeper.messaging.services.automation import rule_wording, wording_fill
from innkeeper.messaging.services.enqueue import message_enqueue
from innkeeper.messaging.services.optouts import _phone_region, phone_e164
from innkeeper.messaging.services.outbox import S, _dispatch_on_commit
from innkeeper.messaging.services.templates import sample_context


def _source(*, rule: AutomationRule | None, locale: str, subject: str, body: str) -> tuple[str, str]:
    """The wording to send: a rule's (in ``locale``) or the text the person wrote; InvalidInput if unusable."""
    if rule is not None:
        template = rule_wording(rule, locale)
        if template is None:
            raise InvalidInput(_("This rule has no wording yet."), field="rule", code="required")
        return template.subject, template.body
    if not (body or "").strip():
        raise InvalidInput(_("The message text is empty."), field="body", code="required")
    placeholders.validate(subject or "", field="subject")
    placeholders.validate(body, field="body")
    return subject or "", body


def manual_preview(*, booking, channel: str, rule: AutomationRule | None = None, subject: str = "",
                   body: str = "") -> dict:
    """Exactly what ``message_send_manual`` would send on ``channel``: {"subject", "text", "html"}."""
    source = _source(rule=rule, locale=booking.locale, subject=subject, body=body)
    filled = wording_fill(*source, booking_context(booking), channel, hotel=booking.hotel, locale=booking.locale)
    return dict(zip(("subject", "text", "html"), filled, strict=True))


def manual_previews(*, booking, channels, rule: AutomationRule | None = None, subject: str = "",
                    body: str = "") -> list[dict]:
    """``manual_preview`` on each of ``channels``, each with its "channel"."""
    return [{**manual_preview(booking=booking, channel=channel, rule=rule, subject=subject, body=body),
             "channel": channel} for channel in channels]


def message_send_manual(*, booking, channels, actor, rule: AutomationRule | None = None, subject: str = "",
                        body: str = "", now: datetime | None = None) -> list[Message]:
    """Send the guest of ``booking`` a message now, on ``channels``: a rule's wording or text the staff member
    wrote (with placeholders). Logged in the booking's activity."""
    now = now or timezone.now()
    channels = [c for c in dict.fromkeys(channels) if c in Channel.values]
    if not channels:
        raise InvalidInput(_("Choose at least one channel."), field="channels", code="required")
    if channels == [Channel.EMAIL] and not (booking.guest_email or "").strip():
        raise InvalidInput(_("This guest has no e-mail address: send it by WhatsApp."), field="channels",
                           code="no_email")
    if rule is not None and rule.hotel_id != booking.hotel_id:
        raise InvalidInput(_("Unknown rule."), field="rule", code="unknown")
    source = _source(rule=rule, locale=booking.locale, subject=subject, body=body)
    context = booking_context(booking)
    if Channel.EMAIL in channels and not placeholders.fill(source[0], context, field="subject"):
        raise InvalidInput(_("An e-mail needs a subject."), field="subject", code="required")
    with transaction.atomic():
        rows = message_enqueue(booking=booking, type=MessageType.MANUAL, occasion=f"manual:{uuid.uuid4().hex}",
                               channels=channels, now=now)
        for row in rows:
            if row.status == S.SKIPPED:
                continue
            row.subject, row.body_text, row.body_html = wording_fill(*source, context, row.channel,
                                                                     hotel=booking.hotel, locale=row.locale)
            row.save(update_fields=["subject", "body_text", "body_html"])
        activity.record(hotel=booking.hotel_id, subject=booking, verb="booking.message_manual", actor=actor,
                        data={"reference": booking.reference, "channels": channels,
                              "rule": rule.name if rule is not None else "",
                              "skipped": [r.channel for r in rows if r.status == S.SKIPPED]})
    return rows


def message_send_test(*, hotel, user, channel: str, locale: str, rule: AutomationRule | None = None,
                      subject: str = "", body: str = "", phone: str = "", booking=None,
                      now: datetime | None = None) -> Message:
    """Send a wording to the staff member themself (their e-mail, or their own WhatsApp number), filled in
    for ``booking`` or for the preview's sample booking: through the outbox, logged."""
    now = now or timezone.now()
    if channel == Channel.EMAIL:
        recipient = user.email
    elif channel == Channel.WHATSAPP:
        recipient = phone_e164(phone, region=_phone_region(hotel)) or ""
        if not recipient.startswith("+"):
            raise InvalidInput(_("Enter your own WhatsApp number in international form, e.g. +44 7700 900123."),
                               field="phone", code="invalid")
    else:
        raise InvalidInput(_("Unknown channel."), field="channel", code="unknown")
    if rule is not None and rule.hotel_id != hotel.pk:
        raise InvalidInput(_("Unknown rule."), field="rule", code="unknown")
    source = _source(rule=rule, locale=locale, subject=subject, body=body)
    if booking is not None:
        context = booking_context(booking, locale=locale)
    else:
        context = sample_context(hotel, locale)
    subject_text, text, html = wording_fill(*source, context, channel, hotel=hotel, locale=locale)
    with transaction.atomic():
        row = Message.objects.create(
            hotel=hotel, booking=booking, channel=channel, type=MessageType.TEST, occasion="test",
            locale=locale, recipient=recipient, subject=subject_text[:255], body_text=text, body_html=html,
            idempotency_key=f"test:{hotel.pk}:{uuid.uuid4().hex}", next_attempt_at=now)
        activity.record(hotel=hotel, subject=row, verb="message.test_send", actor=user,
                        data={"channel": channel, "recipient": recipient,
                              "rule": rule.name if rule is not None else ""})
        _dispatch_on_commit(row.pk)
    return row
