"""WhatsApp providers: WAHA (self-hosted), Meta's Cloud API (templates) and Twilio."""

from __future__ import annotations

import json

from innkeeper.messaging.providers import http
from innkeeper.messaging.providers.base import OptedOut, Outgoing, Permanent, Provider, Retryable, Sent
from innkeeper.messaging.variables import CLOUD_TEMPLATE_PARAMETERS


def _digits(e164: str) -> str:
    return e164.lstrip("+")


def _accepted(provider: str, response, read_id) -> Sent:
    """A 2xx answer: the provider has the message. Sending it again would send it twice, so an answer
    we cannot read, or one without an id, is still SENT (with no id, so no receipts) and says so."""
    try:
        message_id = read_id(response.json())
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        message_id = None
    if message_id:
        return Sent(provider_message_id=str(message_id))
    http.logged(response)
    return Sent(provider_message_id="", note=f"{provider} accepted the message (HTTP {response.status_code}) but "
                                             "its answer carried no message id")


class _Configured(Provider):
    channel = "WHATSAPP"

    def __init__(self, cfg: dict):
        self.cfg = cfg  # the provider's part of the WhatsApp config: the install's or the hotel's own


class Waha(_Configured):
    name = "waha"

    def send(self, message: Outgoing) -> Sent:
        cfg = self.cfg
        response = http.request("POST", f"{cfg['base_url']}/api/sendText", guarded=cfg.get("guarded", False),
                                headers={"X-Api-Key": cfg["api_key"]},
                                json={"session": cfg["session"], "chatId": f"{_digits(message.recipient)}@c.us",
                                      "text": message.body_text, "linkPreview": False})
        if response.status_code not in (200, 201):
            raise http.permanent(response)
        return _accepted("WAHA", response, _waha_id)


def _waha_id(answer):
    message_id = answer["id"]
    if isinstance(message_id, dict):  # some engines answer {"id": {"_serialized": ...}}
        message_id = message_id["_serialized"]
    return message_id


# Cloud API error codes worth another try: throughput, pair rate and spam rate limits.
CLOUD_RETRYABLE = {130429, 131056, 131048, 2, 4, 80007}


class CloudApi(_Configured):
    """Approved UTILITY templates named ``innkeeper_<type>``: allowed outside the 24-hour window."""

    name = "cloud"

    def send(self, message: Outgoing) -> Sent:
        cfg = self.cfg
        names = CLOUD_TEMPLATE_PARAMETERS.get(message.type, [])
        parameters = [{"type": "text", "text": str(message.variables.get(n) or "-")} for n in names]
        body = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": _digits(message.recipient),
                "type": "template",
                "template": {"name": f"innkeeper_{message.type.lower()}", "language": {"code": message.locale},
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
        return _accepted("Cloud API", response, lambda answer: answer["messages"][0]["id"])


class Twilio(_Configured):
    name = "twilio"

    def send(self, message: Outgoing) -> Sent:
        cfg = self.cfg
        by_locale = (cfg.get("content_sids") or {}).get(message.type) or {}
        content_sid = by_locale.get(message.locale) or by_locale.get("en")
        if content_sid:  # an approved template: allowed outside the 24-hour window
            names = CLOUD_TEMPLATE_PARAMETERS.get(message.type, [])
            variables = {str(i): str(message.variables.get(n) or "-") for i, n in enumerate(names, 1)}
            form = {"To": f"whatsapp:{message.recipient}", "MessagingServiceSid": cfg["messaging_service_sid"],
                    "ContentSid": content_sid, "ContentVariables": json.dumps(variables, ensure_ascii=False)}
        else:  # free text: WhatsApp delivers it only within 24 hours of the guest's last message
            sender = cfg["from_number"]
            form = {"To": f"whatsapp:{message.recipient}",
                    "From": sender if sender.startswith("whatsapp:") else f"whatsapp:{sender}",
                    "Body": message.body_text}
        if cfg["status_callback_url"]:
            form["StatusCallback"] = cfg["status_callback_url"]
        response = http.request(
            "POST", f"{cfg['base_url']}/2010-04-01/Accounts/{cfg['account_sid']}/Messages.json",
            auth=(cfg["account_sid"], cfg["auth_token"]), data=form)
        if response.status_code not in (200, 201):
            try:
                code = int(response.json().get("code") or 0)
            except (ValueError, AttributeError):
                code = 0
            if code in (20429, 63018):
                raise Retryable(f"rate limited ({code})", code=str(code))
            http.logged(response)
            if code == 21610:
                raise OptedOut("the guest unsubscribed (replied STOP; Twilio 21610)", code="21610")
            if code == 63016:
                raise Permanent("WhatsApp delivers free text only within 24 hours of the guest's last message: "
                                f"set an approved content template for {message.type} in TWILIO_CONTENT_SIDS "
                                "(Twilio 63016)", code="63016")
            raise Permanent(f"refused ({response.status_code}{f'; Twilio {code}' if code else ''})",
                            code=str(code or 400))
        return _accepted("Twilio", response, lambda answer: answer["sid"])
