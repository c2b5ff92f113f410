"""Reads about locks: which locks of its lock-cloud account a hotel's room may take."""

from __future__ import annotations

from django_scopes import scopes_disabled

from innkeeper.hotels.models import Hotel, Room
from innkeeper.locks.providers import LockInfo, provider_for


def locks_taken(*, account_key: str, room: Room | None = None) -> set[str]:
    """Lock ids of the account that a room (of any hotel) other than ``room`` has."""
    with scopes_disabled():  # hotels on one account share its locks: every hotel's rooms count
        rows = Room.objects.filter(lock_account_key=account_key).exclude(lock_id="")
        if room is not None and room.pk:
            rows = rows.exclude(pk=room.pk)
        return set(rows.values_list("lock_id", flat=True))


def lock_choices(*, hotel: Hotel, room: Room | None = None) -> list[LockInfo]:
    """The locks of the hotel's lock account that ``room`` (None: a new room) may take: those the lock
    cloud lists, less the ones other rooms have. Asks the lock cloud; raises LockError if it cannot."""
    provider = provider_for(hotel)
    listed = provider.list_locks()
    taken = locks_taken(account_key=provider.account_key, room=room)
    return [lock for lock in listed if lock.lock_id not in taken]
