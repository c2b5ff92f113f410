"""One view for every provider callback: ``/hooks/<kind>/<provider>/<account id or "install">``.

It finds the account the URL names, lets the provider's ``parse_callback`` verify the request with that
account's secrets and read its events, refuses a callback whose own timestamp is more than five minutes
off (where the scheme carries one) and skips an event id already seen for the account (a replay), then
applies the events in one transaction. An unsigned or wrongly signed callback is answered 403, one not in
the provider's format 400, and neither changes anything.

A PMS's callback (``/hooks/pms/<provider>/<account id>``) names a hotel's own PMS account: its events are
stored once each (pms.models.InboundEvent) and a worker fetches and applies the reservations they name; the
answer is 200 at once. A refused one is answered 401 there, as PMSs expect.

The install's account (``install``) is verified with the install's secrets and touches only messages sent
through it; a hotel's own account, with its own secrets, only that hotel's messages.
"""

from __future__ import annotations

import logging
import time

from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from django_scopes import scopes_disabled

from innkeeper.core import integrations
from innkeeper.core import providers as registry
from innkeeper.journey.tasks import pms_event_task
from innkeeper.messaging import providers, services
from innkeeper.messaging.providers.whatsapp import Receipt
from innkeeper.pms import services as pms

log = logging.getLogger(__name__)


def _plain(value) -> str:
    """A callback's text without NUL characters, which a PostgreSQL text column cannot hold."""
    return str(value or "").replace("\x00", "")


def _known_id(account: str) -> bool:
    """An id a database key can hold (a longer number would be an error there, not a 404)."""
    return account.isascii() and account.isdigit() and len(account) <= 18


def _account(request, kind: str, provider: str, account: str) -> tuple[dict, int | None, str]:
    """The config the callback is verified with, the hotel whose own account it is (None: the install's),
    and the account's name for its seen events. An account the URL cannot name is a 404."""
    if kind == "pms":
        row = integrations.account_by_id(int(account), kind, provider) if _known_id(account) else None
        if row is None:
            raise Http404
        return dict(row.config or {}), row.hotel_id, f"{kind}/{provider}/{account}"
    if kind != "whatsapp" or provider not in providers.HOOKED:
        raise Http404
    if account == registry.INSTALL:
        config, hotel_id = dict(providers.whatsapp_config()[provider]), None
    else:
        row = integrations.account_by_id(int(account), kind, provider) if _known_id(account) else None
        if row is None:
            raise Http404
        config, hotel_id = dict(providers.whatsapp_config(row.hotel_id)[provider]), row.hotel_id
    base = providers.public_base()
    config["public_url"] = base + request.get_full_path() if base else ""
    return config, hotel_id, f"{kind}/{provider}/{account}"


def _apply(event, hotel_id: int | None) -> None:
    if isinstance(event, Receipt):
        if event.message_id and event.status and "\x00" not in event.message_id:  # no id of ours holds a NUL
            services.message_receipt(provider=event.provider, provider_message_id=event.message_id,
                                     status=event.status, detail=_plain(event.detail), account_hotel_id=hotel_id)
    elif event.sender and event.text and "\x00" not in event.sender:
        services.whatsapp_reply(sender=event.sender, text=_plain(event.text), account_hotel_id=hotel_id)


def callback(request, kind: str, provider: str, account: str) -> HttpResponse:
    config, hotel_id, ref = _account(request, kind, provider, account)
    try:
        parsed = registry.get(kind, provider).parse_callback(request, config)
    except registry.CallbackRefused as refused:
        log.warning("%s callback at %s refused: %s", provider, request.path, refused)
        if kind == "pms":
            return HttpResponse("bad signature", status=401, content_type="text/plain")
        return HttpResponseForbidden("bad signature")
    except registry.CallbackMalformed as exc:
        log.warning("malformed callback at %s refused: %s", request.path, exc)
        return HttpResponseBadRequest(f"malformed callback: {exc}", content_type="text/plain")
    if parsed.handshake:
        return HttpResponse(parsed.answer, content_type=parsed.content_type)
    now = time.time()
    if any(registry.stale(event.at, now) for event in parsed.events):
        log.warning("%s callback at %s refused: its timestamp is more than 5 minutes off", provider, request.path)
        if kind == "pms":
            return HttpResponse("stale callback", status=401, content_type="text/plain")
        return HttpResponseForbidden("stale callback")
    if kind == "pms":
        return _pms_events(parsed.events, ref=ref, account=integrations.account_by_id(int(account), kind, provider))
    # Every event read and checked first, then all applied or none.
    with transaction.atomic(), scopes_disabled():  # a receipt names a provider message id, whichever hotel sent it
        for event in parsed.events:
            if event.event_id and not integrations.event_first_seen(account=ref, event_id=event.event_id,
                                                                   hotel_id=hotel_id):
                log.info("%s callback at %s: event %s seen before, skipped", provider, request.path, event.event_id)
                continue
            _apply(event, hotel_id)
    if parsed.answer:
        return HttpResponse(parsed.answer, content_type=parsed.content_type)
    return HttpResponse(status=200)


def _pms_events(events, *, ref: str, account) -> HttpResponse:
    """Each PMS event kept once (a replayed id is skipped), its worker rung after commit; 200 at once."""
    stored = []
    with transaction.atomic(), scopes_disabled():  # the account names its hotel
        for event in events:
            if not integrations.event_first_seen(account=ref, event_id=event.event_id, hotel_id=account.hotel_id):
                log.info("pms callback for account %s: event %s seen before, skipped", account.pk, event.event_id)
                continue
            row = pms.event_store(account=account, event=event)
            if row is not None:
                stored.append(row.pk)
        transaction.on_commit(lambda: [_ring(pk) for pk in stored])
    return HttpResponse(status=200)


def _ring(event_id: int) -> None:
    try:
        pms_event_task.delay(event_id)
    except Exception:  # a broker that is down loses nothing: the sweep processes stored events
        log.warning("could not queue PMS event %s; the sweep will take it", event_id, exc_info=True)


hook = csrf_exempt(require_http_methods(["GET", "POST"])(callback))
