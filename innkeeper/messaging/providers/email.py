"""E-mail through Django's EMAIL_BACKEND: SMTP, any django-anymail backend, or the demo simulator."""

from __future__ import annotations

import hashlib
import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from innkeeper.core.providers import ConfigField, IntegrationProvider, register
from innkeeper.messaging.providers.base import Outgoing, Permanent, Provider, Retryable, Sent

# The attribute the guest outbox sets on its e-mails: the demo's simulator records them as guest messages.
GUEST_MAIL = "innkeeper_guest_message"


def message_id(idempotency_key: str) -> str:
    """The same Message-ID for every attempt of one message, so receivers (and the log) see one mail."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
    return f"<{digest}@innkeeper>"


@register
class DjangoEmail(Provider, IntegrationProvider):
    """The install's EMAIL_BACKEND (SMTP, anymail or the demo's simulator); a hotel's account of kind
    "email" gives only its sender: the From name and address and the Reply-To."""

    kind, name, registry_name = "email", "email", "smtp"
    channel = "EMAIL"
    fields = (ConfigField("from_name"), ConfigField("from_address"), ConfigField("reply_to"))

    @classmethod
    def verify(cls, config: dict, *, hotel=None) -> str:
        return _("Mail goes through this installation's mail server; nothing to connect to.")

    def __init__(self, from_email: str = "", reply_to: list[str] | None = None):
        self.from_email = from_email or settings.DEFAULT_FROM_EMAIL
        self.reply_to = reply_to or []

    @property
    def deduplicates(self) -> bool:
        """Only the demo's simulator recognises a repeated Message-ID (its backend says so); an SMTP server
        delivers it again."""
        return getattr(import_string(settings.EMAIL_BACKEND), "recognises_message_id", False) is True

    def send(self, message: Outgoing) -> Sent:
        mid = message_id(message.idempotency_key)
        mail = EmailMultiAlternatives(message.subject, message.body_text, self.from_email, [message.recipient],
                                      headers={"Message-ID": mid}, reply_to=self.reply_to)
        if message.body_html:
            mail.attach_alternative(message.body_html, "text/html")
        for name, content, mimetype in message.attachments:
            mail.attach(name, content, mimetype)
        setattr(mail, GUEST_MAIL, True)  # backends ignore it; the demo's simulator records it
        try:
            mail.send()
        except smtplib.SMTPRecipientsRefused as exc:
            raise Permanent(f"recipient refused: {exc.recipients}", code="recipient_refused") from exc
        except smtplib.SMTPResponseException as exc:
            text = f"SMTP {exc.smtp_code}: {exc.smtp_error!r}"
            if 500 <= exc.smtp_code < 600:
                raise Permanent(text, code=str(exc.smtp_code)) from exc
            raise Retryable(text, code=str(exc.smtp_code)) from exc
        except (smtplib.SMTPException, OSError) as exc:  # disconnects, refused connections, timeouts
            raise Retryable(f"{exc.__class__.__name__}: {exc}", code="unreachable") from exc
        except Exception as exc:
            _raise_anymail(exc)
            raise
        return Sent(provider_message_id=_anymail_id(mail) or mid)


def _raise_anymail(exc: Exception) -> None:
    from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused

    if isinstance(exc, AnymailRecipientsRefused):
        raise Permanent(str(exc), code="recipient_refused") from exc
    if isinstance(exc, AnymailAPIError):
        status = exc.status_code
        if status is None or status == 429 or status >= 500:
            raise Retryable(str(exc), code=str(status or "unreachable")) from exc
        raise Permanent(str(exc), code=str(status)) from exc


def _anymail_id(mail) -> str:
    """The ESP's message id when an anymail backend sent it (one recipient, so one id)."""
    mid = getattr(getattr(mail, "anymail_status", None), "message_id", None)
    if isinstance(mid, (set, frozenset)):
        mid = min(map(str, mid)) if mid else None
    return "" if mid is None else str(mid)
