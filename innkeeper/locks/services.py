"""Keys: issue a PIN on the room's lock, fall back to an offline passcode, revoke, re-issue, retry;
the web key; the automatic check-out.

Every key operation is a ``LockKey`` row written in the business transaction (the outbox row).
``key_process`` moves one row forward: it claims it in a short transaction, calls the lock provider
outside any transaction, then records the outcome. A retry after an unclear answer first looks for
the passcode by its name on the lock, so a booking never gets two PINs.

Claiming (a batch at a time), the lease, the backoff, the sweeper and the doorbell are the one outbox's
(``innkeeper.core.outbox``; keys are its kind ``lock_key``). Celery is the only doorbell: no lock call
runs inside a guest's or staff member's request.
"""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Protocol

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Prefetch
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from innkeeper.booking import selectors as booking_selectors
from innkeeper.booking.models import Booking, BookingAddOn
from innkeeper.booking.states import Status
from innkeeper.core import activity, db, tokens
from innkeeper.core import outbox as core_outbox
from innkeeper.core.errors import Conflict, NotFound, TooManyRequests
from innkeeper.hotels.links import hotel_url
from innkeeper.locks.models import (
    DUE,
    LIVE,
    KeyKind,
    KeyStatus,
    LockKey,
    UnlockAttempt,
)
from innkeeper.locks.providers import LockError, LockProvider, provider_for

log = logging.getLogger(__name__)

SYSTEM = "system"
KIND = "lock_key"  # the outbox kind of LockKey rows
LEASE = timedelta(minutes=2)  # a claimed row is left alone this long; after it the sweeper takes it again
PIN_DIGITS = 6
OFFLINE_FIRST_USE = timedelta(hours=24)  # an offline period passcode dies unless first used this soon after it starts
WEBKEY_SALT = "innkeeper.locks.webkey"
# Bookings whose stay is over or will not happen: their keys go.
ENDED = frozenset({Status.CHECKED_OUT, Status.CANCELLED, Status.NO_SHOW, Status.EXPIRED})
# Bookings whose guest may hold a working key.
KEYED = frozenset({Status.CHECKIN_COMPLETED, Status.CHECKED_IN})


class KeyThen(Protocol):
    """What follows a key's outcome at the lock, decided by the journey (``innkeeper.journey.steps``), which
    registers the keys' outbox kind with it; run in the transaction that records the outcome."""

    def key_active(self, key: LockKey, now: datetime) -> None:
        """The key works on its lock from now on."""


class _Nothing:
    def key_active(self, key: LockKey, now: datetime) -> None:
        pass


NOTHING: KeyThen = _Nothing()


# -- the validity window ---------------------------------------------------------------------------

def key_window(booking: Booking) -> tuple[datetime, datetime]:
    """When the door opens for ``booking``: what the guest paid for, widened by the grace on both sides.

    The grace is at most half the room type's turnover, so the PIN of a guest leaving stops before the
    PIN of the next guest starts: two keys on one lock never overlap, as their stays never do. The window
    also stays inside what the booking holds in the database (``blocks_from``/``blocks_until``, shifted by
    the grace), so a longer late check-out configured after the booking was made cannot reach into the
    next guest's key.
    """
    held = booking_selectors.room_held(booking)
    grace = min(timedelta(minutes=settings.LOCKS_GRACE_MINUTES), held.turnover / 2)
    return (max(held.start, booking.blocks_from) - grace,
            min(held.end + grace, booking.blocks_until - grace))


def offline_window(valid_from: datetime, valid_until: datetime, now: datetime, tz=UTC) -> tuple[datetime, datetime]:
    """Whole-hour bounds for an offline period passcode. It dies unless first used within 24 h of its
    start, so it starts at the check-in hour (or this hour, if that has passed) and ends on the hour
    after the window.

    The hours are the lock's own: the lock keeps local time (TTLock's ``timezoneRawOffset``) and the
    code's validity is computed on its clock, so in a zone half an hour off UTC (Asia/Kolkata) a whole
    UTC hour would be half past on the keypad. ``tz`` is the hotel's zone, where its locks are set; the
    bounds come back in it.
    """
    def floor(moment):
        return moment.astimezone(tz).replace(minute=0, second=0, microsecond=0)

    def hour_after(moment):  # in real time, right across a DST change
        return (moment.astimezone(UTC) + timedelta(hours=1)).astimezone(tz)

    start = max(floor(valid_from), floor(now))
    end = floor(valid_until)
    if end < valid_until:
        end = hour_after(end)
    return start, max(end, hour_after(start))


def new_pin() -> str:
    return f"{secrets.randbelow(10 ** PIN_DIGITS):0{PIN_DIGITS}d}"


# -- writing the rows (inside the business transaction) --------------------------------------------

def _dispatch(key_id: int) -> None:
    """After commit: hand the key's operation to a worker (LOCKS_DISPATCH is no longer read)."""
    core_outbox.ring_on_commit(KIND, key_id)


# What the lock cloud's answer decided; the rest the system does on its own.
PROVIDER_SAYS = ("key_active", "key_failed", "key_revoke_failed", "key_revoked")


def _event(key: LockKey, action: str, **data) -> None:
    by_provider = action in PROVIDER_SAYS and key.provider
    _booking_event(key.booking, action, activity.Actor.provider(key.provider) if by_provider else SYSTEM,
                   key=key.idempotency_key, **data)


def _booking_event(booking: Booking, action: str, actor, **data) -> None:
    activity.record(hotel=booking.hotel_id, subject=booking, verb=f"booking.{action}", actor=actor,
                    data={"reference": booking.reference, **data})


def _new_key(booking: Booking, generation: int, now: datetime) -> LockKey:
    valid_from, valid_until = key_window(booking)
    key = LockKey.objects.create(
        hotel_id=booking.hotel_id, booking=booking, room_id=booking.room_id, lock_id=booking.room.lock_id,
        generation=generation, idempotency_key=f"{booking.pk}:{generation}", status=KeyStatus.PENDING,
        pin=new_pin(), window_from=valid_from, window_until=valid_until, valid_from=valid_from,
        valid_until=valid_until, next_attempt_at=now)
    _event(key, "key_queued", room=booking.room.number)
    _dispatch(key.pk)
    return key


def keys_issue_for(*, booking: Booking, now: datetime) -> LockKey:
    """Queue the key for ``booking`` (in the caller's transaction). Asking twice gives the same key."""
    live = LockKey.objects.filter(booking=booking, status__in=LIVE).first()
    if live is not None:
        return live
    last = LockKey.objects.filter(booking=booking).order_by("-generation").first()
    return _new_key(booking, (last.generation + 1) if last else 1, now)


def _revoke(key: LockKey, reason: str, now: datetime) -> None:
    if key.status == KeyStatus.PENDING and key.attempts == 0 and not key.remote_id:
        key.status, key.revoked_at = KeyStatus.REVOKED, now  # it never went near the lock
    elif key.status == KeyStatus.FAILED and not key.remote_id and key.attempts == 0:
        key.status, key.revoked_at = KeyStatus.REVOKED, now
    else:
        key.status, key.attempts, key.next_attempt_at = KeyStatus.REVOKING, 0, now
    key.revoke_reason = reason[:40]
    key.save(update_fields=["status", "attempts", "next_attempt_at", "revoke_reason", "revoked_at", "updated_at"])
    _event(key, "key_revoke_queued", reason=reason, status=key.status)
    if key.status == KeyStatus.REVOKING:
        _dispatch(key.pk)


def keys_revoke_for(*, booking: Booking, reason: str, now: datetime) -> int:
    """Queue the removal of every key of ``booking`` from its lock (in the caller's transaction)."""
    keys = list(LockKey.objects.select_for_update().filter(booking=booking, status__in=LIVE))
    for key in keys:
        _revoke(key, reason, now)
    return len(keys)


def keys_on_booking_changed(*, booking: Booking, now: datetime) -> LockKey | None:
    """After new dates or a new room: re-issue the key if its room or window no longer fit."""
    live = LockKey.objects.select_for_update().filter(booking=booking, status__in=LIVE).first()
    if live is None or booking.status not in KEYED:
        return None
    if live.room_id == booking.room_id and (live.window_from, live.window_until) == key_window(booking):
        return live
    _revoke(live, "changed", now)
    return _new_key(booking, live.generation + 1, now)


def keys_on_booking_status(*, booking: Booking, now: datetime) -> None:
    """The booking services call this after every status change (in their transaction)."""
    if booking.status in ENDED:
        keys_revoke_for(booking=booking, reason=booking.status.lower(), now=now)


def current_key(booking: Booking) -> LockKey | None:
    """The booking's newest key, whatever its state."""
    return LockKey.objects.filter(booking=booking).order_by("-generation").select_related("room", "booking").first()


def keys_issue_by_staff(*, booking: Booking, actor: str, now: datetime | None = None) -> LockKey:
    """Staff: issue the key now (e.g. the guest checked in at the desk). Needs a checked-in booking."""
    now = now or timezone.now()
    with transaction.atomic():
        b = Booking.objects.select_for_update(of=("self",)).select_related("room").get(pk=booking.pk)
        if b.status not in KEYED:
            raise Conflict(_("Keys are issued once the guest has checked in (online or at the desk)."),
                           code="not_checked_in")
        key = keys_issue_for(booking=b, now=now)
        _booking_event(b, "keys_issue", actor, key=key.idempotency_key)
    return key


def keys_revoke_by_staff(*, booking: Booking, actor: str, now: datetime | None = None) -> int:
    """Staff: take every key of the booking off its lock now (lost phone, guest moved out early...)."""
    now = now or timezone.now()
    with transaction.atomic():
        count = keys_revoke_for(booking=booking, reason="staff", now=now)
        if not count:
            raise Conflict(_("This booking has no key on a lock."), code="no_key")
        _booking_event(booking, "keys_revoke", actor, keys=count)
    return count


# -- moving a row forward (outside the business transaction) ---------------------------------------

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
    """Create the key's PIN on the lock. Returns the fields to record."""
    if not key.lock_id:
        raise LockError("no_lock", "The room has no lock id.", retryable=False)
    _lock_of_hotel(provider, key)
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
    try:
        if operation == KeyStatus.PENDING:
            outcome = _issue(provider, key, now)
        else:
            _remove(provider, key)
    except LockError as exc:
        error = exc
    except Exception as exc:  # a bug or an unexpected answer: keep the row, retry, say what happened
        log.exception("key %s: %s failed", key.idempotency_key, operation)
        error = LockError("unexpected", f"{exc.__class__.__name__}: {exc}", retryable=True, ambiguous=True)
    return _record(key.pk, operation, outcome, error, provider.name, now, then)


def _record(key_id: int, operation: str, outcome: dict, error: LockError | None, provider: str,
            now: datetime, then: KeyThen = NOTHING) -> LockKey:
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
                key.status = KeyStatus.FAILED if operation == KeyStatus.PENDING else KeyStatus.REVOKE_FAILED
                key.next_attempt_at = None
                _event(key, "key_failed" if operation == KeyStatus.PENDING else "key_revoke_failed",
                       error=key.last_error)
            key.save()
            return key
        key.last_error = ""
        if operation == KeyStatus.PENDING:
            for field, value in outcome.items():
                setattr(key, field, value)
            if key.status == KeyStatus.PENDING:
                key.status, key.activated_at, key.next_attempt_at = KeyStatus.ACTIVE, now, None
                key.save()
                access_instructions_due(key, now, then)
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
        issuing = key.status == KeyStatus.PENDING
        key.status = KeyStatus.FAILED if issuing else KeyStatus.REVOKE_FAILED
        key.next_attempt_at, key.last_error = None, key.last_error or "worker_lost: gave up after the last attempt"
        key.save(update_fields=["status", "next_attempt_at", "last_error", "updated_at"])
        _event(key, "key_failed" if issuing else "key_revoke_failed", error=key.last_error)


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


# -- what the guest is told ------------------------------------------------------------------------

def webkey_token(key: LockKey) -> str:
    return tokens.sign({"k": key.pk, "b": key.booking_id, "r": key.room_id,
                          "u": int(key.valid_until.timestamp())}, salt=WEBKEY_SALT)


def access_details(key: LockKey) -> dict:
    """Everything the access instructions carry: the PIN, the web-key link, the room, the window, and for
    an offline passcode the time by which the guest must first type it (in the guest's language)."""
    booking = key.booking
    first_use_by = ""
    if key.kind == KeyKind.OFFLINE:
        with translation.override(booking.locale):
            first_use_by = formats.date_format((key.valid_from + OFFLINE_FIRST_USE).astimezone(booking.hotel.tz),
                                               "DATETIME_FORMAT")
    return {
        "pin_first_use_by": first_use_by,
        "pin": key.pin, "kind": key.kind, "room_number": key.room.number,
        "web_key_link": hotel_url(booking.hotel, "webkey", booking.locale, query={"token": webkey_token(key)}),
        "valid_from": key.valid_from.astimezone(booking.hotel.tz),
        "valid_until": key.valid_until.astimezone(booking.hotel.tz),
        "offline_passcode": key.kind == KeyKind.OFFLINE,
    }


# -- the web key -----------------------------------------------------------------------------------

class WebKeyRefused(Conflict):
    code = "webkey_refused"


def webkey_key(token: str, *, now: datetime) -> LockKey:
    """The key a web-key link opens, if the link is genuine, current and its key still works."""
    try:
        data = tokens.unsign(token, salt=WEBKEY_SALT)
        key_id, booking_id, room_id, until = int(data["k"]), int(data["b"]), int(data["r"]), int(data["u"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise NotFound(_("This door link is not valid. Please use the link from your access message.")) from None
    with scopes_disabled():
        key = (LockKey.objects.select_related("booking", "booking__hotel", "room", "hotel")
               .filter(pk=key_id, booking_id=booking_id, room_id=room_id).first())
    if key is None:
        raise NotFound(_("This door link is not valid. Please use the link from your access message."))
    if now.timestamp() > until or now > key.valid_until:
        raise WebKeyRefused(_("Your stay is over, so this door link no longer works."), code="expired")
    return key


def webkey_check(key: LockKey, now: datetime) -> None:
    """Raise WebKeyRefused with what to do when the key cannot open its door at ``now``."""
    booking = key.booking
    if booking.status not in KEYED:
        raise WebKeyRefused(_("This booking is not checked in, so the door cannot be opened. "
                              "Please contact the hotel."), code="booking_not_checked_in")
    if key.status != KeyStatus.ACTIVE or key.room_id != booking.room_id:
        raise WebKeyRefused(_("This door link has been replaced. Please use the link from your latest "
                              "access message."), code="key_replaced")
    if now < key.valid_from:
        local = key.valid_from.astimezone(booking.hotel.tz)
        raise WebKeyRefused(_("The door opens from %(time)s.") % {"time": local.strftime("%Y-%m-%d %H:%M")},
                            code="too_early")
    if now > key.valid_until:
        raise WebKeyRefused(_("Your stay is over, so this door link no longer works."), code="expired")


def _rate_limit(now: datetime, *, ip: str | None = None, key_id: int | None = None) -> None:
    """Refuse a press when this client (or this key) already pressed too often in the last minute.

    Counted from the attempts already logged, so the limit holds across every web process without a
    shared cache: one indexed query (UnlockAttempt by ip / key, then time). Presses refused by the limit
    are logged but not counted, so the wait it announces is the real one. Presses logged with a moment
    later than ``now`` (another process read its clock a little after this one) count too.
    """
    if key_id is not None:
        scope_filter, limit = {"key_id": key_id}, settings.WEBKEY_UNLOCKS_PER_MINUTE
    elif ip:
        scope_filter, limit = {"ip": ip}, settings.WEBKEY_UNLOCKS_PER_MINUTE_PER_IP
    else:
        return
    with scopes_disabled():
        recent = list(UnlockAttempt.objects.filter(**scope_filter, at__gt=now - timedelta(minutes=1))
                      .exclude(code=TooManyRequests.code).order_by("-at").values_list("at", flat=True)[:limit])
    if len(recent) >= limit:
        wait = recent[-1] + timedelta(minutes=1) - now  # until the oldest press counted leaves the minute
        raise TooManyRequests(_("Too many attempts. Please wait a minute and try again."),
                              retry_after=max(1, int(wait.total_seconds()) + 1))


def webkey_unlock(*, token: str, channel: str, ip: str | None = None, now: datetime | None = None,
                  hotel=None) -> LockKey:
    """Open the door of the key's room, if every check passes. Every attempt is logged."""
    now = now or timezone.now()
    key = attempt = None
    try:
        _rate_limit(now, ip=ip)  # first, so presses with made-up links are limited too
        key = webkey_key(token, now=now)
        if hotel is not None and key.hotel_id != hotel.pk:
            raise NotFound(_("This door link is not valid. Please use the link from your access message."))
        attempt = _press(key, channel, ip, now)
        webkey_check(key, now)
        try:
            provider = provider_for(key.hotel)
            _lock_of_hotel(provider, key)
            provider.unlock(lock_id=key.lock_id)
        except LockError as error:
            log.warning("web key %s: unlock failed: %s", key.idempotency_key, error)
            message = _("The door could not be opened right now. Please try again in a moment, or call the hotel.")
            if error.unreachable:
                message = _("The door cannot be reached right now. Please use your PIN on the keypad, "
                            "or call the hotel.")
            raise WebKeyRefused(message, code="lock_error", lock_error=error.code) from error
    except (NotFound, WebKeyRefused, TooManyRequests) as refused:
        _log_attempt(attempt, key, hotel, channel, ip, now, ok=False, code=refused.code,
                     detail=str(refused.params.get("lock_error", "")) or refused.message)
        raise
    _log_attempt(attempt, key, hotel, channel, ip, now, ok=True)
    return key


PRESSED = "pressed"  # an attempt counted against its key's limit whose outcome is not known yet


def _press(key: LockKey, channel: str, ip: str | None, now: datetime) -> UnlockAttempt:
    """Count a press against its key's limit and log it, in one transaction holding the key's row: presses
    of one key queue on that lock (on SQLite every write transaction queues), so each counts every press
    before it and no more than the limit get through. TooManyRequests (nothing logged yet) over it."""
    def count_and_log():
        with scopes_disabled():
            list(LockKey.objects.select_for_update().filter(pk=key.pk).values_list("pk", flat=True))
            _rate_limit(now, key_id=key.pk)
            return UnlockAttempt.objects.create(hotel_id=key.hotel_id, booking_id=key.booking_id, key=key,
                                                at=now, channel=channel, ip=ip, ok=False, code=PRESSED)
    return db.write(count_and_log)


def _log_attempt(attempt, key, hotel, channel, ip, now, *, ok, code="", detail=""):
    with scopes_disabled():
        if attempt is not None:  # counted already: record how it ended
            UnlockAttempt.objects.filter(pk=attempt.pk).update(ok=ok, code=code, detail=detail[:500])
            return
        UnlockAttempt.objects.create(
            hotel_id=key.hotel_id if key else (hotel.pk if hotel else None), booking_id=key.booking_id if key else None,
            key=key, at=now, channel=channel, ip=ip, ok=ok, code=code, detail=detail[:500])


# -- automatic check-out ---------------------------------------------------------------------------

def stays_to_check_out(*, now: datetime) -> list[Booking]:
    """Keyed stays that ended a while ago, for the automatic check-out (innkeeper.journey), which
    revokes their keys through the status change. Cross-hotel: the sweep reads every hotel.

    A stay ends when what the guest paid for ends: a late check-out keeps the guest (and the PIN) in
    the room until its later hour, so the delay counts from there.
    """
    if not settings.LOCKS_AUTO_CHECK_OUT:
        return []
    cutoff = now - timedelta(minutes=settings.LOCKS_AUTO_CHECK_OUT_AFTER_MINUTES)
    with scopes_disabled():
        candidates = (Booking.objects.filter(status__in=KEYED, end__lte=cutoff)
                      .select_related("hotel", "room__room_type")
                      .prefetch_related(Prefetch("add_ons", BookingAddOn.objects.select_related("add_on"))))
        return [booking for booking in candidates
                if booking_selectors.room_held(booking, add_on_codes=[a.add_on.code for a in booking.add_ons.all()]).end
                <= cutoff]


# -- a hotel's own lock-cloud account ----------------------------------------------------------------

def lock_account_set(*, hotel, actor, provider: str, client_id: str = "", client_secret: str = "", username: str = "",
                     password: str = "", base_url: str = "", is_active: bool = True):
    """Owner: the hotel's own TTLock account (or the simulator), overriding the install's LOCK_PROVIDER.

    A blank secret or password keeps the one stored before, so the form never has to show them.
    """
    from innkeeper.core import integrations
    from innkeeper.core.errors import InvalidInput

    if provider not in ("ttlock", "simulator"):
        raise InvalidInput(_("Choose TTLock or the simulator."), field="provider", code="invalid")
    config = ({"client_id": client_id, "client_secret": client_secret, "username": username,
               "password": password, "base_url": base_url} if provider == "ttlock" else {})
    return integrations.account_save(hotel=hotel, actor=actor, kind="lock", provider=provider, config=config,
                                     is_active=is_active, action="lockaccount.set")
