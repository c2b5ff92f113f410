"""Render (in the worker): a message's wording filled in from the booking as it is when it goes."""

from __future__ import annotations

import logging

from django.db.models import Prefetch

from innkeeper.core.errors import InvalidInput
from innkeeper.hotels.links import hosts_remembered
from innkeeper.messaging.context import booking_context
from innkeeper.messaging.models import AutomationRule, Message, MessageAttempt, MessageTemplate, MessageType
from innkeeper.messaging.services.templates import _filled_in, template_default
from innkeeper.messaging.variables import VARIABLES

log = logging.getLogger(__name__)


def message_render(row: Message) -> Message:
    """Fill in the wording of a message not rendered yet (its text is empty), from the booking as it is now
    and the variables its caller left; store it on the row, so the panel and a resend show what went."""
    messages_render([row])
    return row


def messages_render(rows: list[Message]) -> None:
    """``message_render`` for a worker's batch: the bookings with their extras, the hotels' own templates
    and each hotel's link host are read once for the whole batch, and the wording stored in one UPDATE.

    A hotel's template that this booking's values break (one saved before saving checked it, or a value the
    sample booking lacks) gives way to the shipped wording, and the message's log says why."""
    from innkeeper.booking.models import Booking, BookingAddOn

    todo = [row for row in rows if not row.body_text and row.booking_id is not None]
    if not todo:
        return
    bookings = (Booking.objects.select_related("hotel", "room_type", "room")
                .prefetch_related(Prefetch("add_ons", BookingAddOn.objects.select_related("add_on")))
                .in_bulk({row.booking_id for row in todo}))
    hotels = {booking.hotel_id for booking in bookings.values()}
    own = {(t.hotel_id, t.type, t.channel, t.locale): (t.subject, t.body) for t in MessageTemplate.objects.filter(
        hotel_id__in=hotels, type__in={row.type for row in todo})}
    rules = {rule.pk: rule for rule in AutomationRule.objects.filter(
        pk__in={row.rule_id for row in todo if row.rule_id}).select_related("hotel").prefetch_related("templates")}
    with hosts_remembered():  # each hotel's link host looked up once for the batch
        for row in todo:
            if row.type == MessageType.AUTOMATED:
                _word_rule(row, bookings[row.booking_id], rules.get(row.rule_id))
            else:
                _word(row, bookings[row.booking_id], own)
    Message.objects.bulk_update(todo, ["subject", "body_text", "body_html", "variables"])


def _word_rule(row: Message, booking, rule) -> None:
    """Fill in a rule's message from its wording in the message's language (``automation.wording_fill``, as the
    preview does); a rule deleted or left without wording since gives an empty message, which is not sent."""
    from innkeeper.messaging.services.automation import rule_wording, wording_fill

    context = booking_context(booking, locale=row.locale, add_on_lines=booking.add_ons.all(),
                              **{k: v for k, v in (row.variables or {}).items() if k in VARIABLES})
    template = rule_wording(rule, row.locale, templates=rule.templates.all()) if rule is not None else None
    if template is None:
        row.subject, row.body_text, row.body_html = "", "", ""
        return
    row.subject, row.body_text, row.body_html = wording_fill(template.subject, template.body, context, row.channel,
                                                             hotel=booking.hotel, locale=row.locale)
    row.variables = {k: v for k, v in context.items() if isinstance(v, str)}


def _word(row: Message, booking, own: dict) -> None:
    """Fill in ``row``'s wording from ``booking`` and the hotel's own templates ``own``."""
    context = booking_context(booking, locale=row.locale, add_on_lines=booking.add_ons.all(),
                              **{k: v for k, v in (row.variables or {}).items() if k in VARIABLES})
    which = {"type": row.type, "channel": row.channel, "locale": row.locale}
    source = own.get((row.hotel_id, row.type, row.channel, row.locale)) or template_default(**which)
    try:
        subject, body_text, body_html = _filled_in(*source, context, row.channel, hotel=booking.hotel,
                                                   locale=row.locale)
    except InvalidInput as problem:
        log.warning("message %s: the hotel's template cannot be filled in: %s", row.idempotency_key, problem)
        subject, body_text, body_html = _filled_in(*template_default(**which), context, row.channel,
                                                   hotel=booking.hotel, locale=row.locale)
        MessageAttempt.objects.create(
            hotel_id=row.hotel_id, message=row, number=0, provider="", outcome="fallback",
            detail=f"the hotel's template could not be filled in ({problem}); the shipped wording went")
    row.subject, row.body_text = subject[:255], body_text
    row.body_html = body_html
    row.variables = {k: v for k, v in context.items() if isinstance(v, str)}
