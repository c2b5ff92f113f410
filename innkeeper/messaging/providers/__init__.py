"""Providers by channel, chosen by settings (EMAIL_BACKEND for e-mail, WHATSAPP_PROVIDER for WhatsApp)."""

from __future__ import annotations

from django.conf import settings

from innkeeper.messaging.providers.base import (  # noqa: F401
    OptedOut,
    Outgoing,
    Permanent,
    Provider,
    Retryable,
    Sent,
)


def for_channel(channel: str) -> Provider | None:
    """The configured provider for ``channel``; None when the channel is switched off."""
    from innkeeper.messaging.providers import email, simulator, whatsapp

    if channel == "EMAIL":
        return email.DjangoEmail()
    name = settings.INNKEEPER_WHATSAPP["provider"]
    registry = {"waha": whatsapp.Waha, "cloud": whatsapp.CloudApi, "twilio": whatsapp.Twilio,
                "simulator": simulator.WhatsAppSimulator}
    return registry[name]() if name in registry else None
