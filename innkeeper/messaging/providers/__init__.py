"""Providers by channel, and the one place that says which account a hotel's messages go through: the
hotel's own ``IntegrationAccount`` of the kind ("whatsapp", "email") when it has an active one, else the
install's settings (EMAIL_BACKEND and DEFAULT_FROM_EMAIL for e-mail, WHATSAPP_PROVIDER and its variables
for WhatsApp). Each provider registers itself in core's registry when this package is imported; the demo's
simulator registers itself from innkeeper.simulators, which only demo mode installs."""

from __future__ import annotations

import copy
from email.utils import formataddr, parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from innkeeper.core import integrations
from innkeeper.core import providers as registry
from innkeeper.messaging.providers.base import (  # noqa: F401
    OptedOut,
    Outgoing,
    Permanent,
    Provider,
    Retryable,
    Sent,
)


def account_for(hotel_id: int | None, kind: str = "whatsapp"):
    """The hotel's active account of ``kind`` ("whatsapp" or "email"), or None."""
    return integrations.account_for(hotel_id, kind)


HOOKED = ("waha", "twilio", "cloud")  # the providers that call back with receipts and replies
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "[::1]", "testserver", "*")


def public_base() -> str:
    """The install's public origin (``https://host``): that of TWILIO_STATUS_CALLBACK_URL when set, else the
    first PLATFORM_HOSTS name a provider could reach; "" when none is known."""
    public = urlsplit(settings.INNKEEPER_WHATSAPP["twilio"]["status_callback_url"])
    if public.netloc:
        return f"{public.scheme}://{public.netloc}"
    for host in settings.INNKEEPER_PLATFORM_HOSTS:
        if host and not host.startswith(".") and host not in LOCAL_HOSTS and not host.endswith(".localhost"):
            port = f":{settings.HOTEL_LINK_PORT}" if settings.HOTEL_LINK_PORT else ""
            return f"{settings.HOTEL_LINK_SCHEME}://{host}{port}"
    return ""


def hook_url(provider: str, account_id: int) -> str:
    """The public URL of a hotel's own hook for ``provider`` (``/hooks/whatsapp/<provider>/<account id>``):
    the one shown to the owner, sent to Twilio as the StatusCallback and that Twilio's signatures are
    checked against; "" when it cannot be known."""
    base = public_base()
    if provider not in HOOKED or not base:
        return ""
    return base + reverse("hook", args=["whatsapp", provider, str(account_id)], urlconf=settings.ROOT_URLCONF)


def plus_session(hotel_id: int) -> str:
    """The hotel's session on the install's WAHA Plus: named by its id, which a rename does not change."""
    return f"hotel-{hotel_id}"


def whatsapp_config(hotel_id: int | None = None) -> dict:
    """Settings-shaped WhatsApp config for the hotel (``own``: True when it is the hotel's own account)."""
    account = account_for(hotel_id, "whatsapp")
    cfg = copy.deepcopy(settings.INNKEEPER_WHATSAPP)
    if account is None:
        if hotel_id is not None and cfg["provider"] == "waha" and cfg["waha"].get("tier") == "plus":
            cfg["waha"]["session"] = plus_session(hotel_id)  # WAHA Plus: each hotel its own number
        return {**cfg, "own": False, "account_id": None}
    cfg["provider"], cfg["own"], cfg["account_id"] = account.provider, True, account.pk
    own = account.config or {}
    if account.provider == "waha":
        cfg["waha"] = {"base_url": own.get("base_url", "").rstrip("/"), "api_key": own.get("api_key", ""),
                       "session": own.get("session") or "default",
                       "webhook_hmac_key": own.get("webhook_hmac_key", ""),
                       "guarded": True}  # the hotel's URL: every request to it passes the outbound guard
    elif account.provider == "cloud":
        cfg["cloud"].update({k: own.get(k, "") for k in ("access_token", "phone_number_id", "app_secret",
                                                          "verify_token")})
    elif account.provider == "twilio":
        cfg["twilio"].update({k: own.get(k, "") for k in ("account_sid", "auth_token", "from_number",
                                                           "messaging_service_sid")},
                             content_sids=own.get("content_sids") or {},
                             status_callback_url=hook_url("twilio", account.pk))
    return cfg


def email_sender(hotel_id: int | None = None) -> tuple[str, list[str]]:
    """The From header and Reply-To addresses of the hotel's guest e-mail.

    The hotel's own From only when its address is on one of the hotel's verified domains; otherwise the
    platform's address (DEFAULT_FROM_EMAIL's) under the hotel's name, so no hotel sends as a domain it has
    not proven. Reply-To is free: the hotel's Reply-To, else its unproven From address, gets the replies."""
    from innkeeper.hotels import selectors
    from innkeeper.hotels.models import Hotel

    if hotel_id is None:
        return settings.DEFAULT_FROM_EMAIL, []
    account = account_for(hotel_id, "email")
    config = account.config if account else {}
    own = config.get("from_address", "")
    reply_to = [config["reply_to"]] if config.get("reply_to") else []
    if own and selectors.address_on_domains(own, selectors.mail_domains(hotel_id=hotel_id)):
        return formataddr((config.get("from_name", ""), own)), reply_to
    name = (account.hotel.name if account
            else Hotel.objects.filter(pk=hotel_id).values_list("name", flat=True).first()) or ""
    name = " ".join(name.split())  # one line: a header
    platform_address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or settings.DEFAULT_FROM_EMAIL
    sender = formataddr((name, platform_address)) if name else settings.DEFAULT_FROM_EMAIL
    return sender, reply_to or ([own] if own else [])


def simulator() -> Provider:
    """The demo's WhatsApp simulator (innkeeper.simulators, installed in demo mode only)."""
    try:
        return registry.get("whatsapp", "simulator")()
    except KeyError:
        raise ImproperlyConfigured("The WhatsApp simulator is for demo mode only: choose a real WhatsApp provider "
                                   "(WHATSAPP_PROVIDER, or the hotel's own account).") from None


def for_channel(channel: str, hotel_id: int | None = None) -> Provider | None:
    """The provider for ``channel`` of the hotel ``hotel_id``; None when the channel is switched off."""
    from innkeeper.messaging.providers import email

    if channel == "EMAIL":
        sender, reply_to = email_sender(hotel_id)
        return email.DjangoEmail(from_email=sender, reply_to=reply_to)
    cfg = whatsapp_config(hotel_id)
    if cfg["provider"] == "simulator":
        provider = simulator()
    elif cfg["provider"] in HOOKED:
        provider = registry.get("whatsapp", cfg["provider"])(cfg[cfg["provider"]])
    else:  # "off", or none configured
        return None
    provider.own = cfg["own"]
    return provider


def install_whatsapp_account() -> tuple[str, dict]:
    """The install's WhatsApp provider and its config, as a hotel's account would hold them."""
    cfg = whatsapp_config()
    return cfg["provider"], cfg.get(cfg["provider"]) or {}


registry.register_install("whatsapp", install_whatsapp_account)  # what "Test connection" tests without an own account


from innkeeper.messaging.providers import cloud as _cloud  # noqa: E402, F401  (registers itself)
from innkeeper.messaging.providers import email as _email  # noqa: E402, F401  (registers itself)
from innkeeper.messaging.providers import twilio as _twilio  # noqa: E402, F401  (registers itself)
from innkeeper.messaging.providers import waha as _waha  # noqa: E402, F401  (registers itself)
from innkeeper.messaging.providers import whatsapp as _whatsapp  # noqa: E402, F401  (registers "off")
