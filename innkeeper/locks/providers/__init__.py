"""Lock providers: one small interface, a registry, and a setting (or a hotel's own account) that picks one."""

from __future__ import annotations

from django.conf import settings
from django_scopes import scopes_disabled

from innkeeper.config import TTLOCK_DEFAULT_BASE_URL
from innkeeper.locks.providers.base import LockError, LockInfo, LockProvider, Passcode

__all__ = ["LockError", "LockInfo", "LockProvider", "Passcode", "provider_for"]


def provider_for(hotel) -> LockProvider:
    """The lock provider for ``hotel``: its own lock account if it has one, else the install's."""
    from innkeeper.locks.models import LockAccount
    from innkeeper.locks.providers.simulator import SimulatorProvider
    from innkeeper.locks.providers.ttlock import TTLockAccount, TTLockProvider

    with scopes_disabled():  # filtered by the hotel given; callers may be workers outside any scope
        account = LockAccount.objects.filter(hotel_id=hotel.pk, is_active=True).first()
    if account is not None:
        if account.provider == "simulator":
            return SimulatorProvider(hotel)
        return TTLockProvider(TTLockAccount(
            client_id=account.client_id, client_secret=account.client_secret, username=account.username,
            password=account.password, base_url=account.base_url or TTLOCK_DEFAULT_BASE_URL,
            timeout=(settings.TTLOCK or {}).get("timeout", 30.0), guarded=bool(account.base_url)))
    if settings.LOCK_PROVIDER == "ttlock":
        return TTLockProvider(TTLockAccount(**settings.TTLOCK))
    return SimulatorProvider(hotel)
