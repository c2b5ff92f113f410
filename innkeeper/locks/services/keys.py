"""Keys in the business transaction: the validity window, queuing a key, revoking and re-issuing it, staff's
issue and revoke, and the stays whose keys the automatic check-out takes back.

A booking has a PIN and, where its hotel gives them (``providers.app_keys_for``), an app key beside it: a
TTLock eKey for the same room and the same window, sent to the guest's account at TTLock. Both are LockKey
rows (``method``), written together; a changed stay re-issues the PIN and moves the app key to the new
times (MOVING), a new room replaces both, and the end of the stay revokes both.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Protocol

import phonenumbers
from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from innkeeper.booking import selectors as booking_selectors
from innkeeper.booking.models import Booking, BookingAddOn
from innkeeper.booking.states import Status
from innkeeper.core import activity
from innkeeper.core import outbox as core_outbox
from innkeeper.core.errors import Conflict
from innkeeper.locks.models import LIVE, KeyMethod, KeyStatus, LockKey
from innkeeper.locks.providers import AppKeys, app_keys_for
from innkeeper.locks.selectors import stay_has_smart_lock

SYSTEM = "system"
KIND = "lock_key"  # the outbox kind of LockKey rows
LEASE = timedelta(minutes=2)  # a claimed row is left alone this long; after it the sweeper takes it again
PIN_DIGITS = 6
OFFLINE_FIRST_USE = timedelta(hours=24)  # an offline period passcode dies unless first used this soon after it starts
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
    """When the door opens for ``booking``: its stay window (what the guest paid for, as every page and message
    states it), widened by the grace on both sides.

    The grace is at most half the room type's turnover, so the PIN of a guest leaving stops before the
    PIN of the next guest starts: two keys on one lock never overlap, as their stays never do. The window
    also stays inside what the booking holds in the database (``blocks_from``/``blocks_until``, shifted by
    the grace), so a longer late check-out configured after the booking was made cannot reach into the
    next guest's key.
    """
    stay = booking_selectors.stay_window(booking)  # the times the guest is told, on every page and message
    grace = min(timedelta(minutes=settings.LOCKS_GRACE_MINUTES), stay.turnover / 2)
    return stay.start - grace, min(stay.end + grace, booking.blocks_until - grace)


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
PROVIDER_SAYS = ("key_active", "key_failed", "key_revoke_failed", "key_revoked", "key_moved")


def _event(key: LockKey, action: str, **data) -> None:
    """``booking.<action>`` in the booking's history; an app key's is ``booking.app_<action>``."""
    by_provider = action in PROVIDER_SAYS and key.provider
    verb = f"app_{action}" if key.method == KeyMethod.APP else action
    _booking_event(key.booking, verb, activity.Actor.provider(key.provider) if by_provider else SYSTEM,
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


def keys_issue_for(*, booking: Booking, now: datetime) -> LockKey | None:
    """Queue the keys for ``booking`` (in the caller's transaction): its PIN, and its app key where the hotel
    gives them. Returns the PIN's key. Asking twice gives the same keys. A stay whose room has no smart lock
    (``stay_has_smart_lock``) gets none: no rows, no lock operations; None, and a line in its history.

    The app key's row is written first: a worker's batch takes due keys in the order they were written, so
    by the time the PIN works and its access message is queued, the app key has had its first answer from
    the lock cloud (the message tells the guest about it only if it is there or on its way)."""
    live = LockKey.objects.filter(booking=booking, method=KeyMethod.PIN, status__in=LIVE).first()
    if live is None and not stay_has_smart_lock(booking):
        _booking_event(booking, "key_at_reception", SYSTEM, room=booking.room.number)
        return None
    app_key_issue_for(booking=booking, now=now)
    if live is not None:
        return live
    last = LockKey.objects.filter(booking=booking, method=KeyMethod.PIN).order_by("-generation").first()
    return _new_key(booking, (last.generation + 1) if last else 1, now)


# -- the app key ----------------------------------------------------------------------------------

def app_receiver(booking: Booking) -> str:
    """The guest's account name at the lock vendor: their e-mail, else their phone number in E.164 (read in
    the hotel's country when it has no country code); "" when they gave neither in a usable form."""
    email = (booking.guest_email or "").strip().lower()
    if email:
        return email
    raw = (booking.guest_phone or "").strip()
    try:
        number = phonenumbers.parse(raw, None if raw.startswith("+") else (booking.hotel.country.code or None))
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_valid_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def app_key_name(booking: Booking) -> str:
    """What the guest sees the key called in the app."""
    return f"{booking.hotel.name} {booking.reference}"[:50]


def _new_app_key(booking: Booking, generation: int, now: datetime, app_keys: AppKeys) -> LockKey | None:
    receiver = app_receiver(booking)
    if not receiver:
        _booking_event(booking, "app_key_skipped", SYSTEM)
        return None
    valid_from, valid_until = key_window(booking)  # the PIN's window, to the second
    key = LockKey.objects.create(
        hotel_id=booking.hotel_id, booking=booking, room_id=booking.room_id, lock_id=booking.room.lock_id,
        method=KeyMethod.APP, generation=generation, idempotency_key=f"{booking.pk}:app:{generation}",
        status=KeyStatus.PENDING, receiver=receiver, remote_unlock=app_keys.remote_unlock,
        window_from=valid_from, window_until=valid_until, valid_from=valid_from, valid_until=valid_until,
        next_attempt_at=now)
    _event(key, "key_queued", room=booking.room.number)
    _dispatch(key.pk)
    return key


def app_key_issue_for(*, booking: Booking, now: datetime) -> LockKey | None:
    """Queue the app key for ``booking`` (in the caller's transaction) if its hotel gives them and the guest
    has an e-mail or phone number for an account; None otherwise. Asking twice gives the same key."""
    live = LockKey.objects.filter(booking=booking, method=KeyMethod.APP, status__in=LIVE).first()
    if live is not None:
        return live
    app_keys = app_keys_for(booking.hotel) if stay_has_smart_lock(booking) else None
    if app_keys is None:
        return None
    last = LockKey.objects.filter(booking=booking, method=KeyMethod.APP).order_by("-generation").first()
    return _new_app_key(booking, (last.generation + 1) if last else 1, now, app_keys)


def _app_key_on_booking_changed(booking: Booking, now: datetime) -> None:
    """A new room: the app key goes and one for the new room's lock is sent. New times in the same room: the
    key is moved (TTLock's key/changePeriod), the same key in the guest's app."""
    live = LockKey.objects.select_for_update().filter(booking=booking, method=KeyMethod.APP, status__in=LIVE).first()
    if live is None:
        return
    if live.room_id != booking.room_id:
        _revoke(live, "changed", now)
        app_keys = app_keys_for(booking.hotel) if stay_has_smart_lock(booking) else None
        if app_keys is not None:
            _new_app_key(booking, live.generation + 1, now, app_keys)
        return
    window = key_window(booking)
    if (live.window_from, live.window_until) == window:
        return
    live.window_from, live.window_until = window
    live.valid_from, live.valid_until = window
    # A key on the lock moves. One being sent or moved takes the new times when it is done (the worker
    # compares what it sent with the row); one that was never made gets them when staff try it again.
    if live.status == KeyStatus.ACTIVE or (live.status == KeyStatus.FAILED and live.remote_id):
        live.status, live.attempts, live.next_attempt_at = KeyStatus.MOVING, 0, now
        _dispatch(live.pk)
    live.save()
    _event(live, "key_move_queued", status=live.status)


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
    """After new dates or a new room: re-issue the PIN if its room or window no longer fit (and move or
    replace the app key). Returns the PIN's key."""
    if booking.status not in KEYED:
        return None
    _app_key_on_booking_changed(booking, now)  # first, as at check-in: a new room's app key before its PIN
    live = LockKey.objects.select_for_update().filter(booking=booking, method=KeyMethod.PIN, status__in=LIVE).first()
    if live is None:
        return None
    if live.room_id == booking.room_id and (live.window_from, live.window_until) == key_window(booking):
        return live
    _revoke(live, "changed", now)
    if not stay_has_smart_lock(booking):  # moved to a room without a smart lock: its key is at reception
        _booking_event(booking, "key_at_reception", SYSTEM, room=booking.room.number)
        return None
    return _new_key(booking, live.generation + 1, now)


def keys_on_booking_status(*, booking: Booking, now: datetime) -> None:
    """The booking services call this after every status change (in their transaction)."""
    if booking.status in ENDED:
        keys_revoke_for(booking=booking, reason=booking.status.lower(), now=now)


def current_key(booking: Booking) -> LockKey | None:
    """The booking's newest PIN key, whatever its state."""
    return (LockKey.objects.filter(booking=booking, method=KeyMethod.PIN).order_by("-generation")
            .select_related("room", "booking").first())


def keys_issue_by_staff(*, booking: Booking, actor: str, now: datetime | None = None) -> LockKey:
    """Staff: issue the key now (e.g. the guest checked in at the desk). Needs a checked-in booking."""
    now = now or timezone.now()
    with transaction.atomic():
        b = Booking.objects.select_for_update(of=("self",)).select_related("room").get(pk=booking.pk)
        if b.status not in KEYED:
            raise Conflict(_("Keys are issued once the guest has checked in (online or at the desk)."),
                           code="not_checked_in")
        if not stay_has_smart_lock(b):
            raise Conflict(_("Room %(number)s has no smart lock, so there is no key to put on a lock: the guest "
                             "collects the key at reception.") % {"number": b.room.number}, code="no_smart_lock")
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
