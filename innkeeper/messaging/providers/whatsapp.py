"""What the WhatsApp providers share: sending's answers, the "Test connection" call, reading callbacks
(the events, their checks) and the "off" provider. Each provider is one module: waha, cloud, twilio."""

from __future__ import annotations

import hmac
import json
import re
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from innkeeper.core.providers import CallbackMalformed, IntegrationProvider, VerifyFailed, register
from innkeeper.messaging.providers import http
from innkeeper.messaging.providers.base import Provider, SendError, Sent


def digits(e164: str) -> str:
    return e164.lstrip("+")


def accepted(provider: str, response, read_id) -> Sent:
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


VERIFY_TIMEOUT = 5.0  # the panel's "Test connection" waits for the provider this long at most


class Configured(Provider, IntegrationProvider):
    kind = "whatsapp"
    channel = "WHATSAPP"

    def __init__(self, cfg: dict):
        self.cfg = cfg  # the provider's part of the WhatsApp config: the install's or the hotel's own

    @classmethod
    def _install(cls) -> dict:
        """The install's settings of this provider that a hotel's account does not hold (API hosts)."""
        return dict(settings.INNKEEPER_WHATSAPP.get(cls.name) or {})

    @classmethod
    def _verify_get(cls, url: str, **kwargs):
        """GET for ``verify``: a short sentence for any failure, never the remote body."""
        try:
            response = http.request("GET", url, timeout=VERIFY_TIMEOUT, **kwargs)
        except SendError as error:
            raise VerifyFailed(_("The provider could not be reached (%(reason)s).") % {"reason": error}) from None
        if response.status_code in (401, 403):
            raise VerifyFailed(_("The provider refused the credentials (HTTP %(status)s).")
                               % {"status": response.status_code})
        if response.status_code != 200:
            http.logged(response)
            raise VerifyFailed(_("The provider answered HTTP %(status)s.") % {"status": response.status_code})
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise VerifyFailed(_("The provider sent an unreadable answer."))
        return answer


def short(value) -> str:
    """A remote value shown on the panel: plain, one word-ish, short."""
    return "".join(ch for ch in str(value or "") if ch.isalnum() or ch in " +-_.")[:40]


@register
class Off(IntegrationProvider):
    """WhatsApp switched off for the hotel: nothing is sent."""

    kind, name = "whatsapp", "off"

    @classmethod
    def verify(cls, config: dict, *, hotel=None) -> str:
        return _("WhatsApp is switched off for this hotel.")


# -- reading callbacks ---------------------------------------------------------------------------------

class MalformedSignature(CallbackMalformed):
    """A signature header that no signature of the scheme could look like."""


def matching(pattern: re.Pattern, signature: str, header: str) -> re.Match:
    found = pattern.fullmatch(signature.strip())
    if not found:
        raise MalformedSignature(f"the {header} header is not in the provider's signature format")
    return found


def hex_hmac_valid(secret: str, body: bytes, signature: str, *, pattern: re.Pattern, header: str,
                   digest) -> bool:
    """A hex HMAC of the raw body (the pattern's last group, or the whole match), compared in constant time.
    No secret or no signature is never valid; a signature not in the pattern raises MalformedSignature."""
    if not secret or not signature:
        return False
    found = matching(pattern, signature, header)
    given = found.group(found.re.groups).lower()
    expected = hmac.new(secret.encode(), body, digest).hexdigest()
    return hmac.compare_digest(expected.encode(), given.encode())


@dataclass(frozen=True)
class Receipt:
    provider: str
    message_id: str
    status: str
    detail: str = ""
    event_id: str = ""
    at: float | None = None


@dataclass(frozen=True)
class Reply:
    sender: str
    text: str
    event_id: str = ""
    at: float | None = None


def message_id_max() -> int:
    """No message id of ours is longer than the column that holds it; a longer one cannot be stored either."""
    from innkeeper.messaging.models import Message

    return Message._meta.get_field("provider_message_id").max_length


def obj(value, what: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise CallbackMalformed(f"{what} is not an object")
    return value


def items(value, what: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise CallbackMalformed(f"{what} is not a list")
    return value


def text(value, what: str) -> str:
    """A text field; a number stands for its digits (some providers send ids and codes as numbers)."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise CallbackMalformed(f"{what} is not text")
    return str(value)


def message_id(value, what: str) -> str:
    found = text(value, what)
    if len(found) > message_id_max():
        raise CallbackMalformed(f"{what} is longer than any message id")
    return found


def epoch(value, what: str, *, millis: bool = False) -> float | None:
    """A callback's timestamp (epoch seconds, or milliseconds), as seconds; None when absent."""
    if value is None or value == "":
        return None
    try:
        if isinstance(value, bool):
            raise ValueError
        seconds = float(value)
    except (TypeError, ValueError):
        raise CallbackMalformed(f"{what} is not a timestamp") from None
    return seconds / 1000 if millis else seconds


def json_body(body: bytes) -> dict:
    try:
        event = json.loads(body)
    except (ValueError, RecursionError):  # not JSON (or not UTF-8), or nested deeper than the parser goes
        raise CallbackMalformed("the body is not JSON") from None
    if not isinstance(event, dict):
        raise CallbackMalformed("the body is not a JSON object")
    return event
