"""Writes for guest messaging: enqueue (in the caller's transaction), deliver, sweep, retry, receipts, templates.

A message moves QUEUED → SENDING → SENT (→ DELIVERED → READ). A retryable failure puts it back to
QUEUED with a later ``next_attempt_at`` (exponential backoff with jitter, or the provider's
Retry-After); after the last attempt it is DEAD. A permanent failure makes it FAILED at once. A row
left SENDING by a worker that died is sent again by the sweeper (see ``messages_sweep``: only providers
that recognise the idempotency key make that second send harmless).

Claiming, the lease, the backoff, dead-lettering, the sweeper and the doorbell are the one outbox's
(``innkeeper.core.outbox``; messages are its kind ``message``); what a send means at the provider
(unclear sends, receipts, opt-outs) is here.
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from innkeeper.core import activity, audit, outbound
from innkeeper.core import outbox as core_outbox
from innkeeper.core.errors import Conflict, InvalidInput
from innkeeper.core.models import IntegrationAccount
from innkeeper.hotels.links import hosts_remembered
from innkeeper.messaging import providers, rendering
from innkeeper.messaging.context import booking_context
from innkeeper.messaging.defaults import DEFAULTS
from innkeeper.messaging.models import (
    Channel,
    EarlyReceipt,
    Message,
    MessageAttempt,
    MessageStatus,
    MessageTemplate,
    MessageType,
    OptOut,
)
from innkeeper.messaging.variables import VARIABLES

log = logging.getLogger(__name__)

S = MessageStatus
# Receipts only move a message forward; FAILED may follow SENT (e.g. outside the 24-hour window).
_RANK = {S.SENT: 1, S.DELIVERED: 2, S.READ: 3}


KIND = "message"  # the outbox kind of Message rows


def _cfg(name):
    return settings.INNKEEPER_MESSAGING[name]


def outbox_policy() -> core_outbox.Policy:
    return core_outbox.Policy(max_attempts=_cfg("max_attempts"), backoff_base_seconds=_cfg("backoff_base_seconds"),
                              backoff_max_seconds=_cfg("backoff_max_seconds"),
                              lease_seconds=_cfg("sending_lease_seconds"),
                              # a row due only a moment ago probably has its task on the way
                              sweep_grace_seconds=_cfg("sweep_every_seconds"))


# Templates -------------------------------------------------------------------------------------------

def template_for(*, hotel, type: str, channel: str, locale: str) -> tuple[str, str]:
    """(subject, body) source: the hotel's own template, else the shipped default in that language, else English."""
    own = MessageTemplate.objects.filter(hotel=hotel, type=type, channel=channel, locale=locale).first()
    if own:
        return own.subject, own.body
    return template_default(type=type, channel=channel, locale=locale)


def template_default(*, type: str, channel: str, locale: str) -> tuple[str, str]:
    """(subject, body) source of the shipped wording in that language, else in English."""
    return DEFAULTS.get((type, channel, locale)) or DEFAULTS[(type, channel, "en")]


def template_save(*, hotel, type: str, channel: str, locale: str, subject: str = "", body: str,
                  actor=None) -> MessageTemplate:
    """Save a hotel's wording; a template that uses an unknown variable is refused with the variable named,
    one that cannot be filled in for a sample booking with the reason."""
    if type not in MessageType.values:
        raise InvalidInput(_("Unknown message type."), field="type", code="unknown")
    if channel not in Channel.values:
        raise InvalidInput(_("Unknown channel."), field="channel", code="unknown")
    if locale not in {code for code, _name in settings.LANGUAGES}:
        raise InvalidInput(_("Unknown language."), field="locale", code="unknown")
    if not body.strip():
        raise InvalidInput(_("The message text is empty."), field="body", code="required")
    if channel == Channel.EMAIL and not subject.strip():
        raise InvalidInput(_("An e-mail needs a subject."), field="subject", code="required")
    template_preview(hotel=hotel, type=type, channel=channel, locale=locale, subject=subject, body=body)
    with transaction.atomic():
        old = MessageTemplate.objects.filter(hotel=hotel, type=type, channel=channel, locale=locale).first()
        template, _created = MessageTemplate.objects.update_or_create(
            hotel=hotel, type=type, channel=channel, locale=locale, defaults={"subject": subject, "body": body})
        which = {"type": type, "channel": channel, "locale": locale}
        audit.record(hotel=hotel, actor=actor, action="messagetemplate.save", obj=template, keep=tuple(which),
                     before={**which, "subject": old.subject, "body": old.body} if old else {},
                     after={**which, "subject": subject, "body": body})
    return template


# Enqueue -----------------------------------------------------------------------------------------------

def phone_e164(raw: str, *, region: str = "") -> str | None:
    """The number in E.164 (+4915...), or None if it is not a possible, valid number."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        number = phonenumbers.parse(raw, (region or None) if not raw.startswith("+") else None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _phone_region(hotel) -> str:
    """The country a guest's number without a country code is read in: WHATSAPP_DEFAULT_REGION, else the hotel's."""
    return settings.INNKEEPER_WHATSAPP.get("default_region") or hotel.country.code


def idempotency_key(*, booking, type: str, channel: str, occasion: str = "") -> str:
    return f"booking:{booking.pk}:{type}:{channel}:{occasion}"


def message_enqueue(*, booking, type: str, occasion: str = "", extra: dict | None = None,
                    channels=(Channel.EMAIL, Channel.WHATSAPP), now: datetime | None = None) -> list[Message]:
    """Write the outbox rows for ``type`` about ``booking`` in the caller's transaction; send after commit.

    The rows say what to send and to whom; the worker fills the wording in when it sends
    (``message_render``), so the caller's transaction only writes. ``extra`` (what only the caller knows,
    e.g. the PIN) is kept on the row until then. Two statements at most when nothing was skipped: one read
    (rows made before, opt-outs, the hotel's WhatsApp switch) and one INSERT of every row.

    The same booking, type, channel and ``occasion`` make one message, however often this is called.
    A channel the guest cannot get (no usable number, opted out, channel off) gets a SKIPPED row saying why.
    """
    unknown = set(extra or {}) - set(VARIABLES)
    if unknown:
        raise ValueError(f"unknown message variables: {', '.join(sorted(unknown))}")
    now = now or timezone.now()
    hotel = booking.hotel
    channels = list(dict.fromkeys(channels))
    keys = {channel: idempotency_key(booking=booking, type=type, channel=channel, occasion=occasion)
            for channel in channels}
    recipients = {}
    for channel in channels:
        if channel == Channel.EMAIL:
            recipients[channel] = booking.guest_email
        else:
            recipients[channel] = phone_e164(booking.guest_phone, region=_phone_region(hotel)) or booking.guest_phone
    existing, opted_out, whatsapp = _enqueue_facts(hotel, keys, recipients)
    variables = {k: ("" if v is None else v) for k, v in (extra or {}).items()}
    rows = []
    for channel in channels:
        if keys[channel] in existing:
            continue
        row = Message(hotel=hotel, booking=booking, channel=channel, type=type, occasion=occasion,
                      locale=booking.locale, idempotency_key=keys[channel], next_attempt_at=now,
                      recipient=recipients[channel], subject="", body_text="", variables=variables)
        why = _why_not_whatsapp(booking, row.recipient, whatsapp) if channel == Channel.WHATSAPP else ""
        if not why and channel in opted_out:
            why = OPTED_OUT
        if why:
            row.status, row.last_error, row.next_attempt_at = S.SKIPPED, why, None
        rows.append(row)
    if rows:
        Message.objects.bulk_create(rows)
        if any(row.pk is None for row in rows):  # a database that does not return the new ids
            by_key = dict(Message.objects.filter(idempotency_key__in=[r.idempotency_key for r in rows])
                          .values_list("idempotency_key", "pk"))
            for row in rows:
                row.pk = by_key[row.idempotency_key]
        skipped = [MessageAttempt(hotel=hotel, message=row, number=0, provider="", outcome="skipped",
                                  detail=row.last_error) for row in rows if row.status == S.SKIPPED]
        if skipped:
            MessageAttempt.objects.bulk_create(skipped)
        for row in rows:
            if row.status != S.SKIPPED:
                _dispatch_on_commit(row.pk)
    if existing:
        earlier = {m.idempotency_key: m for m in Message.objects.filter(idempotency_key__in=list(existing))}
    made = {row.channel: row for row in rows}
    return [made[channel] if channel in made else earlier[keys[channel]] for channel in channels]


def _enqueue_facts(hotel, keys: dict, recipients: dict) -> tuple[set[str], set[str], dict]:
    """In one read: which of ``keys`` have a row already, the channels whose recipient opted out, and the
    hotel's WhatsApp switch (``{"provider", "own"}``, as providers.whatsapp_config says it).

    Plain SQL: it runs with every booking, and building the same union through the ORM cost more than the
    rest of the enqueue. Every part is filtered by the hotel."""
    from django.db import connection

    message, optout, account = (Message._meta.db_table, OptOut._meta.db_table, IntegrationAccount._meta.db_table)
    key_list = list(keys.values())
    parts = [f"SELECT 'key', idempotency_key FROM {message} WHERE hotel_id = %s"  # noqa: S608
             f" AND idempotency_key IN ({', '.join(['%s'] * len(key_list))})"]
    params: list = [hotel.pk, *key_list]
    for channel, recipient in recipients.items():
        if recipient:  # as address__iexact compares
            parts.append(f"SELECT 'optout', channel FROM {optout} WHERE hotel_id = %s AND channel = %s"  # noqa: S608
                         " AND UPPER(address) = UPPER(%s)")
            params += [hotel.pk, channel, recipient]
    if Channel.WHATSAPP in keys:
        parts.append(f"SELECT 'account', provider FROM {account} WHERE hotel_id = %s"  # noqa: S608
                     " AND kind = 'whatsapp' AND status = %s")
        params += [hotel.pk, IntegrationAccount.ACTIVE]
    existing, opted_out, provider = set(), set(), None
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for tag, value in cursor.fetchall():
            if tag == "key":
                existing.add(value)
            elif tag == "optout":
                opted_out.add(value)
            else:
                provider = value
    if provider:  # the hotel's own account says which provider
        return existing, opted_out, {"provider": provider, "own": True}
    return existing, opted_out, {"provider": settings.INNKEEPER_WHATSAPP["provider"], "own": False}


# Render (in the worker) ---------------------------------------------------------------------------------

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
    with hosts_remembered():  # each hotel's link host looked up once for the batch
        for row in todo:
            _word(row, bookings[row.booking_id], own)
    Message.objects.bulk_update(todo, ["subject", "body_text", "body_html", "variables"])


def _word(row: Message, booking, own: dict) -> None:
    """Fill in ``row``'s wording from ``booking`` and the hotel's own templates ``own``."""
    context = booking_context(booking, locale=row.locale, add_on_lines=booking.add_ons.all(),
                              **{k: v for k, v in (row.variables or {}).items() if k in VARIABLES})
    which = {"type": row.type, "channel": row.channel, "locale": row.locale}
    source = own.get((row.hotel_id, row.type, row.channel, row.locale)) or template_default(**which)
    try:
        subject, body_text, body_html = _filled_in(*source, context, row.channel)
    except InvalidInput as problem:
        log.warning("message %s: the hotel's template cannot be filled in: %s", row.idempotency_key, problem)
        subject, body_text, body_html = _filled_in(*template_default(**which), context, row.channel)
        MessageAttempt.objects.create(
            hotel_id=row.hotel_id, message=row, number=0, provider="", outcome="fallback",
            detail=f"the hotel's template could not be filled in ({problem}); the shipped wording went")
    row.subject, row.body_text = subject[:255], body_text
    row.body_html = _email_html(context["hotel_name"], body_html) if row.channel == Channel.EMAIL else ""
    row.variables = {k: v for k, v in context.items() if isinstance(v, str)}


def _filled_in(subject_src: str, body_src: str, context: dict, channel: str) -> tuple[str, str, str]:
    """(subject, text, html) of a template with ``context`` filled in; InvalidInput if it cannot be."""
    return (rendering.render_text(subject_src, context, field="subject"),
            rendering.render_text(body_src, context),
            rendering.render_html(body_src, context) if channel == Channel.EMAIL else "")


def _why_not_whatsapp(booking, recipient: str, whatsapp: dict) -> str:
    if whatsapp["provider"] == "off":
        return ("WhatsApp is switched off in the hotel's messaging account" if whatsapp["own"]
                else "WhatsApp is switched off (WHATSAPP_PROVIDER=off)")
    if not booking.guest_phone.strip():
        return "the guest gave no phone number"
    if not recipient.startswith("+"):
        return f"the phone number {booking.guest_phone!r} is not a usable international number"
    return ""


def _email_html(hotel_name: str, body_html: str) -> str:
    from django.utils.html import escape

    return ('<!doctype html><html><body style="font-family:Arial,sans-serif;line-height:1.5;color:#222">'
            f'<h2 style="margin:0 0 16px">{escape(hotel_name)}</h2>{body_html}</body></html>')


def _dispatch_on_commit(message_id: int) -> None:
    core_outbox.ring_on_commit(KIND, message_id)


def dispatch(message_id: int, *, countdown: float | None = None) -> bool:
    """Ring the doorbell: queue a delivery task. A broker that is down loses nothing: the sweeper rings again."""
    return core_outbox.ring(KIND, [message_id], countdown=countdown)


# Opt-outs ---------------------------------------------------------------------------------------------

OPTED_OUT = "the guest opted out of this channel"
# A WhatsApp reply that is just one of these words (any case, trailing punctuation ignored) unsubscribes.
STOP_WORDS = {"stop", "стоп", "unsubscribe", "отписаться"}


def _address(channel: str, address: str, *, region: str = "") -> str:
    """An opt-out's address as messages carry it: E.164 for WhatsApp, the e-mail in lower case."""
    address = (address or "").strip()
    if channel == Channel.WHATSAPP:
        return phone_e164(address, region=region) or ""
    return address.lower()


def _opted_out(*, hotel_id: int, channel: str, address: str) -> bool:
    """``address`` as a message carries it (already E.164 for WhatsApp)."""
    return OptOut.objects.filter(hotel_id=hotel_id, channel=channel, address__iexact=address).exists()


def optout_record(*, hotel_id: int, channel: str, address: str, source: str) -> OptOut | None:
    """Remember that ``address`` wants no more messages from the hotel on ``channel`` (None: not an address)."""
    address = _address(channel, address)
    if not address:
        return None
    optout, created = OptOut.objects.get_or_create(hotel_id=hotel_id, channel=channel, address=address)
    if created:
        log.info("hotel %s: %s opted out of %s (%s)", hotel_id, address, channel, source)
    return optout


def optout_add(*, hotel, channel: str, address: str, actor) -> OptOut:
    """Staff record that a guest asked for no more messages on ``channel`` (said at the desk, say).

    A number may be written as the hotel's country writes it (8 916 ... in Russia); it is kept in E.164."""
    if channel not in Channel.values:
        raise InvalidInput(_("Choose e-mail or WhatsApp."), field="channel")
    normal = _address(channel, address, region=_phone_region(hotel))
    if channel == Channel.WHATSAPP and not normal:
        raise InvalidInput(_("This is not a phone number we can write to. Write it with the country code, "
                             "e.g. +7 916 123-45-67."), field="address")
    if channel == Channel.EMAIL:
        try:
            validate_email(normal)
        except ValidationError:
            raise InvalidInput(_("Enter an e-mail address, e.g. anna@example.com."), field="address") from None
    with transaction.atomic():
        optout, created = OptOut.objects.get_or_create(hotel=hotel, channel=channel, address=normal)
        if created:
            audit.record(hotel=hotel, actor=actor, action="optout.add", obj=optout,
                         after={"channel": channel, "address": normal})
    return optout


def optout_remove(*, hotel, channel: str, address: str, actor) -> bool:
    """Undo an opt-out (the guest asked to hear from the hotel again); True if there was one.

    ``actor`` is the person who undid it, kept in the audit log with the address that may be written to again."""
    with transaction.atomic():
        found = list(OptOut.objects.select_for_update().filter(
            hotel=hotel, channel=channel, address__iexact=_address(channel, address) or address))
        for optout in found:
            audit.record(hotel=hotel, actor=actor, action="optout.remove", obj=optout,
                         before={"channel": optout.channel, "address": optout.address,
                                 "created_at": optout.created_at})
            optout.delete()
    if found:
        log.info("hotel %s: opt-out of %s on %s removed by %s", hotel.pk, address, channel,
                 actor.email if actor else "the system")
    return bool(found)


def whatsapp_reply(*, sender: str, text: str, account_hotel_id: int | None = None) -> list[OptOut]:
    """A guest's inbound WhatsApp message: a stop word opts the number out of every hotel that wrote to it
    through the account that received the reply.

    The install's account is shared by its hotels, so a reply to it cannot name one hotel (cross-hotel
    by design, like receipts); a reply to a hotel's own account (``account_hotel_id``) is for that hotel."""
    if (text or "").strip().rstrip(".!").casefold() not in STOP_WORDS:
        return []
    number = _address(Channel.WHATSAPP, sender)
    if not number:
        log.warning("a stop reply from %r, which is not a phone number, was not recorded", sender)
        return []
    hotels = set(Message.objects.filter(channel=Channel.WHATSAPP, recipient=number,
                                        **_sent_through(account_hotel_id)).order_by()
                 .values_list("hotel_id", flat=True))
    return [optout_record(hotel_id=h, channel=Channel.WHATSAPP, address=number, source=f"replied {text.strip()!r}")
            for h in sorted(hotels)]


# Deliver ----------------------------------------------------------------------------------------------

def _claim(message_id: int, now: datetime) -> Message | None:
    rows = core_outbox.claim(KIND, [message_id], now=now, limit=1)
    return rows[0] if rows else None


def backoff(attempt: int, *, retry_after: float | None = None, rng=random) -> float:
    """Seconds before attempt ``attempt + 1``: the outbox's one backoff with the messaging settings."""
    return core_outbox.backoff(attempt, outbox_policy(), retry_after=retry_after, rng=rng)


def message_deliver(message_id: int, *, now: datetime | None = None) -> Message | None:
    """Claim a due message, hand it to its provider outside any transaction, record the outcome.

    Returns the message (None when it was not due or another worker has it)."""
    now = now or timezone.now()
    row = _claim(message_id, now)
    if row is None:
        return None
    row = message_render(row)
    provider = providers.for_channel(row.channel, row.hotel_id)
    opted_out = _opted_out(hotel_id=row.hotel_id, channel=row.channel, address=row.recipient)
    return _send(row, provider, opted_out=opted_out)


def messages_deliver(rows: list[Message], now: datetime) -> None:
    """Send a claimed batch (the outbox's ``deliver`` for messages): each hotel's provider is looked up once
    per channel, and the opt-outs of the whole batch in one query."""
    found, hotels = {}, {row.hotel_id for row in rows}
    optouts = {(h, c, a.lower()) for h, c, a in OptOut.objects.filter(
        hotel_id__in=hotels, address__in={row.recipient for row in rows} | {row.recipient.lower() for row in rows})
        .values_list("hotel_id", "channel", "address")}
    messages_render(rows)  # the wording is filled in here, in the worker, not in the booking's request
    for row in rows:
        which = (row.channel, row.hotel_id)
        if which not in found:
            found[which] = providers.for_channel(*which)
        opted_out = (row.hotel_id, row.channel, row.recipient.lower()) in optouts
        if not opted_out and row.recipient.lower() != row.recipient:  # stored in another case: ask the database
            opted_out = _opted_out(hotel_id=row.hotel_id, channel=row.channel, address=row.recipient)
        _send(row, found[which], opted_out=opted_out, batch=True)
    # Receipts that overtook the provider's answer: looked for once for the whole batch.
    sent = {(row.provider, row.provider_message_id): row for row in rows
            if row.status == S.SENT and row.provider_message_id}
    if sent:
        early = set(EarlyReceipt.objects.filter(provider_message_id__in=[pmid for _p, pmid in sent])
                    .values_list("provider", "provider_message_id"))
        for name, pmid in early & set(sent):
            row = sent[(name, pmid)]
            _apply_early_receipts(name, pmid, account_hotel_id=row.hotel_id if row.own_account else None)


def _send(row: Message, provider, *, opted_out: bool, batch: bool = False) -> Message:
    """A claimed message to its provider, and the outcome recorded. In a ``batch`` the row is not read back
    (what was written is set on it) and early receipts are left to the batch."""
    if provider is None:
        return _finish(row, S.SKIPPED, refresh=not batch, outcome="skipped", detail="the channel is switched off",
                       provider="")
    if opted_out:  # since it was queued
        return _finish(row, S.SKIPPED, refresh=not batch, outcome="skipped", detail=OPTED_OUT, provider="")
    outgoing = providers.Outgoing(channel=row.channel, recipient=row.recipient, body_text=row.body_text,
                                  idempotency_key=row.idempotency_key, type=row.type, locale=row.locale,
                                  subject=row.subject, body_html=row.body_html, variables=row.variables)
    try:
        sent = provider.send(outgoing)
    except providers.Permanent as exc:
        if isinstance(exc, providers.OptedOut):
            optout_record(hotel_id=row.hotel_id, channel=row.channel, address=row.recipient,
                          source=f"{provider.name} refused: {exc.code}")
        return _finish(row, S.FAILED, refresh=not batch, outcome="failed", detail=str(exc), code=exc.code,
                       provider=provider.name)
    except Exception as exc:  # noqa: BLE001 - anything else counts as an attempt, so the row cannot stay SENDING
        if not isinstance(exc, providers.Retryable):
            log.exception("message %s: unexpected error from %s", row.pk, provider.name)
            name = exc.__class__.__name__
            # It may have come after the request went out (reading the answer, say): an unclear send.
            exc = providers.Retryable(f"unexpected error {name}: {exc}", code=name[:40], unclear=True)
        delay = core_outbox.next_try(row.attempts, outbox_policy(), retry_after=exc.retry_after)
        if delay is None:
            return _finish(row, S.DEAD, refresh=not batch, outcome="dead", detail=str(exc), code=exc.code,
                           provider=provider.name)
        outcome, detail = "retry", f"{exc} — next try in {delay:.0f} s"
        if exc.unclear and not provider.deduplicates:
            outcome = "unclear"
            detail += (f"; {provider.name} may have sent it already and cannot recognise a repeat: "
                       "the guest may get it twice")
        done = _finish(row, S.QUEUED, refresh=not batch, outcome=outcome, detail=detail, code=exc.code,
                       provider=provider.name, next_attempt_at=timezone.now() + timedelta(seconds=delay))
        transaction.on_commit(lambda: dispatch(row.pk, countdown=delay))
        return done
    done = _finish(row, S.SENT, refresh=not batch, outcome="sent", detail=sent.note, provider=provider.name,
                   provider_message_id=sent.provider_message_id, own_account=provider.own, sent_at=timezone.now())
    if sent.provider_message_id and not batch:
        done = _apply_early_receipts(provider.name, sent.provider_message_id,
                                     account_hotel_id=row.hotel_id if provider.own else None) or done
    return done


def _finish(row: Message, status: str, *, outcome: str, detail: str, provider: str, code: str = "",
            refresh: bool = True, **fields) -> Message:
    with transaction.atomic():
        updated = Message.objects.filter(pk=row.pk, status=S.SENDING, attempts=row.attempts).update(
            status=status, last_error=detail, error_code=code, provider=provider,
            claimed_at=None, updated_at=timezone.now(),
            **({"next_attempt_at": None} if status != S.QUEUED else {}), **fields)
        MessageAttempt.objects.create(hotel_id=row.hotel_id, message_id=row.pk, number=row.attempts,
                                      provider=provider, outcome=outcome if updated else f"{outcome} (late)",
                                      detail=detail or fields.get("provider_message_id", ""))
    if not refresh:  # a batch's row: what was written, without reading it back
        if updated:
            for name, value in {"status": status, "last_error": detail, "error_code": code, "provider": provider,
                                "claimed_at": None, **fields}.items():
                setattr(row, name, value)
        return row
    row.refresh_from_db()
    return row


# Sweep ------------------------------------------------------------------------------------------------

def messages_sweep(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Take back rows stuck SENDING (their worker died) and re-dispatch them, and every QUEUED row overdue
    by a sweep interval (its task was lost). Returns the ids rung for.

    Cross-hotel by design: the one place that reads every hotel's outbox."""
    now = now or timezone.now()
    # Receipts for ids that never became ours (e.g. WAHA's acks for the hotel's own chats) are let go.
    EarlyReceipt.objects.filter(created_at__lt=now - timedelta(hours=1)).delete()
    return core_outbox.sweep(KIND, now=now, limit=limit)


def _take_back(now: datetime, policy: core_outbox.Policy, limit: int = 500) -> list[int]:
    """Rows SENDING past their lease (their worker died) made due again, or DEAD after the last attempt.

    A send whose worker died is *unclear*: the provider may have the message already. Only a provider
    that recognises the idempotency key (``deduplicates``) makes the second send harmless; for the others
    the log says the guest may get it twice. The lost send counts as an attempt, so a message that kills
    its worker every time ends DEAD instead of going round for ever."""
    stale = now - timedelta(seconds=policy.lease_seconds)
    stuck = list(Message.objects.filter(status=S.SENDING, claimed_at__lt=stale)
                 .values_list("pk", "hotel_id", "attempts", "channel")[:limit])
    requeued = []
    for pk, hotel_id, attempts, channel in stuck:
        provider = providers.for_channel(channel, hotel_id)
        name = provider.name if provider else ""
        why = "the worker stopped while sending, so the provider may already have this message"
        if attempts >= policy.max_attempts:
            status, outcome, detail = S.DEAD, "dead", f"{why}; gave up after {attempts} attempts"
        elif provider is not None and provider.deduplicates:
            status, outcome = S.QUEUED, "requeued"
            detail = f"{why}; sending again with the same key, which {name} recognises"
        else:
            status, outcome, detail = S.QUEUED, "unclear", (f"{why}; sending again, and {name or 'the provider'} "
                                                            "cannot recognise a repeat: the guest may get it twice")
        with transaction.atomic():
            if Message.objects.filter(pk=pk, status=S.SENDING, claimed_at__lt=stale).update(
                    status=status, next_attempt_at=now if status == S.QUEUED else None, claimed_at=None,
                    updated_at=now, last_error=detail, error_code="worker_lost"):
                MessageAttempt.objects.create(hotel_id=hotel_id, message_id=pk, number=attempts, provider=name,
                                              outcome=outcome, detail=detail)
                if status == S.QUEUED:
                    requeued.append(pk)
    return requeued


def _give_up(rows: list[Message], now: datetime) -> None:
    """Due again after the last attempt (only a row whose attempts were used up some other way): DEAD."""
    for row in rows:
        detail = f"gave up after {row.attempts} attempts"
        Message.objects.filter(pk=row.pk).update(status=S.DEAD, next_attempt_at=None, claimed_at=None,
                                                 last_error=detail, updated_at=now)
        MessageAttempt.objects.create(hotel_id=row.hotel_id, message_id=row.pk, number=row.attempts,
                                      provider=row.provider, outcome="dead", detail=detail)


OUTBOX_KIND = core_outbox.Kind(
    name=KIND, model=Message, due_statuses=(S.QUEUED,), policy=outbox_policy, deliver=messages_deliver,
    claimed=lambda now, policy: {"status": S.SENDING, "claimed_at": now}, give_up=_give_up,
    take_back=_take_back)


# Staff and receipts ------------------------------------------------------------------------------------

def message_retry(*, message: Message, actor: str, now: datetime | None = None) -> Message:
    """Send a FAILED or DEAD message again, from a fresh attempt count."""
    now = now or timezone.now()
    with transaction.atomic():
        if not Message.objects.select_for_update().filter(pk=message.pk, status__in=[S.FAILED, S.DEAD]).exists():
            raise Conflict(_("Only a failed message can be sent again."), code="not_retryable")
        core_outbox.requeue(KIND, message.pk, status=S.QUEUED, now=now, claimed_at=None)
        MessageAttempt.objects.create(hotel_id=message.hotel_id, message_id=message.pk, number=0, provider="",
                                      outcome="requeued", detail=f"retry by {actor}")
    message.refresh_from_db()
    return message


def message_receipt(*, provider: str, provider_message_id: str, status: str, detail: str = "",
                    account_hotel_id: int | None = None, now: datetime | None = None) -> Message | None:
    """A delivery receipt: move the message forward (never back); stale receipts change nothing.

    A receipt for an id we have not saved yet may have overtaken the provider's answer to our send: it
    is kept (``EarlyReceipt``) and applied once the id is saved. Answering an error instead, so that the
    provider tries again later, would not do: WAHA retries webhooks only in its Plus edition, and Twilio
    does not promise to retry a status callback.

    ``account_hotel_id``: the receipt came to that hotel's own hook URL, verified with its own account's
    secret, so it may only touch that hotel's messages sent through that account; without it (the
    install's hook URLs) only messages sent through the install's account."""
    now = now or timezone.now()
    row = _apply_receipt(provider, provider_message_id, status, detail, now, account_hotel_id)
    if row is None:
        EarlyReceipt.objects.create(provider=provider, provider_message_id=provider_message_id, status=status,
                                    detail=detail, account_hotel_id=account_hotel_id)
        # The send may have been saved while this receipt was being stored: look once more.
        return _apply_early_receipts(provider, provider_message_id, account_hotel_id=account_hotel_id, now=now)
    return row


def _sent_through(account_hotel_id: int | None) -> dict:
    """The filter for messages a receipt from this account may touch."""
    if account_hotel_id is None:
        return {"own_account": False}
    return {"own_account": True, "hotel_id": account_hotel_id}


def _apply_early_receipts(provider: str, provider_message_id: str, *, account_hotel_id: int | None = None,
                          now: datetime | None = None):
    """Apply the receipts that arrived for this id before it was saved, in the order they came."""
    now = now or timezone.now()
    row = None
    same = {"provider": provider, "provider_message_id": provider_message_id, "account_hotel_id": account_hotel_id}
    if not EarlyReceipt.objects.filter(**same).exists():
        return None  # the usual case, answered without a write transaction
    with transaction.atomic():
        early = list(EarlyReceipt.objects.select_for_update().filter(**same))
        if not early or not Message.objects.filter(provider=provider, provider_message_id=provider_message_id,
                                                   **_sent_through(account_hotel_id)).exists():
            return None
        for receipt in early:
            row = _apply_receipt(provider, provider_message_id, receipt.status, receipt.detail, now,
                                 account_hotel_id)
        EarlyReceipt.objects.filter(pk__in=[r.pk for r in early]).delete()
    return row


def _apply_receipt(provider: str, provider_message_id: str, status: str, detail: str, now: datetime,
                   account_hotel_id: int | None = None):
    with transaction.atomic():
        row = (Message.objects.select_for_update()
               .filter(provider=provider, provider_message_id=provider_message_id,
                       **_sent_through(account_hotel_id)).first())
        if row is None:
            return None
        if status == S.FAILED:
            moves = row.status in (S.SENT, S.SENDING)
        else:
            moves = _RANK.get(row.status, 0) < _RANK[status] and row.status in _RANK
        if not moves:
            return row
        row.status = status
        fields = ["status", "updated_at"]
        if status == S.DELIVERED or (status == S.READ and not row.delivered_at):
            row.delivered_at = now
            fields.append("delivered_at")
        if status == S.READ:
            row.read_at = now
            fields.append("read_at")
        if status == S.FAILED:
            row.last_error = detail or "the provider reported a failure"
            fields.append("last_error")
        row.save(update_fields=fields)
        MessageAttempt.objects.create(hotel_id=row.hotel_id, message=row, number=row.attempts, provider=provider,
                                      outcome="receipt", detail=f"{status} {detail}".strip())
    return row


def message_resend(*, booking, type: str, actor: str, now: datetime | None = None) -> list[Message]:
    """Staff: send a message about ``booking`` again (a new occasion, so a new row per channel)."""
    now = now or timezone.now()
    if type not in (MessageType.BOOKING_CONFIRMATION, MessageType.CHECKIN_REMINDER):
        raise InvalidInput(_("This message cannot be sent again from here."), field="type", code="invalid")
    if type == MessageType.CHECKIN_REMINDER and booking.status != "CONFIRMED":
        raise Conflict(_("The check-in link is only for confirmed bookings that have not checked in yet."),
                       code="check_in_closed")
    with transaction.atomic():
        made = message_enqueue(booking=booking, type=type, occasion=f"resend:{now.isoformat()}", now=now)
        activity.record(hotel=booking.hotel_id, subject=booking, verb="booking.message_resend", actor=actor,
                        data={"reference": booking.reference, "type": type})
    return made


def template_preview(*, hotel, type: str, channel: str, locale: str, subject: str, body: str) -> dict:
    """What a template would look like for a sample booking, in ``locale``; InvalidInput if it is not usable."""
    from django.utils import translation

    rendering.validate(subject, field="subject")
    rendering.validate(body, field="body")
    with translation.override(locale):
        sample = {
            "guest_name": "Anna Petrova" if locale != "ru" else "Анна Петрова", "hotel_name": hotel.name,
            "reference": "K7M2QX", "check_in": "12.03.2027 14:00" if locale == "ru" else "12 Mar 2027, 14:00",
            "check_out": "14.03.2027 12:00" if locale == "ru" else "14 Mar 2027, 12:00",
            "check_in_date": "12.03.2027" if locale == "ru" else "12 Mar 2027",
            "check_out_date": "14.03.2027" if locale == "ru" else "14 Mar 2027",
            "room_type": "Deluxe", "room_number": "204", "pin": "482913",
            "web_key_link": f"https://{hotel.slug}.example/{locale}/webkey/?token=…",
            "check_in_link": f"https://{hotel.slug}.example/{locale}/check-in/?token=…",
            "add_ons": ["Breakfast"], "total": f"250.00 {hotel.currency}", "manage_link": "",
        }
    subject, text, html = _filled_in(subject, body, sample, channel)
    return {"subject": subject, "text": text, "html": html}


# A hotel's own messaging account -----------------------------------------------------------------------

ACCOUNT_SECRETS = ("waha_api_key", "waha_webhook_hmac_key", "cloud_access_token", "cloud_app_secret",
                   "cloud_verify_token", "twilio_auth_token")
ACCOUNT_FIELDS = ("whatsapp_provider", "waha_base_url", "waha_session", "cloud_phone_number_id",
                  "twilio_account_sid", "twilio_from_number", "twilio_messaging_service_sid",
                  "twilio_content_sids", "email_from_name", "email_from_address", "email_reply_to", "is_active")


WHATSAPP_KEYS = {"waha": "waha_", "cloud": "cloud_", "twilio": "twilio_"}  # config key = field minus prefix
EMAIL_KEYS = {"from_name": "email_from_name", "from_address": "email_from_address", "reply_to": "email_reply_to"}


def messaging_account_values(hotel_id: int) -> dict:
    """The hotel's WhatsApp and e-mail accounts as the panel's card has them (field name -> value; secrets
    included: never render them)."""
    from innkeeper.core import integrations

    values = {name: "" for name in ACCOUNT_FIELDS + ACCOUNT_SECRETS}
    values.update(twilio_content_sids={}, is_active=True)
    whatsapp = integrations.account_for(hotel_id, "whatsapp", active_only=False)
    email = integrations.account_for(hotel_id, "email", active_only=False)
    if whatsapp is not None:
        values["whatsapp_provider"] = whatsapp.provider
        prefix = WHATSAPP_KEYS.get(whatsapp.provider, "")
        for key, value in (whatsapp.config or {}).items():
            values[prefix + key] = value
        values["is_active"] = whatsapp.is_active
    if email is not None:
        for key, name in EMAIL_KEYS.items():
            values[name] = (email.config or {}).get(key, "")
        values["is_active"] = email.is_active if whatsapp is None else values["is_active"]
    return values


def _account_problem(account) -> InvalidInput | None:
    """The first thing missing for the chosen provider (a kept secret counts as given)."""
    needs = {
        "waha": (_("WAHA needs its server address and API key."), ("waha_base_url", "waha_api_key")),
        "cloud": (_("The WhatsApp Cloud API needs the access token, the phone number id and the app secret."),
                  ("cloud_access_token", "cloud_phone_number_id", "cloud_app_secret")),
        "twilio": (_("Twilio needs the account SID, the auth token and the WhatsApp sender number."),
                   ("twilio_account_sid", "twilio_auth_token", "twilio_from_number")),
    }.get(account.whatsapp_provider)
    if needs:
        missing = [name for name in needs[1] if not getattr(account, name)]
        if missing:
            return InvalidInput(needs[0], field=missing[0], code="required")
    # Every callback to the hotel's hook URL is checked with these: without them each one is refused.
    if account.whatsapp_provider == "waha" and not account.waha_webhook_hmac_key:
        return InvalidInput(_("Give the webhook HMAC key too (the hmac.key of WAHA's webhook): without it every "
                              "delivery receipt and reply at the hotel's hook URL is refused."),
                            field="waha_webhook_hmac_key", code="required")
    if account.whatsapp_provider == "cloud" and not account.cloud_verify_token:
        return InvalidInput(_("Give a verify token too: Meta's subscription handshake at the hotel's hook URL "
                              "is refused without one."), field="cloud_verify_token", code="required")
    if account.whatsapp_provider == "waha":
        # The worker sends the API key there and the panel shows how it went.
        try:
            outbound.check_outbound_url(account.waha_base_url, field="waha_base_url")
        except outbound.OutboundRefused as problem:
            return problem
    if account.whatsapp_provider == "twilio":
        if not account.twilio_account_sid.startswith("AC"):
            return InvalidInput(_("A Twilio account SID starts with AC."), field="twilio_account_sid", code="invalid")
        if account.twilio_content_sids and not account.twilio_messaging_service_sid.startswith("MG"):
            return InvalidInput(_("Content templates are sent through a Messaging Service: give its SID (MG...)."),
                                field="twilio_messaging_service_sid", code="required")
    if account.email_from_name and not account.email_from_address:
        return InvalidInput(_("Give the sender's address too."), field="email_from_address", code="required")
    if account.email_from_address:
        return _sender_domain_problem(account)
    return None


def _sender_domain_problem(account) -> InvalidInput | None:
    """The From address goes out through the install's mail server, so it must be on one of the hotel's own
    domains (or a subdomain of one; a ``www.`` domain stands for its parent): any other would be spoofing,
    which the guests' mail servers bounce (DMARC)."""
    from innkeeper.hotels import selectors

    # Any of its domains, pending ones too: until the domain is verified the mail goes from the platform's
    # address under the hotel's name (providers.email_sender), with this address as Reply-To.
    domains = selectors.mail_domains(hotel_id=account.hotel_id, verified=False)
    if selectors.address_on_domains(account.email_from_address, domains):
        return None
    if not domains:
        message = _("This hotel has no domain yet, so guest e-mail cannot come from its own address: add the "
                    "domain under Domains first, or give the address as Reply-To.")
    else:
        message = _("The sender address must be on one of this hotel's domains (%(domains)s): mail from another "
                    "domain would be refused as spoofed. Give that address as Reply-To instead.") % {
            "domains": ", ".join(domains)}
    return InvalidInput(message, field="email_from_address", code="invalid")


def messaging_account_set(*, hotel, actor, **values):
    """Owner: the hotel's own WhatsApp provider account and e-mail sender (blank: the install's), kept as
    its IntegrationAccounts of kind "whatsapp" and "email".

    A blank secret keeps the one stored before, so the form never has to show them; the audit log gets
    every change but the secrets."""
    from types import SimpleNamespace

    from innkeeper.core import integrations
    from innkeeper.core import providers as registry

    unknown = set(values) - set(ACCOUNT_FIELDS) - set(ACCOUNT_SECRETS)
    if unknown:
        raise TypeError(f"unknown messaging account fields: {sorted(unknown)}")
    with transaction.atomic():
        merged = messaging_account_values(hotel.pk)
        existed = bool(merged["whatsapp_provider"]) or any(merged[name] for name in EMAIL_KEYS.values())
        before = {name: merged[name] for name in ACCOUNT_FIELDS} if existed else {}
        for name in ACCOUNT_FIELDS:
            if name in values:
                value = values[name]
                merged[name] = value.strip() if isinstance(value, str) else value
        for name in ACCOUNT_SECRETS:
            if values.get(name):
                merged[name] = values[name].strip()
        account = SimpleNamespace(hotel_id=hotel.pk, **merged)
        problem = _account_problem(account)
        if problem:
            raise problem
        provider, is_active = merged["whatsapp_provider"], bool(merged["is_active"])
        saved = []
        if provider:
            prefix = WHATSAPP_KEYS.get(provider)
            fields = registry.get("whatsapp", provider).fields if prefix else ()
            config = {f.name: merged.get(prefix + f.name) or f.type() for f in fields}
            saved.append(integrations.account_save(hotel=hotel, actor=actor, kind="whatsapp", provider=provider,
                                                   config=config, is_active=is_active, action=None))
        else:
            integrations.account_delete(hotel=hotel, actor=actor, kind="whatsapp", action=None)
        email = {key: merged[name] for key, name in EMAIL_KEYS.items()}
        if any(email.values()):
            saved.append(integrations.account_save(hotel=hotel, actor=actor, kind="email", provider="smtp",
                                                   config=email, is_active=is_active, action=None))
        else:
            integrations.account_delete(hotel=hotel, actor=actor, kind="email", action=None)
        after = {name: merged[name] for name in ACCOUNT_FIELDS}  # never the secrets
        changed = sorted(name for name in ACCOUNT_SECRETS if values.get(name))
        if changed:
            after["secrets_changed"] = changed  # which, not what
        # The hotel itself when nothing is its own any more: the owner chose the install's accounts.
        audit.record(hotel=hotel, actor=actor, action="messagingaccount.set", obj=saved[0] if saved else hotel,
                     before=before, after=after)
    return saved[0] if saved else None
