"""Meta's WhatsApp Cloud API: its settings, "Test connection", sending templates, and its webhook.

Webhooks: X-Hub-Signature-256 = "sha256=" + hex HMAC-SHA256(app secret, raw body); every status and
message carries its own id and ``timestamp`` (seconds), which the hook checks for replays. A GET is
Meta's subscription handshake with the verify token."""

from __future__ import annotations

import hashlib
import re

from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from innkeeper.core.providers import Callback, CallbackRefused, ConfigField, register
from innkeeper.messaging.models import MessageStatus as S
from innkeeper.messaging.providers import http
from innkeeper.messaging.providers.base import Outgoing, Retryable, Sent
from innkeeper.messaging.providers.whatsapp import (
    Configured,
    Receipt,
    Reply,
    accepted,
    digits,
    epoch,
    hex_hmac_valid,
    items,
    json_body,
    message_id,
    obj,
    short,
    text,
)
from innkeeper.messaging.variables import CLOUD_TEMPLATE_PARAMETERS, whatsapp_template

STATUSES = {"sent": S.SENT, "delivered": S.DELIVERED, "read": S.READ, "failed": S.FAILED}
_SIGNATURE = re.compile(r"sha256=([0-9a-fA-F]{64})")  # hex HMAC-SHA256


def signature_valid(app_secret: str, body: bytes, signature: str) -> bool:
    """X-Hub-Signature-256 = "sha256=" + hex HMAC-SHA256(app secret, raw body), in constant time."""
    return hex_hmac_valid(app_secret, body, signature, pattern=_SIGNATURE, header="X-Hub-Signature-256",
                          digest=hashlib.sha256)


def events(event: dict) -> list:
    found = []
    for entry in items(event.get("entry"), "entry"):
        for change in items(obj(entry, "an entry").get("changes"), "changes"):
            value = obj(obj(change, "a change").get("value"), "value")
            for inbound in items(value.get("messages"), "messages"):
                inbound = obj(inbound, "a message")
                body = (text(obj(inbound.get("text"), "text").get("body"), "text.body")
                        or text(obj(inbound.get("button"), "button").get("text"), "button.text"))
                inbound_id = text(inbound.get("id"), "id")
                found.append(Reply("+" + text(inbound.get("from"), "from"), body,
                                   f"message:{inbound_id}" if inbound_id else "",
                                   epoch(inbound.get("timestamp"), "timestamp")))
            for st in items(value.get("statuses"), "statuses"):
                st = obj(st, "a status")
                errors = items(st.get("errors"), "errors")
                first = obj(errors[0], "an error") if errors else {}
                detail = f"{text(first.get('code'), 'code')} {text(first.get('title'), 'title')}".strip()
                status_id, status = message_id(st.get("id"), "id"), text(st.get("status"), "status")
                found.append(Receipt("cloud", status_id, STATUSES.get(status, ""), detail,
                                     f"status:{status_id}:{status}" if status_id else "",
                                     epoch(st.get("timestamp"), "timestamp")))
    return found


# Cloud API error codes worth another try: throughput, pair rate and spam rate limits.
CLOUD_RETRYABLE = {130429, 131056, 131048, 2, 4, 80007}


@register
class CloudApi(Configured):
    """Approved UTILITY templates named ``innkeeper_<type>``: allowed outside the 24-hour window."""

    name = "cloud"
    fields = (ConfigField("access_token", required=True, secret=True), ConfigField("phone_number_id", required=True),
              ConfigField("app_secret", required=True, secret=True), ConfigField("verify_token", secret=True))
    missing_message = gettext_lazy("The WhatsApp Cloud API needs the access token, the phone number id and the app "
                            "secret.")

    @classmethod
    def verify(cls, config: dict, *, hotel=None) -> str:
        """The phone number (GET /<version>/<phone number id>)."""
        cfg = {**cls._install(), **config}
        answer = cls._verify_get(f"{cfg['base_url']}/{cfg['api_version']}/{cfg['phone_number_id']}",
                                 headers={"Authorization": f"Bearer {cfg['access_token']}"})
        return _("Connected: the phone number is %(number)s.") % {
            "number": short(answer.get("display_phone_number") or answer.get("id"))}

    @classmethod
    def parse_callback(cls, request, config: dict) -> Callback:
        if request.method == "GET":  # Meta's subscription handshake
            token = config.get("verify_token", "")
            if (token and request.GET.get("hub.mode") == "subscribe"
                    and constant_time_compare(request.GET.get("hub.verify_token", ""), token)):
                return Callback(answer=request.GET.get("hub.challenge", ""), handshake=True)
            raise CallbackRefused("bad verify token")
        if not signature_valid(config.get("app_secret", ""), request.body,
                               request.headers.get("X-Hub-Signature-256", "")):
            raise CallbackRefused("WhatsApp Cloud API callback with a missing or wrong signature")
        return Callback(events=tuple(events(json_body(request.body))))

    def send(self, message: Outgoing) -> Sent:
        cfg = self.cfg
        template = whatsapp_template(message.type, message.variables)
        names = CLOUD_TEMPLATE_PARAMETERS.get(template, [])
        parameters = [{"type": "text", "text": str(message.variables.get(n) or "-")} for n in names]
        body = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": digits(message.recipient),
                "type": "template",
                "template": {"name": f"innkeeper_{template.lower()}", "language": {"code": message.locale},
                             "components": [{"type": "body", "parameters": parameters}]}}
        response = http.request("POST", f"{cfg['base_url']}/{cfg['api_version']}/{cfg['phone_number_id']}/messages",
                                headers={"Authorization": f"Bearer {cfg['access_token']}"}, json=body)
        if response.status_code != 200:
            try:
                code = int(response.json()["error"]["code"])
            except (ValueError, KeyError, TypeError):
                code = 0
            if code in CLOUD_RETRYABLE:
                raise Retryable(f"rate limited ({code})", code=str(code))
            raise http.permanent(response, code=str(code or response.status_code))
        return accepted("Cloud API", response, lambda answer: answer["messages"][0]["id"])


