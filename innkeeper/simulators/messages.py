"""Simulators for the demo: they record what would have been sent; the demo outbox page shows it."""

from __future__ import annotations

from django.core.mail.backends.base import BaseEmailBackend
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from innkeeper.core.providers import IntegrationProvider, register
from innkeeper.messaging.providers.base import Outgoing, Provider, Sent
from innkeeper.messaging.providers.email import GUEST_MAIL
from innkeeper.simulators.models import SimulatedMessage


def _record(**fields):
    try:
        with transaction.atomic():
            return SimulatedMessage.objects.create(**fields)
    except IntegrityError:  # the same key again: already recorded, record nothing twice
        return SimulatedMessage.objects.get(channel=fields["channel"], key=fields["key"])


class EmailBackend(BaseEmailBackend):
    """A Django e-mail backend (EMAIL_BACKEND) that records each mail, keyed by its Message-ID.

    Only mail that the guest outbox marked (``GUEST_MAIL``) is recorded as a guest message; anything
    else sent through Django (password resets, invitations) counts as staff mail."""

    recognises_message_id = True  # a repeated Message-ID records nothing new (innkeeper.messaging.providers.email)

    def send_messages(self, email_messages):
        for mail in email_messages:
            html = next((content for content, mime in getattr(mail, "alternatives", []) if mime == "text/html"), "")
            _record(channel="EMAIL", key=mail.extra_headers.get("Message-ID", ""), recipient=", ".join(mail.to),
                    sender=mail.from_email or "", subject=mail.subject, body_text=mail.body, body_html=html,
                    guest=getattr(mail, GUEST_MAIL, False) is True)
        return len(email_messages)


@register
class WhatsAppSimulator(Provider, IntegrationProvider):
    kind, name = "whatsapp", "simulator"
    channel = "WHATSAPP"
    deduplicates = True  # one recorded message per key

    def send(self, message: Outgoing) -> Sent:
        row = _record(channel="WHATSAPP", key=message.idempotency_key, recipient=message.recipient,
                      body_text=message.body_text, guest=True)  # WhatsApp goes to guests only
        return Sent(provider_message_id=f"sim-{row.pk}")

    @classmethod
    def verify(cls, config: dict, *, hotel=None) -> str:
        return _("Connected: the simulator records every message on the demo outbox page.")


def guest_messages(limit: int = 50) -> list[SimulatedMessage]:
    """What the demo outbox page shows: the newest messages to guests, never staff mail."""
    return list(SimulatedMessage.objects.filter(guest=True)[:limit])
