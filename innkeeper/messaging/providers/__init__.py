"""Providers by channel, and the one place that says which account a hotel's messages go through: the
hotel's own ``MessagingAccount`` when it has an active one, else the install's settings (EMAIL_BACKEND
and DEFAULT_FROM_EMAIL for e-mail, WHATSAPP_PROVIDER and its variables for WhatsApp)."""

from __future__ import annotations

import copy
from email.utils import formataddr, parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django_scopes import scopes_disabled

from innkeeper.messaging.providers.base import (  # noqa: F401
    OptedOut,
    Outgoing,
    Permanent,
    Provider,
    Retryable,
    Sent,
)


def account_for(hotel_id: int | None):
    """The hotel's active messaging account, or None."""
    from innkeeper.messaging.models import MessagingAccount

    if hotel_id is None:
        return None
    with scopes_disabled():  # filtered by the hotel given; callers may be workers outside any scope
        return MessagingAccount.objects.filter(hotel_id=hotel_id, is_active=True).select_related("hotel").first()


HOOK_URL_NAMES = {"waha": "hook_waha_hotel", "twilio": "hook_twilio_hotel", "cloud": "hook_whatsapp_cloud_hotel"}
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


def hook_url(provider: str, hotel_slug: str) -> str:
    """The public URL of a hotel's own hook for ``provider``: the one shown to the owner, sent to Twilio as
    the StatusCallback and that Twilio's signatures are checked against; "" when it cannot be known."""
    name, base = HOOK_URL_NAMES.get(provider), public_base()
    if not name or not base:
        return ""
    return base + reverse(name, args=[hotel_slug], urlconf=settings.ROOT_URLCONF)


def whatsapp_config(hotel_id: int | None = None) -> dict:
    """Settings-shaped WhatsApp config for the hotel (``own``: True when it is the hotel's own account)."""
    account = account_for(hotel_id)
    cfg = copy.deepcopy(settings.INNKEEPER_WHATSAPP)
    if account is None or not account.whatsapp_provider:
        return {**cfg, "own": False}
    cfg["provider"], cfg["own"] = account.whatsapp_provider, True
    cfg["waha"] = {"base_url": account.waha_base_url.rstrip("/"), "api_key": account.waha_api_key,
                   "session": account.waha_session or "default",
                   "webhook_hmac_key": account.waha_webhook_hmac_key,
                   "guarded": True}  # the hotel's URL: every request to it passes the outbound guard
    cfg["cloud"].update(access_token=account.cloud_access_token, phone_number_id=account.cloud_phone_number_id,
                        app_secret=account.cloud_app_secret, verify_token=account.cloud_verify_token)
    cfg["twilio"].update(
        account_sid=account.twilio_account_sid, auth_token=account.twilio_auth_token,
        from_number=account.twilio_from_number, messaging_service_sid=account.twilio_messaging_service_sid,
        content_sids=account.twilio_content_sids or {},
        status_callback_url=hook_url("twilio", account.hotel.slug))
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
    account = account_for(hotel_id)
    own = account.email_from_address if account else ""
    reply_to = [account.email_reply_to] if account and account.email_reply_to else []
    if own and selectors.address_on_domains(own, selectors.mail_domains(hotel_id=hotel_id)):
        return formataddr((account.email_from_name, own)), reply_to
    name = (account.hotel.name if account
            else Hotel.objects.filter(pk=hotel_id).values_list("name", flat=True).first()) or ""
    name = " ".join(name.split())  # one line: a header
    platform_address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or settings.DEFAULT_FROM_EMAIL
    sender = formataddr((name, platform_address)) if name else settings.DEFAULT_FROM_EMAIL
    return sender, reply_to or ([own] if own else [])


def for_channel(channel: str, hotel_id: int | None = None) -> Provider | None:
    """The provider for ``channel`` of the hotel ``hotel_id``; None when the channel is switched off."""
    from innkeeper.messaging.providers import email, simulator, whatsapp

    if channel == "EMAIL":
        sender, reply_to = email_sender(hotel_id)
        return email.DjangoEmail(from_email=sender, reply_to=reply_to)
    cfg = whatsapp_config(hotel_id)
    registry = {"waha": whatsapp.Waha, "cloud": whatsapp.CloudApi, "twilio": whatsapp.Twilio}
    if cfg["provider"] == "simulator":
        provider = simulator.WhatsAppSimulator()
    elif cfg["provider"] in registry:
        provider = registry[cfg["provider"]](cfg[cfg["provider"]])
    else:
        return None
    provider.own = cfg["own"]
    return provider
