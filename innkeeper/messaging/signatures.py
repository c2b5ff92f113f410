"""Webhook signature checks, each provider's scheme, always on the raw bytes and in constant time.

A missing signature, or one made with another key, is not valid (False). A signature header that is not
in the scheme's format at all (not hex, wrong length, another algorithm, non-ASCII) raises
``MalformedSignature``: the request is malformed, not merely unsigned.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

_WAHA = re.compile(r"[0-9a-fA-F]{128}")  # hex HMAC-SHA512
_CLOUD = re.compile(r"sha256=([0-9a-fA-F]{64})")  # hex HMAC-SHA256
_TWILIO = re.compile(r"[A-Za-z0-9+/]{27}=")  # base64 HMAC-SHA1


class MalformedSignature(ValueError):
    """A signature header that no signature of the scheme could look like."""


def _matching(pattern: re.Pattern, signature: str, header: str) -> re.Match:
    found = pattern.fullmatch(signature.strip())
    if not found:
        raise MalformedSignature(f"the {header} header is not in the provider's signature format")
    return found


def waha_valid(key: str, body: bytes, signature: str) -> bool:
    """WAHA: X-Webhook-Hmac = hex HMAC-SHA512 of the raw body."""
    if not key or not signature:
        return False
    given = _matching(_WAHA, signature, "X-Webhook-Hmac").group(0).lower()
    expected = hmac.new(key.encode(), body, hashlib.sha512).hexdigest()
    return hmac.compare_digest(expected.encode(), given.encode())


def cloud_valid(app_secret: str, body: bytes, signature: str) -> bool:
    """WhatsApp Cloud API: X-Hub-Signature-256 = "sha256=" + hex HMAC-SHA256(app secret, raw body)."""
    if not app_secret or not signature:
        return False
    given = _matching(_CLOUD, signature, "X-Hub-Signature-256").group(1).lower()
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), given.encode())


def twilio_signature(auth_token: str, url: str, params: list[tuple[str, str]]) -> str:
    """Base64 HMAC-SHA1(auth token, URL + each form parameter's name and value, sorted by name)."""
    data = url + "".join(f"{k}{v}" for k, v in sorted(params, key=lambda kv: kv[0]))
    return base64.b64encode(hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def twilio_valid(auth_token: str, url: str, params: list[tuple[str, str]], signature: str) -> bool:
    """X-Twilio-Signature, trying the URL with and without the default port as Twilio's own libraries do."""
    if not auth_token or not signature:
        return False
    given = _matching(_TWILIO, signature, "X-Twilio-Signature").group(0).encode()
    candidates = {url}
    scheme, _, rest = url.partition("://")
    host, slash, path = rest.partition("/")
    default = {"https": "443", "http": "80"}.get(scheme)
    if default and host.endswith(f":{default}"):
        candidates.add(f"{scheme}://{host[: -len(default) - 1]}{slash}{path}")
    elif default and ":" not in host:
        candidates.add(f"{scheme}://{host}:{default}{slash}{path}")
    return any(hmac.compare_digest(twilio_signature(auth_token, u, params).encode(), given)
               for u in candidates)
