"""Lock providers: one small interface, a registry, and the install's setting (or a hotel's own
IntegrationAccount of kind "lock") that picks one. Each provider registers itself in core's registry; the
demo's simulator does so from innkeeper.simulators, which only demo mode installs."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from innkeeper.core import integrations
from innkeeper.core import providers as registry
from innkeeper.locks.providers.base import AppKey, LockError, LockInfo, LockProvider, NoLocks, Passcode

__all__ = ["AppKey", "AppKeys", "LockError", "LockInfo", "LockProvider", "NoLocks", "Passcode", "app_key_switches",
           "app_keys_for", "has_locks", "provider_for"]


def has_locks(hotel) -> bool:
    """Whether ``hotel`` has a lock account at all: its own active one, or the install's (LOCK_PROVIDER other
    than none). Reads the account; makes no provider."""
    return settings.LOCK_PROVIDER != "none" or integrations.account_for(hotel.pk, "lock") is not None


def provider_for(hotel) -> LockProvider:
    """The lock provider for ``hotel``: its own lock account if it has an active one, else the install's
    (``NoLocks`` when the install has none: no locks to list, and every key operation refused)."""
    account = integrations.account_for(hotel.pk, "lock")
    if account is not None:
        return registry.get("lock", account.provider).from_config(account.config, hotel=hotel)
    if settings.LOCK_PROVIDER == "none":
        return NoLocks()
    if settings.LOCK_PROVIDER == "ttlock":
        return TTLockProvider(TTLockAccount(**settings.TTLOCK))
    try:  # the demo's lock cloud (innkeeper.simulators, installed in demo mode only)
        simulator = registry.get("lock", "simulator")
    except KeyError:
        raise ImproperlyConfigured("The lock simulator is for demo mode only: set LOCK_PROVIDER=ttlock "
                                   "or give the hotel its own lock account.") from None
    return simulator.from_config({}, hotel=hotel)


@dataclass(frozen=True)
class AppKeys:
    """A hotel's guests get an app key beside their PIN; ``remote_unlock``: it may open the door remotely."""

    remote_unlock: bool = False


def app_key_switches(config: dict | None) -> dict:
    """A lock account config's app-key switches (``app_keys``, ``app_keys_remote_unlock``). The install's
    account (None), or one saved before the switches existed, follows TTLOCK_APP_KEYS[_REMOTE_UNLOCK]."""
    config = config or {}
    return {"app_keys": bool(config.get("app_keys", settings.TTLOCK_APP_KEYS)),
            "app_keys_remote_unlock": bool(config.get("app_keys_remote_unlock",
                                                      settings.TTLOCK_APP_KEYS_REMOTE_UNLOCK))}


def app_keys_for(hotel) -> AppKeys | None:
    """Whether ``hotel``'s guests get an app key: its own lock account's switch, else the install's, and only
    where the provider has app keys. None when they do not. Reads the account; makes no provider."""
    account = integrations.account_for(hotel.pk, "lock")
    try:
        provider = registry.get("lock", account.provider if account is not None else settings.LOCK_PROVIDER)
    except KeyError:
        return None
    switches = app_key_switches(account.config if account is not None else None)
    if not (getattr(provider, "supports_app_keys", False) and switches["app_keys"]):
        return None
    return AppKeys(remote_unlock=switches["app_keys_remote_unlock"])


def install_account() -> tuple[str, dict] | None:
    """The install's lock provider and its config, as a hotel's account would hold them; None without one."""
    if settings.LOCK_PROVIDER == "none":
        return None
    if settings.LOCK_PROVIDER == "ttlock":
        ttlock = settings.TTLOCK or {}
        return "ttlock", {**{name: ttlock.get(name, "") for name in
                             ("client_id", "client_secret", "username", "password", "base_url")}, "install": True}
    return "simulator", {}


registry.register_install("lock", install_account)  # what the panel's "Test connection" tests without an own account


from innkeeper.locks.providers.ttlock import TTLockAccount, TTLockProvider  # noqa: E402  (registers itself)
