"""Twilio's WhatsApp API: its settings, "Test connection", sending, and its status/inbound webhook.

Webhooks: X-Twilio-Signature = base64 HMAC-SHA1(auth token, URL + the form's parameters sorted by name).
The scheme carries no timestamp; replays are caught by the event id (message SID and status)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from innkeeper.core.providers import Callback, CallbackRefused, ConfigField, register
from innkeeper.messaging.models import MessageStatus as S
from innkeeper.messaging.providers import http
from innkeeper.messaging.providers.base import OptedOut, Outgoing, Permanent, Retryable, Sent
from innkeeper.messaging.providers.whatsapp import (
    Configured,
    Receipt,
    Reply,
    accepted,
    matching,
    message_id,
    short,
)
from innkeeper.messaging.variables import CLOUD_TEMPLATE_PARAMETERS, whatsapp_template

STATUSES = {"sent": S.SENT, "delivered": S.DELIVERED, "read": S.READ, "failed": S.FAILED, "undelivered": S.FAILED}
_SIGNATURE = re.compile(r"[A-Za-z0-9+/]{27}=")  # base64 HMAC-SHA1


def signature(auth_token: str, url: str, params: list[tuple[str, str]]) -> str:
    """Base64 HMAC-SHA1(auth token, URL + each form parameter's name and value, sorted by name)."""
    data = url + "".join(f"{k}{v}" for k, v in sorted(params, key=lambda kv: kv[0]))
    return base64.b64encode(hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def signature_valid(auth_token: str, url: str, params: list[tuple[str, str]], given: str) -> bool:
    """X-Twilio-Signature, trying the URL with and without the default port as Twilio's own libraries do."""
    if not auth_token or not given:
        return False
    found = matching(_SIGNATURE, given, "X-Twilio-Signature").group(0).encode()
    candidates = {url}
    scheme, _sep, rest = url.partition("://")
    host, slash, path = rest.partition("/")
    default = {"https": "443", "http": "80"}.get(scheme)
    if default and host.endswith(f":{default}"):
        candidates.add(f"{scheme}://{host[: -len(default) - 1]}{slash}{path}")
    elif default and ":" not in host:
        candidates.add(f"{scheme}://{host}:{default}{slash}{path}")
    return any(hmac.compare_digest(signature(auth_token, u, params).encode(), found) for u in candidates)


@register
class Twilio(Configured):
    name = "twilio"
    fields = (ConfigField("account_sid", required=True), ConfigField("auth_token", required=True, secret=True),
              ConfigField("from_number", required=True), ConfigField("messaging_service_sid"),
              ConfigField("content_sids", type=dict))
    missing_message = gettext_lazy("Twilio needs the account SID, the auth token and the WhatsApp sender number.")

    @classmethod
    def verify(cls, config: dict, *, hotel=None) -> str:
        """The account (GET /2010-04-01/Accounts/<sid>.json)."""
        cfg = {**cls._install(), **config}
        answer = cls._verify_get(f"{cfg['base_url']}/2010-04-01/Accounts/{cfg['account_sid']}.json",
                                 auth=(cfg["account_sid"], cfg["auth_token"]))
        return _("Connected: the Twilio account is %(status)s.") % {"status": short(answer.get("status"))}

    @classmethod
    def parse_callback(cls, request, config: dict) -> Callback:
        if request.method != "POST":
            raise CallbackRefused("Twilio posts its callbacks")
        # Twilio signs the URL it called: behind a proxy the public one. That is the StatusCallback we
        # gave for receipts; for inbound messages the one set in Twilio's console, which may be an alias.
        urls = [u for u in (config.get("status_callback_url", ""), config.get("public_url", ""))
                if u] or [request.build_absolute_uri()]
        params = [(k, v) for k in request.POST for v in request.POST.getlist(k)]
        given = request.headers.get("X-Twilio-Signature", "")
        if not any(signature_valid(config.get("auth_token", ""), url, params, given) for url in urls):
            raise CallbackRefused("Twilio callback with a missing or wrong signature")
        sid = message_id(request.POST.get("MessageSid"), "MessageSid")
        if "MessageStatus" not in request.POST and "Body" in request.POST:  # the guest's inbound message
            sender = request.POST.get("From", "").removeprefix("whatsapp:")
            return Callback(events=(Reply(sender, request.POST["Body"], f"message:{sid}" if sid else ""),),
                            answer="<Response/>", content_type="text/xml")
        status = request.POST.get("MessageStatus", "")
        detail = " ".join(filter(None, [request.POST.get("ErrorCode", ""), request.POST.get("ErrorMessage", "")]))
        return Callback(events=(Receipt("twilio", sid, STATUSES.get(status, ""), detail,
                                        f"status:{sid}:{status}" if sid else ""),))

    def send(self, message: Outgoing) -> Sent:
        cfg = self.cfg
        template = whatsapp_template(message.type, message.variables)
        by_locale = (cfg.get("content_sids") or {}).get(template) or {}
        content_sid = by_locale.get(message.locale) or by_locale.get("en")
        if content_sid:  # an approved template: allowed outside the 24-hour window
            names = CLOUD_TEMPLATE_PARAMETERS.get(template, [])
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
        return accepted("Twilio", response, lambda answer: answer["sid"])


