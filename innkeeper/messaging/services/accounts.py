"""A hotel's own messaging account: its WhatsApp provider and e-mail sender."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from innkeeper.core import audit, outbound
from innkeeper.core.errors import InvalidInput

ACCOUNT_SECRETS = ("waha_api_key", "waha_webhook_hmac_key", "cloud_access_token", "cloud_app_secret",
                   "cloud_verify_token", "twilio_auth_token")
ACCOUNT_FIELDS = ("whatsapp_provider", "waha_base_url", "waha_session", "cloud_phone_number_id",
                  "twilio_account_sid", "twilio_from_number", "twilio_messaging_service_sid",
                  "twilio_content_sids", "email_from_name", "email_from_address", "email_reply_to", "is_active")


WHATSAPP_KEYS = {"waha": "waha_", "cloud": "cloud_", "twilio": "twilio_"}  # config key = field minus prefix
EMAIL_KEYS = {"from_name": "email_from_name", "from_address": "email_from_address", "reply_to": "email_reply_to"}


def messaging_account_values(hotel_id: int) -> dict:
    """The hotel's WhatsApp and e-mail accounts as the panel's card has them (field name -> value; secrets
    included: never render them)."""
    from innkeeper.core import integrations

    values = {name: "" for name in ACCOUNT_FIELDS + ACCOUNT_SECRETS}
    values.update(twilio_content_sids={}, is_active=True)
    whatsapp = integrations.account_for(hotel_id, "whatsapp", active_only=False)
    email = integrations.account_for(hotel_id, "email", active_only=False)
    if whatsapp is not None:
        values["whatsapp_provider"] = whatsapp.provider
        prefix = WHATSAPP_KEYS.get(whatsapp.provider, "")
        for key, value in (whatsapp.config or {}).items():
            values[prefix + key] = value
        values["is_active"] = whatsapp.is_active
    if email is not None:
        for key, name in EMAIL_KEYS.items():
            values[name] = (email.config or {}).get(key, "")
        values["is_active"] = email.is_active if whatsapp is None else values["is_active"]
    return values


def _account_problem(account) -> InvalidInput | None:
    """The first thing missing for the chosen provider (a kept secret counts as given)."""
    needs = {
        "waha": (_("WAHA needs its server address and API key."), ("waha_base_url", "waha_api_key")),
        "cloud": (_("The WhatsApp Cloud API needs the access token, the phone number id and the app secret."),
                  ("cloud_access_token", "cloud_phone_number_id", "cloud_app_secret")),
        "twilio": (_("Twilio needs the account SID, the auth token and the WhatsApp sender number."),
                   ("twilio_account_sid", "twilio_auth_token", "twilio_from_number")),
    }.get(account.whatsapp_provider)
    if needs:
        missing = [name for name in needs[1] if not getattr(account, name)]
        if missing:
            return InvalidInput(needs[0], field=missing[0], code="required")
    # Every callback to the hotel's hook URL is checked with these: without them each one is refused.
    if account.whatsapp_provider == "waha" and not account.waha_webhook_hmac_key:
        return InvalidInput(_("Give the webhook HMAC key too (the hmac.key of WAHA's webhook): without it every "
                              "delivery receipt and reply at the hotel's hook URL is refused."),
                            field="waha_webhook_hmac_key", code="required")
    if account.whatsapp_provider == "cloud" and not account.cloud_verify_token:
        return InvalidInput(_("Give a verify token too: Meta's subscription handshake at the hotel's hook URL "
                              "is refused without one."), field="cloud_verify_token", code="required")
    if account.whatsapp_provider == "waha":
        # The worker sends the API key there and the panel shows how it went.
        try:
            outbound.check_outbound_url(account.waha_base_url, field="waha_base_url")
        except outbound.OutboundRefused as problem:
            return problem
    if account.whatsapp_provider == "twilio":
        if not account.twilio_account_sid.startswith("AC"):
            return InvalidInput(_("A Twilio account SID starts with AC."), field="twilio_account_sid", code="invalid")
        if account.twilio_content_sids and not account.twilio_messaging_service_sid.startswith("MG"):
            return InvalidInput(_("Content templates are sent through a Messaging Service: give its SID (MG...)."),
                                field="twilio_messaging_service_sid", code="required")
    if account.email_from_name and not account.email_from_address:
        return InvalidInput(_("Give the sender's address too."), field="email_from_address", code="required")
    if account.email_from_address:
        return _sender_domain_problem(account)
    return None


def _sender_domain_problem(account) -> InvalidInput | None:
    """The From address goes out through the install's mail server, so it must be on one of the hotel's own
    domains (or a subdomain of one; a ``www.`` domain stands for its parent): any other would be spoofing,
    which the guests' mail servers bounce (DMARC)."""
    from innkeeper.hotels import selectors

    # Any of its domains, pending ones too: until the domain is verified the mail goes from the platform's
    # address under the hotel's name (providers.email_sender), with this address as Reply-To.
    domains = selectors.mail_domains(hotel_id=account.hotel_id, verified=False)
    if selectors.address_on_domains(account.email_from_address, domains):
        return None
    if not domains:
        message = _("This hotel has no domain yet, so guest e-mail cannot come from its own address: add the "
                    "domain under Domains first, or give the address as Reply-To.")
    else:
        message = _("The sender address must be on one of this hotel's domains (%(domains)s): mail from another "
                    "domain would be refused as spoofed. Give that address as Reply-To instead.") % {
            "domains": ", ".join(domains)}
    return InvalidInput(message, field="email_from_address", code="invalid")


def messaging_account_set(*, hotel, actor, **values):
    """Owner: the hotel's own WhatsApp provider account and e-mail sender (blank: the install's), kept as
    its IntegrationAccounts of kind "whatsapp" and "email".

    A blank secret keeps the one stored before, so the form never has to show them; the audit log gets
    every change but the secrets."""
    from types import SimpleNamespace

    from innkeeper.core import integrations
    from innkeeper.core import providers as registry

    unknown = set(values) - set(ACCOUNT_FIELDS) - set(ACCOUNT_SECRETS)
    if unknown:
        raise TypeError(f"unknown messaging account fields: {sorted(unknown)}")
    with transaction.atomic():
        merged = messaging_account_values(hotel.pk)
        existed = bool(merged["whatsapp_provider"]) or any(merged[name] for name in EMAIL_KEYS.values())
        before = {name: merged[name] for name in ACCOUNT_FIELDS} if existed else {}
        for name in ACCOUNT_FIELDS:
            if name in values:
                value = values[name]
                merged[name] = value.strip() if isinstance(value, str) else value
        for name in ACCOUNT_SECRETS:
            if values.get(name):
                merged[name] = values[name].strip()
        account = SimpleNamespace(hotel_id=hotel.pk, **merged)
        problem = _account_problem(account)
        if problem:
            raise problem
        provider, is_active = merged["whatsapp_provider"], bool(merged["is_active"])
        saved = []
        if provider:
            prefix = WHATSAPP_KEYS.get(provider)
            fields = registry.get("whatsapp", provider).fields if prefix else ()
            config = {f.name: merged.get(prefix + f.name) or f.type() for f in fields}
            saved.append(integrations.account_save(hotel=hotel, actor=actor, kind="whatsapp", provider=provider,
                                                   config=config, is_active=is_active, action=None))
        else:
            integrations.account_delete(hotel=hotel, actor=actor, kind="whatsapp", action=None)
        email = {key: merged[name] for key, name in EMAIL_KEYS.items()}
        if any(email.values()):
            saved.append(integrations.account_save(hotel=hotel, actor=actor, kind="email", provider="smtp",
                                                   config=email, is_active=is_active, action=None))
        else:
            integrations.account_delete(hotel=hotel, actor=actor, kind="email", action=None)
        after = {name: merged[name] for name in ACCOUNT_FIELDS}  # never the secrets
        changed = sorted(name for name in ACCOUNT_SECRETS if values.get(name))
        if changed:
            after["secrets_changed"] = changed  # which, not what
        # The hotel itself when nothing is its own any more: the owner chose the install's accounts.
        audit.record(hotel=hotel, actor=actor, action="messagingaccount.set", obj=saved[0] if saved else hotel,
                     before=before, after=after)
    return saved[0] if saved else None
