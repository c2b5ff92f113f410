"""The hotel's WAHA session from the panel: start it, scan its QR code, see its status and linked number,
log it out.

A request only writes what was asked (``session_request``) and rings the worker; the worker
(``session_run``) calls WAHA, writes what it found on the hotel's WhatsAppSession row (the QR code as
a PNG, fetched afresh each time it looks, since WAHA rotates it every 20-60 s) and looks again every few
seconds while WAHA waits for a scan or is starting, for WATCH_FOR after the request. The panel shows the
row, the QR image included: the WAHA key never reaches a browser and no request waits on WAHA.

Which session: a hotel's own WAHA account names its session (``default`` unless set); the install's
WAHA Plus (WAHA_TIER=plus) serves each hotel a session of its own; the install's WAHA Core serves one
session, ``default``, to every hotel (``shared``): a hotel sees its status but may not log it out or
start it over, which would cut off every hotel on it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from innkeeper.core import audit, checks
from innkeeper.core.errors import Conflict
from innkeeper.messaging.models import WhatsAppSession
from innkeeper.messaging.providers import http
from innkeeper.messaging.providers.base import SendError

log = logging.getLogger(__name__)

ACTIONS = ("start", "logout", "refresh")
WATCH_FOR = timedelta(seconds=150)  # how long the worker keeps looking for a scan (as long as waiting.js)
LOOK_EVERY = 5  # seconds between looks meanwhile
TIMEOUT = 8.0
WAITING = (WhatsAppSession.STARTING, WhatsAppSession.SCAN_QR_CODE)
QR_MAX_BYTES = 512 * 1024


@dataclass(frozen=True)
class Target:
    """Where the hotel's session lives; ``shared``: the install's WAHA Core session that every hotel uses."""

    base_url: str
    api_key: str
    session: str
    guarded: bool
    shared: bool


def session_target(hotel) -> Target | None:
    """The hotel's WAHA session, or None when its WhatsApp does not go through WAHA."""
    from innkeeper.messaging.providers import whatsapp_config

    cfg = whatsapp_config(hotel.pk)
    if cfg["provider"] != "waha":
        return None
    waha = cfg["waha"]
    shared = not cfg["own"] and waha.get("tier", "core") != "plus"
    return Target(base_url=(waha.get("base_url") or "").rstrip("/"), api_key=waha.get("api_key") or "",
                  session=waha.get("session") or "default", guarded=bool(waha.get("guarded")), shared=shared)


def session_of(hotel) -> WhatsAppSession | None:
    with scopes_disabled():  # filtered by the hotel given
        return WhatsAppSession.objects.filter(hotel_id=hotel.pk).first()


def session_checking(row: WhatsAppSession | None, now=None) -> bool:
    """True while the worker is on a request, or still looking while WAHA waits for a scan."""
    if row is None or row.requested_at is None:
        return False
    now = now or timezone.now()
    if checks.state(requested_at=row.requested_at, done_at=row.checked_at, now=now) == checks.CHECKING:
        return True
    return row.status in WAITING and now - row.requested_at < WATCH_FOR


def session_request(*, hotel, action: str, actor, now=None) -> WhatsAppSession:
    """Ask the worker to ``start`` the session (then show its QR code), ``logout`` (unlink the number) or
    ``refresh`` (look again). Refused for a hotel without WAHA, and start/log out of a shared session."""
    from innkeeper.messaging.tasks import waha_session_task

    if action not in ACTIONS:
        raise ValueError(action)
    target = session_target(hotel)
    if target is None:
        raise Conflict(_("This hotel's WhatsApp does not go through WAHA."), code="not_waha")
    if target.shared and action != "refresh":
        raise Conflict(_("This WhatsApp number is the installation's, shared by every hotel on it: only the "
                         "operator can link or unlink it."), code="waha_shared")
    now = now or timezone.now()
    with transaction.atomic(), scopes_disabled():  # filtered by the hotel given
        row, _created = WhatsAppSession.objects.get_or_create(hotel_id=hotel.pk)
        row = WhatsAppSession.objects.select_for_update().get(pk=row.pk)
        row.action, row.requested_at, row.name = action, now, target.session
        row.save(update_fields=["action", "requested_at", "name"])
        if action != "refresh":
            audit.record(hotel=hotel, actor=actor, action=f"whatsappsession.{action}", obj=row,
                         after={"session": target.session})
        checks.ring(waha_session_task, row.pk)
    return row


class _Failed(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _call(target: Target, method: str, path: str, **kwargs):
    """One WAHA call; a short sentence (never WAHA's own answer) for any failure."""
    try:
        response = http.request(method, target.base_url + path, guarded=target.guarded, timeout=TIMEOUT,
                                headers={"X-Api-Key": target.api_key, **kwargs.pop("headers", {})}, **kwargs)
    except SendError as error:
        raise _Failed(_("WAHA could not be reached (%(reason)s).") % {"reason": error}) from None
    if response.status_code in (401, 403):
        raise _Failed(_("WAHA refused the API key (HTTP %(status)s).") % {"status": response.status_code})
    if response.status_code == 422 and "only 'default' session" in response.text:
        raise _Failed(_("This WAHA server is WAHA Core, which serves only the session “default”: set WAHA_TIER "
                        "to core, or the hotel's session to default."))
    return response


def _json(response) -> dict:
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        http.logged(response)
        raise _Failed(_("WAHA sent an unreadable answer (HTTP %(status)s).") % {"status": response.status_code})
    return answer


def _status(target: Target) -> dict | None:
    """The session as WAHA has it; None when WAHA does not know it."""
    response = _call(target, "GET", f"/api/sessions/{target.session}")
    if response.status_code == 404:
        return None
    if response.status_code != 200:
        http.logged(response)
        raise _Failed(_("WAHA answered HTTP %(status)s.") % {"status": response.status_code})
    return _json(response)


def _start(target: Target, known: dict | None) -> None:
    if known is None:  # create it, which starts it
        response = _call(target, "POST", "/api/sessions", json={"name": target.session})
    elif known.get("status") in (WhatsAppSession.STOPPED, WhatsAppSession.FAILED):
        response = _call(target, "POST", f"/api/sessions/{target.session}/start")
    else:
        return  # starting, waiting for a scan, or working already
    if response.status_code not in (200, 201) and not (response.status_code == 422 and "already" in response.text):
        http.logged(response)
        raise _Failed(_("WAHA did not start the session (HTTP %(status)s).") % {"status": response.status_code})


def _logout(target: Target) -> None:
    response = _call(target, "POST", f"/api/sessions/{target.session}/logout")
    if response.status_code not in (200, 201, 404):
        http.logged(response)
        raise _Failed(_("WAHA did not log the session out (HTTP %(status)s).") % {"status": response.status_code})


def _qr(target: Target) -> bytes:
    response = _call(target, "GET", f"/api/{target.session}/auth/qr", headers={"Accept": "image/png"})
    data = response.content
    if response.status_code != 200 or not data.startswith(b"\x89PNG\r\n\x1a\n") or len(data) > QR_MAX_BYTES:
        http.logged(response)
        return b""  # the QR rotated or the session moved on: the next look fetches a new one
    return data


def _me(target: Target, known: dict) -> tuple[str, str]:
    me = known.get("me")
    if not isinstance(me, dict):
        response = _call(target, "GET", f"/api/sessions/{target.session}/me")
        me = _json(response) if response.status_code == 200 else {}
    chat = str(me.get("id") or "")
    digits = chat.split("@", 1)[0]
    return ("+" + digits if digits.isdigit() else ""), str(me.get("pushName") or "")[:100]


def session_run(*, session_id: int, now=None) -> WhatsAppSession | None:
    """The worker's part: do what was asked, then read the session (its QR code while it waits for a scan,
    its number once linked) onto the row. None when the row is gone."""
    with scopes_disabled():  # a worker serves every hotel; the row names one
        row = WhatsAppSession.objects.select_related("hotel").filter(pk=session_id).first()
    if row is None:
        return None
    target = session_target(row.hotel)
    found = {"qr_png": b"", "phone": "", "push_name": "", "error": ""}
    try:
        if target is None:
            raise _Failed(_("This hotel's WhatsApp does not go through WAHA."))
        first_look = row.checked_at is None or row.requested_at is None or row.checked_at < row.requested_at
        known = _status(target)
        if first_look and row.action == "start" and not target.shared:
            _start(target, known)
            known = _status(target)
        elif first_look and row.action == "logout" and not target.shared and known is not None:
            _logout(target)
            known = _status(target)
        status = str((known or {}).get("status") or WhatsAppSession.STOPPED)
        found["status"] = status if status in dict(WhatsAppSession.STATUSES) else WhatsAppSession.FAILED
        if status == WhatsAppSession.SCAN_QR_CODE:
            found["qr_png"] = _qr(target)
        elif status == WhatsAppSession.WORKING:
            found["phone"], found["push_name"] = _me(target, known)
        found["name"] = target.session
    except _Failed as failed:
        found["error"] = failed.message[:300]
    now = now or timezone.now()
    with scopes_disabled():
        WhatsAppSession.objects.filter(pk=row.pk).update(
            checked_at=now, qr_at=now if found["qr_png"] else None, **found)
        return WhatsAppSession.objects.get(pk=row.pk)


def session_look_again(row: WhatsAppSession, now=None) -> bool:
    """True when the worker should look again in LOOK_EVERY seconds: WAHA still waits for a scan or is
    starting, and the person asked less than WATCH_FOR ago."""
    now = now or timezone.now()
    return (not row.error and row.status in WAITING and row.requested_at is not None
            and now - row.requested_at < WATCH_FOR)
