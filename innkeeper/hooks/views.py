"""One view for every provider callback: ``/hooks/<kind>/<provider>/<account id or "install">``.

It finds the account the URL names, lets the provider's ``parse_callback`` verify the request with that
account's secrets and read its events, refuses a callback whose own timestamp is more than five minutes
off (where the scheme carries one) and skips an event id already seen for the account (a replay), then
applies the events in one transaction. An unsigned or wrongly signed callback is answered 403, one not in
the provider's format 400, and neither changes anything.

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
from innkeeper.messaging import providers, services
from innkeeper.messaging.providers.whatsapp import Receipt

log = logging.getLogger(__name__)


def _plain(value) -> str:
    """A callback's text without NUL characters, which a PostgreSQL text column cannot hold."""
    return str(value or "").replace("\x00", "")


def _account(request, kind: str, provider: str, account: str) -> tuple[dict, int | None, str]:
    """The config the callback is verified with, the hotel whose own account it is (None: the install's),
    and the account's name for its seen events. An account the URL cannot name is a 404."""
    if kind != "whatsapp" or provider not in providers.HOOKED:
        raise Http404
    if account == registry.INSTALL:
        config, hotel_id = dict(providers.whatsapp_config()[provider]), None
    else:
        # An id a database key can hold (a longer number would be an error there, not a 404).
        known = account.isascii() and account.isdigit() and len(account) <= 18
        row = integrations.account_by_id(int(account), kind, provider) if known else None
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
        return HttpResponseForbidden("bad signature")
    except registry.CallbackMalformed as exc:
        log.warning("malformed callback at %s refused: %s", request.path, exc)
        return HttpResponseBadRequest(f"malformed callback: {exc}", content_type="text/plain")
    if parsed.handshake:
        return HttpResponse(parsed.answer, content_type=parsed.content_type)
    now = time.time()
    if any(registry.stale(event.at, now) for event in parsed.events):
        log.warning("%s callback at %s refused: its timestamp is more than 5 minutes off", provider, request.path)
        return HttpResponseForbidden("stale callback")
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


hook = csrf_exempt(require_http_methods(["GET", "POST"])(callback))
