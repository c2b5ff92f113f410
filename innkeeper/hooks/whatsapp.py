"""Delivery receipts and guests' replies from the WhatsApp providers: verify the signature, then act.

An unsigned or wrongly signed callback is answered 403 and changes nothing. Receipts are idempotent
(a status is only ever moved forward), and so are opt-outs (a reply "STOP" records one once), so the
providers' at-least-once delivery is harmless.

The install's hook URLs (``/hooks/waha`` ...) are verified with the install's secrets and touch only
messages sent through the install's account; a hotel with its own account has its own URLs
(``/hooks/waha/<hotel slug>/`` ...), verified with that account's secrets, that touch only its messages.
"""

from __future__ import annotations

import json
import logging

from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from django_scopes import scopes_disabled

from innkeeper.hotels.models import Hotel
from innkeeper.messaging import providers, services, signatures
from innkeeper.messaging.models import MessageStatus as S

log = logging.getLogger(__name__)

WAHA_ACKS = {-1: S.FAILED, 1: S.SENT, 2: S.DELIVERED, 3: S.READ, 4: S.READ}
TWILIO_STATUSES = {"sent": S.SENT, "delivered": S.DELIVERED, "read": S.READ, "failed": S.FAILED,
                   "undelivered": S.FAILED}
CLOUD_STATUSES = {"sent": S.SENT, "delivered": S.DELIVERED, "read": S.READ, "failed": S.FAILED}


def _account(provider: str, hotel_slug: str | None) -> tuple[dict, int | None]:
    """The provider's config the callback is verified with, and the hotel whose own account it is for
    (None: the install's). A hotel without an active own account of this provider has no such URL."""
    if hotel_slug is None:
        return providers.whatsapp_config()[provider], None
    with scopes_disabled():
        hotel = Hotel.objects.filter(slug=hotel_slug).first()
    cfg = providers.whatsapp_config(hotel.pk) if hotel else {}
    if not cfg.get("own") or cfg["provider"] != provider:
        raise Http404
    return cfg[provider], hotel.pk


def _plain(value) -> str:
    """A callback's text without NUL characters, which a PostgreSQL text column cannot hold."""
    return str(value or "").replace("\x00", "")


def _receipt(provider: str, message_id: str, status: str, detail: str = "", account_hotel_id=None) -> None:
    if message_id and status and "\x00" not in message_id:  # no id of ours holds a NUL
        with scopes_disabled():  # a receipt names a provider message id, whichever hotel sent it
            services.message_receipt(provider=provider, provider_message_id=message_id, status=status,
                                     detail=_plain(detail), account_hotel_id=account_hotel_id)


def _reply(sender: str, text: str, account_hotel_id=None) -> None:
    if sender and text and "\x00" not in sender:
        with scopes_disabled():  # the install's WhatsApp account is shared by its hotels
            services.whatsapp_reply(sender=sender, text=_plain(text), account_hotel_id=account_hotel_id)


def _forbidden(provider: str) -> HttpResponse:
    log.warning("%s callback with a missing or wrong signature ignored", provider)
    return HttpResponseForbidden("bad signature")


def _json(body: bytes):
    try:
        return json.loads(body)
    except ValueError:
        return None


@csrf_exempt
@require_POST
def waha(request, hotel_slug=None):
    cfg, hotel_id = _account("waha", hotel_slug)
    if not signatures.waha_valid(cfg["webhook_hmac_key"], request.body, request.headers.get("X-Webhook-Hmac", "")):
        return _forbidden("WAHA")
    event = _json(request.body)
    if not isinstance(event, dict):
        return HttpResponse(status=400)
    payload = event.get("payload") or {}
    if event.get("event") == "message.ack":
        _receipt("waha", str(payload.get("id") or ""), WAHA_ACKS.get(payload.get("ack"), ""),
                 str(payload.get("ackName") or ""), hotel_id)
    elif event.get("event") == "message" and not payload.get("fromMe"):
        sender = str(payload.get("from") or "")
        if sender.endswith("@c.us"):  # a phone number; an @lid sender cannot be matched to one
            _reply("+" + sender[: -len("@c.us")], str(payload.get("body") or ""), hotel_id)
    return HttpResponse(status=200)


@csrf_exempt
@require_POST
def twilio(request, hotel_slug=None):
    cfg, hotel_id = _account("twilio", hotel_slug)
    # Twilio signs the URL it called; behind a proxy that is the configured public URL, not ours.
    url = cfg["status_callback_url"] or request.build_absolute_uri()
    params = [(k, v) for k in request.POST for v in request.POST.getlist(k)]
    if not signatures.twilio_valid(cfg["auth_token"], url, params, request.headers.get("X-Twilio-Signature", "")):
        return _forbidden("Twilio")
    if "MessageStatus" not in request.POST and "Body" in request.POST:  # the guest's inbound message
        sender = request.POST.get("From", "")
        _reply(sender.removeprefix("whatsapp:"), request.POST["Body"], hotel_id)
        return HttpResponse("<Response/>", content_type="text/xml")
    status = TWILIO_STATUSES.get(request.POST.get("MessageStatus", ""), "")
    detail = " ".join(filter(None, [request.POST.get("ErrorCode", ""), request.POST.get("ErrorMessage", "")]))
    _receipt("twilio", request.POST.get("MessageSid", ""), status, detail, hotel_id)
    return HttpResponse(status=200)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def whatsapp_cloud(request, hotel_slug=None):
    cfg, hotel_id = _account("cloud", hotel_slug)
    if request.method == "GET":  # Meta's subscription handshake
        token = cfg["verify_token"]
        if token and request.GET.get("hub.mode") == "subscribe" and request.GET.get("hub.verify_token") == token:
            return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
        return HttpResponseForbidden("bad verify token")
    if not signatures.cloud_valid(cfg["app_secret"], request.body, request.headers.get("X-Hub-Signature-256", "")):
        return _forbidden("WhatsApp Cloud API")
    event = _json(request.body)
    if not isinstance(event, dict):
        return HttpResponse(status=400)
    for entry in event.get("entry") or []:
        for change in entry.get("changes") or []:
            value = change.get("value") or {}
            for inbound in value.get("messages") or []:
                text = (inbound.get("text") or {}).get("body") or (inbound.get("button") or {}).get("text") or ""
                _reply("+" + str(inbound.get("from") or ""), str(text), hotel_id)
            for st in value.get("statuses") or []:
                errors = st.get("errors") or []
                detail = f"{errors[0].get('code', '')} {errors[0].get('title', '')}".strip() if errors else ""
                _receipt("cloud", str(st.get("id") or ""), CLOUD_STATUSES.get(st.get("status"), ""), detail,
                         hotel_id)
    return HttpResponse(status=200)
