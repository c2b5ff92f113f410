"""Moving a key's row forward, outside the business transaction: claim it, create or remove its PIN (or send,
move or delete its app key) at the lock, record the outcome (and what the journey does after it); the sweep,
the outbox kind, staff retry."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from innkeeper.core import outbox as core_outbox
from innkeeper.core.errors import Conflict
from innkeeper.locks.models import DUE, KeyKind, KeyMethod, KeyStatus, LockKey
from innkeeper.locks.providers import LockError, LockProvider, provider_for
from innkeeper.locks.services.keys import (
    KEYED,
    KIND,
    LEASE,
    NOTHING,
    KeyThen,
    _booking_event,
    _dispatch,
    _event,
    app_key_name,
    offline_window,
)

log = logging.getLogger(__name__)


def outbox_policy() -> core_outbox.Policy:
    return core_outbox.Policy(max_attempts=settings.LOCKS_MAX_ATTEMPTS, backoff_base_seconds=30,
                              backoff_max_seconds=3600, lease_seconds=LEASE.total_seconds())


def _claim(key_id: int, now: datetime) -> LockKey | None:
    rows = core_outbox.claim(KIND, [key_id], now=now, limit=1)
    return rows[0] if rows else None


def _lock_of_hotel(provider: LockProvider, key: LockKey) -> None:
    """Refuse a lock that is not the lock of the key's room, taken from the account the hotel uses now.

    The room form only offers the account's own locks, once each; this holds even for a row written
    some other way, or a key whose room or hotel changed account since it was queued.
    """
    room = key.room
    if (room.hotel_id, room.lock_id, room.lock_account_key) != (key.hotel_id, key.lock_id,
                                                                provider.account_key):
        raise LockError("foreign_lock", "The lock is not the room's lock on this hotel's lock account (the "
                        "room's lock or the hotel's lock account changed); choose the room's lock again.",
                        retryable=False)


def _issue(provider: LockProvider, key: LockKey, now: datetime) -> dict:
    """Create the key's PIN on the lock (or send its app key). Returns the fields to record."""
    if not key.lock_id:
        raise LockError("no_lock", "The room has no lock id.", retryable=False)
    _lock_of_hotel(provider, key)
    if key.method == KeyMethod.APP:
        # Sending again after an unclear answer replaces what the first send made (one app key per account
        # and lock), so a retry needs no look first.
        sent = provider.send_app_key(lock_id=key.lock_id, receiver=key.receiver, name=app_key_name(key.booking),
                                     start=key.valid_from, end=key.valid_until, remote_unlock=key.remote_unlock)
        return {"remote_id": sent.remote_id}
    if key.attempts > 1:  # an earlier attempt may have made it before its answer was lost
        found = provider.find_pin(lock_id=key.lock_id, name=key.idempotency_key)
        if found is not None:
            return {"remote_id": found.remote_id, "pin": found.pin or key.pin}
    try:
        made = provider.add_pin(lock_id=key.lock_id, pin=key.pin, start=key.valid_from, end=key.valid_until,
                                name=key.idempotency_key)
        return {"remote_id": made.remote_id, "pin": made.pin, "kind": KeyKind.CUSTOM}
    except LockError as error:
        if not error.unreachable:
            raise
        start, end = offline_window(key.valid_from, key.valid_until, now, key.hotel.tz)
        made = provider.offline_pin(lock_id=key.lock_id, start=start, end=end, name=key.idempotency_key)
        note = (f"The custom PIN could not reach the lock ({error.code}: {error.message}); an offline period "
                f"passcode was issued instead, valid {start.isoformat()} – {end.isoformat()}. The guest must "
                f"first use it within 24 hours of its start.")
        return {"remote_id": made.remote_id, "pin": made.pin, "kind": KeyKind.OFFLINE,
                "valid_from": start, "valid_until": end, "note": note}


def _remove(provider: LockProvider, key: LockKey) -> None:
    if key.method == KeyMethod.APP:
        # Without an id the key was never made, or its send never answered: then it ends with its window.
        if key.remote_id:
            provider.delete_app_key(remote_id=key.remote_id)
        return
    remote_id = key.remote_id
    if not remote_id and key.lock_id:
        found = provider.find_pin(lock_id=key.lock_id, name=key.idempotency_key)
        remote_id = found.remote_id if found else ""
    if remote_id:
        provider.delete_pin(lock_id=key.lock_id, remote_id=remote_id)


def key_process(*, key_id: int, now: datetime | None = None) -> LockKey | None:
    """Do the due operation of one key (create or remove its PIN) and record what happened, as the outbox's
    kind registered for keys does it (with the journey's steps after it). Returns the key as it is now."""
    now = now or timezone.now()
    with scopes_disabled():  # a worker's job: it serves every hotel
        core_outbox.process(KIND, [key_id], now=now, limit=1, others=False)
        return LockKey.objects.filter(pk=key_id).first()


def keys_process(keys: list[LockKey], now: datetime, *, then: KeyThen = NOTHING) -> None:
    """Do a claimed batch (the outbox's ``deliver`` for keys); each hotel's provider is made once."""
    found = {}
    with scopes_disabled():
        for key in keys:
            if key.hotel_id not in found:
                found[key.hotel_id] = provider_for(key.hotel)
            _process(key, found[key.hotel_id], now, then)


def _process(key: LockKey, provider: LockProvider, now: datetime, then: KeyThen) -> LockKey:
    """A claimed key's operation at the lock, outside any transaction, and its outcome recorded."""
    operation = key.status
    outcome, error = {}, None
    sent = (key.valid_from, key.valid_until)
    try:
        if operation == KeyStatus.PENDING:
            outcome = _issue(provider, key, now)
        elif operation == KeyStatus.MOVING:
            _lock_of_hotel(provider, key)
            provider.change_app_key(remote_id=key.remote_id, start=key.valid_from, end=key.valid_until)
        else:
            _remove(provider, key)
    except LockError as exc:
        error = exc
    except Exception as exc:  # a bug or an unexpected answer: keep the row, retry, say what happened
        log.exception("key %s: %s failed", key.idempotency_key, operation)
        error = LockError("unexpected", f"{exc.__class__.__name__}: {exc}", retryable=True, ambiguous=True)
    return _record(key.pk, operation, outcome, error, provider.name, now, then, sent=sent)


# What an operation that fails for good leaves: a key that could not be made (or moved), or removed.
FAILS_AS = {KeyStatus.PENDING: KeyStatus.FAILED, KeyStatus.MOVING: KeyStatus.FAILED,
            KeyStatus.REVOKING: KeyStatus.REVOKE_FAILED}


def _record(key_id: int, operation: str, outcome: dict, error: LockError | None, provider: str,
            now: datetime, then: KeyThen = NOTHING, *, sent: tuple | None = None) -> LockKey:
    with transaction.atomic():
        key = LockKey.objects.select_for_update().get(pk=key_id)
        key.provider = provider
        if error is not None:
            key.last_error = f"{error.code}: {error.message}"
            if key.status != operation:
                # The key's job changed while we worked (revoked mid-issue). If our call may still have
                # made a PIN, look for it by name once more before calling the key removed.
                if error.ambiguous and key.status == KeyStatus.REVOKED:
                    key.status, key.attempts, key.next_attempt_at = KeyStatus.REVOKING, 0, now
                    _dispatch(key.pk)
            elif error.retryable and (delay := core_outbox.next_try(key.attempts, outbox_policy())) is not None:
                key.next_attempt_at = now + timedelta(seconds=delay)
                core_outbox.ring_on_commit(KIND, key.pk, countdown=delay)
            else:
                key.status, key.next_attempt_at = FAILS_AS[operation], None
                _event(key, "key_revoke_failed" if operation == KeyStatus.REVOKING else "key_failed",
                       error=key.last_error)
            key.save()
            return key
        key.last_error = ""
        if operation in (KeyStatus.PENDING, KeyStatus.MOVING):
            for field, value in outcome.items():
                setattr(key, field, value)
            if key.status == operation and key.method == KeyMethod.APP and sent not in (None, (key.valid_from,
                                                                                              key.valid_until)):
                # The stay changed while the app key was being sent or moved: it goes to the new times now.
                key.status, key.attempts, key.next_attempt_at = KeyStatus.MOVING, 0, now
                key.save()
                _dispatch(key.pk)
            elif key.status == operation:
                key.status, key.next_attempt_at = KeyStatus.ACTIVE, None
                if operation == KeyStatus.PENDING:
                    key.activated_at = now
                key.save()
                if key.method == KeyMethod.PIN:
                    access_instructions_due(key, now, then)
                else:
                    _event(key, "key_active" if operation == KeyStatus.PENDING else "key_moved",
                           room=key.room.number)
            else:
                # Revoked while its PIN was being made: the PIN now exists, so remove it again.
                key.status, key.attempts, key.next_attempt_at = KeyStatus.REVOKING, 0, now
                key.save()
                _dispatch(key.pk)
        elif key.status == KeyStatus.REVOKING:
            key.status, key.revoked_at, key.next_attempt_at = KeyStatus.REVOKED, now, None
            key.save()
            _event(key, "key_revoked", reason=key.revoke_reason)
        return key


def access_instructions_due(key: LockKey, now: datetime, then: KeyThen) -> None:
    """The one place that decides the guest's access instructions are due: the key just became ACTIVE.

    Records it on the key and in the booking's history; the message itself (``access_details``, by
    e-mail and WhatsApp in the guest's language) is the journey's step ``then.key_active``, queued in
    this transaction.
    """
    key.instructions_due_at = now
    key.save(update_fields=["instructions_due_at", "updated_at"])
    _event(key, "key_active", kind=key.kind, room=key.room.number)
    then.key_active(key, now)


def keys_due(*, now: datetime) -> list[int]:
    """Keys whose operation is due (new, retry time reached, or a lost worker's lease ran out)."""
    with scopes_disabled():
        return list(LockKey.objects.filter(status__in=DUE, next_attempt_at__lte=now)
                    .order_by("next_attempt_at").values_list("pk", flat=True))


def keys_sweep(*, now: datetime | None = None) -> int:
    """Process every due key here and now, a batch at a time, as a worker would (the management command's
    job, run where a worker runs; never in a web request)."""
    now = now or timezone.now()
    done = 0
    with scopes_disabled():
        while batch := core_outbox.process(KIND, now=now):
            done += len(batch)
    return done


def _give_up(keys: list[LockKey], now: datetime) -> None:
    """Due again after the last attempt (its worker died each time): FAILED / REVOKE_FAILED, staff may retry."""
    for key in keys:
        removing = key.status == KeyStatus.REVOKING
        key.status = FAILS_AS[key.status]
        key.next_attempt_at, key.last_error = None, key.last_error or "worker_lost: gave up after the last attempt"
        key.save(update_fields=["status", "next_attempt_at", "last_error", "updated_at"])
        _event(key, "key_revoke_failed" if removing else "key_failed", error=key.last_error)


def outbox_kind(*, then: KeyThen = NOTHING) -> core_outbox.Kind:
    """LockKey rows as the outbox's kind ``lock_key``, with ``then`` after each outcome. The journey registers
    it (``innkeeper.journey.apps``) with its steps."""
    return core_outbox.Kind(
        name=KIND, model=LockKey, due_statuses=DUE, policy=outbox_policy, deliver=partial(keys_process, then=then),
        claimed=lambda now, policy: {"next_attempt_at": now + timedelta(seconds=policy.lease_seconds)},
        give_up=_give_up, select_related=("hotel", "room"))


def key_retry(*, key: LockKey, actor: str, now: datetime | None = None) -> LockKey:
    """Staff: try a FAILED key or a REVOKE_FAILED removal again from the start."""
    now = now or timezone.now()
    with transaction.atomic():
        k = LockKey.objects.select_for_update().get(pk=key.pk)
        if k.status == KeyStatus.FAILED:
            if k.booking.status not in KEYED:
                raise Conflict(_("This booking no longer needs a key."), code="not_needed")
            k.status = KeyStatus.PENDING
        elif k.status == KeyStatus.REVOKE_FAILED:
            k.status = KeyStatus.REVOKING
        else:
            raise Conflict(_("Only a key that failed can be tried again."), code="not_failed")
        core_outbox.requeue(KIND, k.pk, status=k.status, now=now)
        k.refresh_from_db()
        _booking_event(k.booking, "key_retry", actor, key=k.idempotency_key)
    return k
