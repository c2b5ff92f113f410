"""Delivery receipts and guests' replies from the WhatsApp providers: verify the signature, then act.

An unsigned or wrongly signed callback is answered 403 and changes nothing; a signed one that is not in
the provider's format (not JSON, the wrong shape or types, a signature header no signature could look
like) is answered 400 and changes nothing either: every event in it is read and checked before any is
applied. Receipts are idempotent
(a status is only ever moved forward), and so are opt-outs (a reply "STOP" records one once), so the
providers' at-least-once delivery is harmless.

The install's hook URLs (``/hooks/waha`` ...) are verified with the install's secrets and touch only
messages sent through the install's account; a hotel with its own account has its own URLs
(``/hooks/waha/<hotel slug>/`` ...), verified with that account's secrets, that touch only its messages.
"""

from __future__ import annotations

import functools
import json
import logging
from dataclasses import dataclass

from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from django_scopes import scopes_disabled

from innkeeper.hotels.models import Hotel
from innkeeper.messaging import providers, services, signatures
from innkeeper.messaging.models import Message
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


class Malformed(ValueError):
    """A signed callback that is not what the provider sends: answered 400, nothing applied."""


# No message id of ours is longer than the column that holds it; a longer one cannot be stored either.
MESSAGE_ID_MAX = Message._meta.get_field("provider_message_id").max_length


def _object(value, what: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Malformed(f"{what} is not an object")
    return value


def _items(value, what: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise Malformed(f"{what} is not a list")
    return value


def _text(value, what: str) -> str:
    """A text field; a number stands for its digits (some providers send ids and codes as numbers)."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise Malformed(f"{what} is not text")
    return str(value)


def _message_id(value, what: str) -> str:
    message_id = _text(value, what)
    if len(message_id) > MESSAGE_ID_MAX:
        raise Malformed(f"{what} is longer than any message id")
    return message_id


@dataclass(frozen=True)
class _Receipt:
    provider: str
    message_id: str
    status: str
    detail: str = ""


@dataclass(frozen=True)
class _Reply:
    sender: str
    text: str


def _apply(events: list, account_hotel_id) -> None:
    """Act on a callback's events, all read and checked first, so a malformed one leaves nothing half done."""
    for event in events:
        if isinstance(event, _Receipt):
            _receipt(event.provider, event.message_id, event.status, event.detail, account_hotel_id)
        else:
            _reply(event.sender, event.text, account_hotel_id)


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


def _answers_malformed_with_400(view):
    """A callback that is not in the provider's format (its signature header or its body) is answered 400."""
    @functools.wraps(view)
    def checked(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except (Malformed, signatures.MalformedSignature) as exc:
            log.warning("malformed callback at %s refused: %s", request.path, exc)
            return HttpResponseBadRequest(f"malformed callback: {exc}", content_type="text/plain")
    return checked


def _json(body: bytes) -> dict:
    try:
        event = json.loads(body)
    except (ValueError, RecursionError):  # not JSON (or not UTF-8), or nested deeper than the parser goes
        raise Malformed("the body is not JSON") from None
    if not isinstance(event, dict):
        raise Malformed("the body is not a JSON object")
    return event


def _waha_events(event: dict) -> list:
    payload = _object(event.get("payload"), "payload")
    if event.get("event") == "message.ack":
        ack = payload.get("ack")
        if ack is not None and (isinstance(ack, bool) or not isinstance(ack, int)):
            raise Malformed("payload.ack is not a number")
        return [_Receipt("waha", _message_id(payload.get("id"), "payload.id"), WAHA_ACKS.get(ack, ""),
                         _text(payload.get("ackName"), "payload.ackName"))]
    if event.get("event") == "message" and not payload.get("fromMe"):
        sender = _text(payload.get("from"), "payload.from")
        text = _text(payload.get("body"), "payload.body")
        if sender.endswith("@c.us"):  # a phone number; an @lid sender cannot be matched to one
            return [_Reply("+" + sender[: -len("@c.us")], text)]
    return []


@csrf_exempt
@require_POST
@_answers_malformed_with_400
def waha(request, hotel_slug=None):
    cfg, hotel_id = _account("waha", hotel_slug)
    if not signatures.waha_valid(cfg["webhook_hmac_key"], request.body, request.headers.get("X-Webhook-Hmac", "")):
        return _forbidden("WAHA")
    _apply(_waha_events(_json(request.body)), hotel_id)
    return HttpResponse(status=200)


@csrf_exempt
@require_POST
@_answers_malformed_with_400
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
    _receipt("twilio", _message_id(request.POST.get("MessageSid"), "MessageSid"), status, detail, hotel_id)
    return HttpResponse(status=200)


def _cloud_events(event: dict) -> list:
    events = []
    for entry in _items(event.get("entry"), "entry"):
        for change in _items(_object(entry, "an entry").get("changes"), "changes"):
            value = _object(_object(change, "a change").get("value"), "value")
            for inbound in _items(value.get("messages"), "messages"):
                inbound = _object(inbound, "a message")
                text = (_text(_object(inbound.get("text"), "text").get("body"), "text.body")
                        or _text(_object(inbound.get("button"), "button").get("text"), "button.text"))
                events.append(_Reply("+" + _text(inbound.get("from"), "from"), text))
            for st in _items(value.get("statuses"), "statuses"):
                st = _object(st, "a status")
                errors = _items(st.get("errors"), "errors")
                first = _object(errors[0], "an error") if errors else {}
                detail = f"{_text(first.get('code'), 'code')} {_text(first.get('title'), 'title')}".strip()
                events.append(_Receipt("cloud", _message_id(st.get("id"), "id"),
                                       CLOUD_STATUSES.get(_text(st.get("status"), "status"), ""), detail))
    return events


@csrf_exempt
@require_http_methods(["GET", "POST"])
@_answers_malformed_with_400
def whatsapp_cloud(request, hotel_slug=None):
    cfg, hotel_id = _account("cloud", hotel_slug)
    if request.method == "GET":  # Meta's subscription handshake
        token = cfg["verify_token"]
        if (token and request.GET.get("hub.mode") == "subscribe"
                and constant_time_compare(request.GET.get("hub.verify_token", ""), token)):
            return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
        return HttpResponseForbidden("bad verify token")
    if not signatures.cloud_valid(cfg["app_secret"], request.body, request.headers.get("X-Hub-Signature-256", "")):
        return _forbidden("WhatsApp Cloud API")
    _apply(_cloud_events(_json(request.body)), hotel_id)
    return HttpResponse(status=200)
