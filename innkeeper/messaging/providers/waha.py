"""WAHA (self-hosted WhatsApp HTTP API): its settings, "Test connection", sending, and its webhook.

Webhooks: X-Webhook-Hmac = hex HMAC-SHA512 of the raw body; the body carries the event's ``id`` and its
``timestamp`` (milliseconds), which the hook checks for replays."""

from __future__ import annotations

import hashlib
import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from innkeeper.core.providers import Callback, CallbackMalformed, CallbackRefused, ConfigField, register
from innkeeper.messaging.models import MessageStatus as S
from innkeeper.messaging.providers import http
from innkeeper.messaging.providers.base import Outgoing, Sent
from innkeeper.messaging.providers.whatsapp import (
    Configured,
    Receipt,
    Reply,
    accepted,
    digits,
    epoch,
    hex_hmac_valid,
    json_body,
    message_id,
    obj,
    short,
    text,
)

ACKS = {-1: S.FAILED, 1: S.SENT, 2: S.DELIVERED, 3: S.READ, 4: S.READ}
_SIGNATURE = re.compile(r"[0-9a-fA-F]{128}")  # hex HMAC-SHA512


def signature_valid(key: str, body: bytes, signature: str) -> bool:
    """X-Webhook-Hmac = hex HMAC-SHA512 of the raw body, compared in constant time."""
    return hex_hmac_valid(key, body, signature, pattern=_SIGNATURE, header="X-Webhook-Hmac",
                          digest=hashlib.sha512)


def events(event: dict, event_id: str) -> list:
    at = epoch(event.get("timestamp"), "timestamp", millis=True)
    payload = obj(event.get("payload"), "payload")
    if event.get("event") == "message.ack":
        ack = payload.get("ack")
        if ack is not None and (isinstance(ack, bool) or not isinstance(ack, int)):
            raise CallbackMalformed("payload.ack is not a number")
        return [Receipt("waha", message_id(payload.get("id"), "payload.id"), ACKS.get(ack, ""),
                        text(payload.get("ackName"), "payload.ackName"), event_id, at)]
    if event.get("event") == "message" and not payload.get("fromMe"):
        sender = text(payload.get("from"), "payload.from")
        body = text(payload.get("body"), "payload.body")
        if sender.endswith("@c.us"):  # a phone number; an @lid sender cannot be matched to one
            return [Reply("+" + sender[: -len("@c.us")], body, event_id, at)]
    return []


@register
class Waha(Configured):
    name = "waha"
    fields = (ConfigField("base_url", required=True, url=True), ConfigField("api_key", required=True, secret=True),
              ConfigField("session"), ConfigField("webhook_hmac_key", required=True, secret=True))
    missing_message = gettext_lazy("WAHA needs its server address and API key.")

    @classmethod
    def verify(cls, config: dict, *, hotel=None) -> str:
        """The session's status (GET /api/sessions/<session>)."""
        base, session = config.get("base_url", "").rstrip("/"), config.get("session") or "default"
        answer = cls._verify_get(f"{base}/api/sessions/{session}", guarded=config.get("guarded", True),
                                 headers={"X-Api-Key": config.get("api_key", "")})
        return _("Connected: the WAHA session is %(status)s.") % {"status": short(answer.get("status"))}

    @classmethod
    def parse_callback(cls, request, config: dict) -> Callback:
        if request.method != "POST":
            raise CallbackRefused("WAHA posts its callbacks")
        if not signature_valid(config.get("webhook_hmac_key", ""), request.body,
                               request.headers.get("X-Webhook-Hmac", "")):
            raise CallbackRefused("WAHA callback with a missing or wrong signature")
        event = json_body(request.body)
        # The event's own id; without one the body itself, so the very same body is still a replay.
        event_id = text(event.get("id"), "id") or "sha256:" + hashlib.sha256(request.body).hexdigest()
        return Callback(events=tuple(events(event, event_id)))

    def send(self, message: Outgoing) -> Sent:
        cfg = self.cfg
        response = http.request("POST", f"{cfg['base_url']}/api/sendText", guarded=cfg.get("guarded", False),
                                headers={"X-Api-Key": cfg["api_key"]},
                                json={"session": cfg["session"], "chatId": f"{digits(message.recipient)}@c.us",
                                      "text": message.body_text, "linkPreview": False})
        if response.status_code not in (200, 201):
            raise http.permanent(response)
        return accepted("WAHA", response, _waha_id)


def _waha_id(answer):
    message_id = answer["id"]
    if isinstance(message_id, dict):  # some engines answer {"id": {"_serialized": ...}}
        message_id = message_id["_serialized"]
    return message_id


