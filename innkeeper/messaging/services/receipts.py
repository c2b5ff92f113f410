"""Delivery receipts: a message moves forward (never back); one that overtook our send waits for it."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from innkeeper.messaging.models import EarlyReceipt, Message, MessageAttempt
from innkeeper.messaging.services.outbox import S

# Receipts only move a message forward; FAILED may follow SENT (e.g. outside the 24-hour window).
_RANK = {S.SENT: 1, S.DELIVERED: 2, S.READ: 3}


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
