"""A hotel's own lock-cloud account."""

from __future__ import annotations

from django.utils.translation import gettext as _


def lock_account_set(*, hotel, actor, provider: str, client_id: str = "", client_secret: str = "", username: str = "",
                     password: str = "", base_url: str = "", is_active: bool = True, app_keys: bool = False,
                     app_keys_remote_unlock: bool = False):
    """Owner: the hotel's own TTLock account (or the simulator), overriding the install's LOCK_PROVIDER, and
    whether its guests get a TTLock app key beside their PIN (which may open the door remotely or not).

    A blank secret or password keeps the one stored before, so the form never has to show them.
    """
    from innkeeper.core import integrations
    from innkeeper.core.errors import InvalidInput

    if provider not in ("ttlock", "simulator"):
        raise InvalidInput(_("Choose TTLock or the simulator."), field="provider", code="invalid")
    config = ({"client_id": client_id, "client_secret": client_secret, "username": username,
               "password": password, "base_url": base_url} if provider == "ttlock" else {})
    config.update(app_keys=bool(app_keys), app_keys_remote_unlock=bool(app_keys and app_keys_remote_unlock))
    return integrations.account_save(hotel=hotel, actor=actor, kind="lock", provider=provider, config=config,
                                     is_active=is_active, action="lockaccount.set")


def demo_lock_account_set(*, hotel, app_keys: bool) -> bool:
    """seed_demo: a demo hotel on the simulated lock cloud gets its own simulator account with app keys on or
    off. Leaves a hotel alone when the install's locks are not the simulator's, or when the hotel has an
    account of another provider (an owner's choice). Returns whether it set one."""
    from django.conf import settings
    from django_scopes import scope

    from innkeeper.core import integrations

    account = integrations.account_for(hotel.pk, "lock", active_only=False)
    if settings.LOCK_PROVIDER != "simulator" or (account is not None and account.provider != "simulator"):
        return False
    with scope(hotel=hotel):
        lock_account_set(hotel=hotel, actor=None, provider="simulator", app_keys=app_keys)  # the system's: no audit
    return True
