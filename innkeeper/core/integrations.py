"""A hotel's integration accounts: which one applies, saving one, its "test connection" (asked for in the
panel, run by a worker), and the inbound events already seen (replays).

Every kind reads its account through ``account_for``; an account that is missing or disabled means the
install's account (the environment's LOCK_PROVIDER, WHATSAPP_PROVIDER, EMAIL_* ...) applies.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from innkeeper.core import audit, checks, providers
from innkeeper.core.errors import InvalidInput
from innkeeper.core.models import ConnectionCheck, IntegrationAccount, SeenEvent

log = logging.getLogger(__name__)

SEEN_FOR = timedelta(days=1)  # an event id is remembered this long; a callback older than 5 minutes is refused


def account_for(hotel_id: int | None, kind: str, *, active_only: bool = True) -> IntegrationAccount | None:
    """The hotel's account of ``kind`` (only an active one unless ``active_only`` is False), or None."""
    if hotel_id is None:
        return None
    with scopes_disabled():  # filtered by the hotel given; callers may be workers outside any scope
        rows = IntegrationAccount.objects.filter(hotel_id=hotel_id, kind=kind).select_related("hotel")
        if active_only:
            rows = rows.filter(status=IntegrationAccount.ACTIVE)
        return rows.first()


def account_by_id(account_id: int, kind: str, provider: str) -> IntegrationAccount | None:
    """The active account ``account_id`` if it is of ``kind`` and ``provider`` (a hook URL names it)."""
    with scopes_disabled():  # a provider's callback comes from outside any hotel's site
        return (IntegrationAccount.objects.filter(pk=account_id, kind=kind, provider=provider,
                                                  status=IntegrationAccount.ACTIVE).first())


def account_save(*, hotel, actor, kind: str, provider: str, config: dict, is_active: bool = True,
                 action: str | None = "") -> IntegrationAccount:
    """Create or change the hotel's account of ``kind``: the provider's config checked by its class, a blank
    secret keeping the one stored for the same provider. Call inside the caller's transaction or alone.
    ``action`` names the audit entry (default "<kind>account.set"); None: the caller writes its own."""
    try:
        cls = providers.get(kind, provider)
    except KeyError:
        raise InvalidInput(_("Choose one of the providers offered."), field="provider", code="invalid") from None
    with transaction.atomic():
        account = (IntegrationAccount.objects.select_for_update().filter(hotel=hotel, kind=kind).first()
                   or IntegrationAccount(hotel=hotel, kind=kind))
        stored = dict(account.config or {}) if account.pk and account.provider == provider else {}
        config = dict(config)
        for name in cls.secret_names():
            if not config.get(name) and stored.get(name):
                config[name] = stored[name]
        config = cls.clean_config(config)
        public = [f.name for f in cls.fields if not f.secret]
        before = ({"provider": account.provider, "is_active": account.is_active,
                   **{k: v for k, v in (account.config or {}).items() if k in public}} if account.pk else {})
        changed = sorted(name for name in cls.secret_names() if config.get(name) != stored.get(name))
        account.provider, account.config = provider, config
        account.status = IntegrationAccount.ACTIVE if is_active else IntegrationAccount.DISABLED
        account.save()
        after = {"provider": provider, "is_active": is_active, **{k: config[k] for k in public}}
        if changed:
            after["secrets_changed"] = changed  # which, not what
        if action is not None:
            audit.record(hotel=hotel, actor=actor, action=action or f"{kind}account.set", obj=account,
                         before=before, after=after)
    return account


def account_delete(*, hotel, actor, kind: str, action: str | None = "") -> None:
    with transaction.atomic():
        account = IntegrationAccount.objects.filter(hotel=hotel, kind=kind).first()
        if account is not None and action is not None:
            audit.record(hotel=hotel, actor=actor, action=action or f"{kind}account.delete", obj=account,
                         before={"provider": account.provider}, after={})
        if account is not None:
            account.delete()


def account_verify_request(*, hotel, kind: str, language: str = "", now=None) -> bool:
    """The panel's "Test connection", asked for: noted on the hotel's ConnectionCheck of ``kind`` and run by
    a worker (``connection_check``) after commit, in ``language``. False when a test is under way already."""
    from innkeeper.core.tasks import connection_check_task

    now = now or timezone.now()
    with transaction.atomic(), scopes_disabled():  # filtered by the hotel given
        row, _created = ConnectionCheck.objects.get_or_create(hotel_id=hotel.pk, kind=kind)
        row = ConnectionCheck.objects.select_for_update().get(pk=row.pk)
        if checks.state(requested_at=row.requested_at, done_at=row.checked_at, now=now) == checks.CHECKING:
            return False
        row.requested_at = now
        row.save(update_fields=["requested_at"])
        checks.ring(connection_check_task, row.pk, language)
    return True


def connection_check(*, check_id: int) -> ConnectionCheck | None:
    """The worker's part of "Test connection": ``account_verify`` for the check's hotel and kind, its
    outcome written on the check. None when the check (or its hotel) is gone."""
    with scopes_disabled():  # a worker serves every hotel; the check names one
        row = ConnectionCheck.objects.select_related("hotel").filter(pk=check_id).first()
    if row is None:
        return None
    ok, message = account_verify(hotel=row.hotel, kind=row.kind)
    with scopes_disabled():
        ConnectionCheck.objects.filter(pk=row.pk).update(checked_at=timezone.now(), ok=ok, result=message[:300])
        return ConnectionCheck.objects.get(pk=row.pk)


def connection_checks(hotel_id: int, kinds) -> dict[str, ConnectionCheck]:
    """The hotel's "Test connection" checks by kind, for the panel."""
    with scopes_disabled():  # filtered by the hotel given
        return {row.kind: row for row in ConnectionCheck.objects.filter(hotel_id=hotel_id, kind__in=list(kinds))}


def account_verify(*, hotel, kind: str, install_config=None) -> tuple[bool, str]:
    """One cheap authenticated call through the hotel's account of ``kind`` (or, without one, the install's:
    ``install_config`` or the one its app registered). Records the outcome on the hotel's own account;
    returns (ok, a short sentence for the panel). Calls the provider: run it in a worker, never in a request."""
    account = account_for(hotel.pk, kind, active_only=False)
    provider, config = ((account.provider, account.config) if account
                        else (install_config or providers.install_account(kind) or (None, None)))
    if provider is None:
        return False, _("There is no account to test.")
    try:
        message, ok = providers.get(kind, provider).verify(config or {}, hotel=hotel), True
    except providers.VerifyFailed as failed:
        message, ok = failed.message, False
    except KeyError:
        message, ok = _("This provider is not known to this installation."), False
    if account is not None:
        with scopes_disabled():
            IntegrationAccount.objects.filter(pk=account.pk).update(
                **({"last_ok_at": timezone.now(), "last_error": ""} if ok else {"last_error": message[:300]}))
    return ok, message


def event_first_seen(*, account: str, event_id: str, hotel_id: int | None) -> bool:
    """Remember ``event_id`` for ``account``; False when it was seen already (a replay). Forgets ids older
    than a day. Call inside the transaction that applies the event, so a failed one is not remembered."""
    if "\x00" in event_id or len(event_id) > 200:  # a text column holds no NUL; a cut id could collide
        event_id = "sha256:" + hashlib.sha256(event_id.encode("utf-8", "surrogatepass")).hexdigest()
    now = timezone.now()
    with scopes_disabled():
        SeenEvent.objects.filter(seen_at__lt=now - SEEN_FOR).delete()
        try:
            with transaction.atomic():
                SeenEvent.objects.create(account=account[:80], event_id=event_id, hotel_id=hotel_id,
                                         seen_at=now)
        except IntegrityError:
            return False
    return True
