"""Deliver: a claimed message to its provider and the outcome recorded; the sweeper; staff retry."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from innkeeper.booking.selectors import stay_calendar
from innkeeper.core import outbox as core_outbox
from innkeeper.core.errors import Conflict
from innkeeper.messaging import providers
from innkeeper.messaging.models import Channel, EarlyReceipt, Message, MessageAttempt, MessageType, OptOut
from innkeeper.messaging.services import limits
from innkeeper.messaging.services.optouts import OPTED_OUT, _opted_out, optout_record
from innkeeper.messaging.services.outbox import KIND, S, _claim, dispatch, outbox_policy
from innkeeper.messaging.services.receipts import _apply_early_receipts
from innkeeper.messaging.services.wording import message_render, messages_render

log = logging.getLogger(__name__)


def message_deliver(message_id: int, *, now: datetime | None = None) -> Message | None:
    """Claim a due message, hand it to its provider outside any transaction, record the outcome.

    Returns the message (None when it was not due or another worker has it)."""
    now = now or timezone.now()
    row = _claim(message_id, now)
    if row is None:
        return None
    if not limits.admit([row], now):  # over the hotel's send limit: back in the queue until the window ends
        row.refresh_from_db()
        return row
    row = message_render(row)
    provider = providers.for_channel(row.channel, row.hotel_id)
    opted_out = _opted_out(hotel_id=row.hotel_id, channel=row.channel, address=row.recipient)
    return _send(row, provider, opted_out=opted_out)


def messages_deliver(rows: list[Message], now: datetime) -> None:
    """Send a claimed batch (the outbox's ``deliver`` for messages): each hotel's provider is looked up once
    per channel, and the opt-outs of the whole batch in one query."""
    rows = limits.admit(rows, now)  # those over the hotel's send limit go back to the queue
    if not rows:
        return
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


def _attachments(row: Message) -> tuple:
    """The confirmation e-mail carries the stay as a calendar event, its times read when it goes."""
    if row.channel != Channel.EMAIL or row.type != MessageType.BOOKING_CONFIRMATION or row.booking_id is None:
        return ()
    return ((f"stay-{row.booking.reference}.ics", stay_calendar(row.booking), "text/calendar"),)


def _send(row: Message, provider, *, opted_out: bool, batch: bool = False) -> Message:
    """A claimed message to its provider, and the outcome recorded. In a ``batch`` the row is not read back
    (what was written is set on it) and early receipts are left to the batch."""
    if provider is None:
        return _finish(row, S.SKIPPED, refresh=not batch, outcome="skipped", detail="the channel is switched off",
                       provider="")
    if not row.body_text.strip():  # a rule that lost its wording since it was queued
        return _finish(row, S.SKIPPED, refresh=not batch, outcome="skipped", detail="the message has no wording",
                       provider="")
    if opted_out:  # since it was queued
        return _finish(row, S.SKIPPED, refresh=not batch, outcome="skipped", detail=OPTED_OUT, provider="")
    outgoing = providers.Outgoing(channel=row.channel, recipient=row.recipient, body_text=row.body_text,
                                  idempotency_key=row.idempotency_key, type=row.type, locale=row.locale,
                                  subject=row.subject, body_html=row.body_html, variables=row.variables,
                                  attachments=_attachments(row))
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


# Staff ------------------------------------------------------------------------------------------------

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
