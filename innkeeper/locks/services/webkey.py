"""What the guest is told (the access details) and the web key: a signed link that opens the room's door."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from innkeeper.core import dates, db, tokens
from innkeeper.core.errors import Conflict, NotFound, TooManyRequests
from innkeeper.hotels.links import hotel_url
from innkeeper.locks.models import KeyKind, KeyMethod, KeyStatus, LockKey, UnlockAttempt
from innkeeper.locks.providers import LockError, provider_for
from innkeeper.locks.services.keys import KEYED, OFFLINE_FIRST_USE
from innkeeper.locks.services.operations import _lock_of_hotel

log = logging.getLogger(__name__)


WEBKEY_SALT = "innkeeper.locks.webkey"


# -- what the guest is told ------------------------------------------------------------------------

def webkey_token(key: LockKey) -> str:
    return tokens.sign({"k": key.pk, "b": key.booking_id, "r": key.room_id,
                          "u": int(key.valid_until.timestamp())}, salt=WEBKEY_SALT)


# An app key the guest may be told about: on the lock, or on its way there (not one the lock cloud refused).
APP_KEY_TOLD = (KeyStatus.PENDING, KeyStatus.ACTIVE, KeyStatus.MOVING)
NEW_ACCOUNT_PASSWORD_LENGTH = 6  # TTLock's createUser: a new account's password is the name's last six characters


def access_details(key: LockKey) -> dict:
    """Everything the access instructions carry: the PIN, the web-key link, the room, the window, for
    an offline passcode the time by which the guest must first type it (in the guest's language), and when
    the booking has an app key, the TTLock account it went to and that account's first password if TTLock
    made the account for it."""
    booking = key.booking
    first_use_by = ""
    if key.kind == KeyKind.OFFLINE:
        first_use_by = dates.format_moment(key.valid_from + OFFLINE_FIRST_USE, booking.locale, tz=booking.hotel.tz)
    with scopes_disabled():  # filtered by the key's own hotel and booking; workers run outside any scope
        app = (LockKey.objects.filter(hotel_id=key.hotel_id, booking_id=key.booking_id, method=KeyMethod.APP,
                                      status__in=APP_KEY_TOLD).order_by("-generation").first())
    return {
        "app_key_account": app.receiver if app else "",
        "app_key_password": app.receiver[-NEW_ACCOUNT_PASSWORD_LENGTH:] if app else "",
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
               .filter(pk=key_id, booking_id=booking_id, room_id=room_id, method=KeyMethod.PIN).first())
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
        raise WebKeyRefused(_("The door opens from %(time)s.") % {
                                "time": dates.format_moment(key.valid_from, tz=booking.hotel.tz)},
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
