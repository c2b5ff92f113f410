"""Lock providers: one small interface, a registry, and the install's setting (or a hotel's own
IntegrationAccount of kind "lock") that picks one. Each provider registers itself in core's registry; the
demo's simulator does so from innkeeper.simulators, which only demo mode installs."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from innkeeper.core import integrations
from innkeeper.core import providers as registry
from innkeeper.locks.providers.base import LockError, LockInfo, LockProvider, Passcode

__all__ = ["LockError", "LockInfo", "LockProvider", "Passcode", "provider_for"]


def provider_for(hotel) -> LockProvider:
    """The lock provider for ``hotel``: its own lock account if it has an active one, else the install's."""
    account = integrations.account_for(hotel.pk, "lock")
    if account is not None:
        return registry.get("lock", account.provider).from_config(account.config, hotel=hotel)
    if settings.LOCK_PROVIDER == "ttlock":
        return TTLockProvider(TTLockAccount(**settings.TTLOCK))
    try:  # the demo's lock cloud (innkeeper.simulators, installed in demo mode only)
        simulator = registry.get("lock", "simulator")
    except KeyError:
        raise ImproperlyConfigured("The lock simulator is for demo mode only: set LOCK_PROVIDER=ttlock "
                                   "or give the hotel its own lock account.") from None
    return simulator.from_config({}, hotel=hotel)


def install_account() -> tuple[str, dict]:
    """The install's lock provider and its config, as a hotel's account would hold them."""
    if settings.LOCK_PROVIDER == "ttlock":
        ttlock = settings.TTLOCK or {}
        return "ttlock", {**{name: ttlock.get(name, "") for name in
                             ("client_id", "client_secret", "username", "password", "base_url")}, "install": True}
    return "simulator", {}


registry.register_install("lock", install_account)  # what the panel's "Test connection" tests without an own account


from innkeeper.locks.providers.ttlock import TTLockAccount, TTLockProvider  # noqa: E402  (registers itself)
