"""A hotel's own lock-cloud account."""

from __future__ import annotations

from django.utils.translation import gettext as _


def lock_account_set(*, hotel, actor, provider: str, client_id: str = "", client_secret: str = "", username: str = "",
                     password: str = "", base_url: str = "", is_active: bool = True):
    """Owner: the hotel's own TTLock account (or the simulator), overriding the install's LOCK_PROVIDER.

    A blank secret or password keeps the one stored before, so the form never has to show them.
    """
    from innkeeper.core import integrations
    from innkeeper.core.errors import InvalidInput

    if provider not in ("ttlock", "simulator"):
        raise InvalidInput(_("Choose TTLock or the simulator."), field="provider", code="invalid")
    config = ({"client_id": client_id, "client_secret": client_secret, "username": username,
               "password": password, "base_url": base_url} if provider == "ttlock" else {})
    return integrations.account_save(hotel=hotel, actor=actor, kind="lock", provider=provider, config=config,
                                     is_active=is_active, action="lockaccount.set")
