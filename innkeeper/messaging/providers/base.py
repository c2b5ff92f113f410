"""The provider interface: one outgoing message in, a provider message id out, or a classified error."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Outgoing:
    channel: str
    recipient: str  # e-mail address, or E.164 phone number (+4915...)
    body_text: str
    idempotency_key: str
    type: str = ""
    locale: str = "en"
    subject: str = ""
    body_html: str = ""
    variables: dict = field(default_factory=dict)
    attachments: tuple = ()  # (file name, bytes, MIME type), for e-mail


@dataclass(frozen=True)
class Sent:
    provider_message_id: str
    note: str = ""  # e.g. the provider accepted the message but its answer could not be read


class SendError(Exception):
    def __init__(self, message: str, *, code: str = ""):
        super().__init__(message)
        self.code = code


class Retryable(SendError):
    """Try again later (timeout, 5xx, 429, unreachable); ``retry_after`` in seconds when the provider said.

    ``unclear``: the request reached the provider but no answer came (a read timeout), so it may have
    sent the message; trying again may send it twice unless the provider recognises the key."""

    def __init__(self, message: str, *, code: str = "", retry_after: float | None = None, unclear: bool = False):
        super().__init__(message, code=code)
        self.retry_after = retry_after
        self.unclear = unclear


class Permanent(SendError):
    """Sending again will not help (invalid number, rejected template, refused recipient)."""


class OptedOut(Permanent):
    """The provider refuses because the guest unsubscribed (e.g. replied STOP): we record the opt-out."""


class Provider:
    name = "provider"
    channel = ""
    # True when a repeated hand-over with the same idempotency key is recognised and sends nothing new.
    deduplicates = False
    own = False  # True when it sends through the hotel's own account rather than the install's

    def send(self, message: Outgoing) -> Sent:  # pragma: no cover - interface
        raise NotImplementedError
