"""Reads about locks: which locks of its lock-cloud account a hotel's room may take."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django_scopes import scopes_disabled

from innkeeper.core import checks
from innkeeper.hotels.models import Hotel, Room
from innkeeper.locks.models import LockList
from innkeeper.locks.providers import LockInfo, LockProvider, has_locks, provider_for


def stay_has_smart_lock(booking) -> bool:
    """Whether ``booking``'s room opens with a key from its hotel's lock account: the room has a lock and the
    hotel a lock account (its own, or the install's). Without one the stay gets no key rows at all, and the
    guest collects the key at reception (hotels.selectors.key_collection_text)."""
    return bool(booking.room.lock_id) and has_locks(booking.hotel)


def locks_taken(*, account_key: str, room: Room | None = None) -> set[str]:
    """Lock ids of the account that a room (of any hotel) other than ``room`` has."""
    with scopes_disabled():  # hotels on one account share its locks: every hotel's rooms count
        rows = Room.objects.filter(lock_account_key=account_key).exclude(lock_id="")
        if room is not None and room.pk:
            rows = rows.exclude(pk=room.pk)
        return set(rows.values_list("lock_id", flat=True))


@dataclass(frozen=True)
class LockListing:
    """What is known of the locks of the hotel's lock account: ``locks`` as last read for the account the
    hotel uses now (None: not read yet), when (``fetched_at``), whether a worker is reading them now
    (``checking``), and why the last read failed when it did (``error``, an untranslated sentence).
    ``local``: the simulator's list, read from this database just now."""

    locks: list[LockInfo] | None
    account_key: str
    fetched_at: datetime | None = None
    requested_at: datetime | None = None
    checking: bool = False
    error: str = ""
    failed_at: datetime | None = None
    local: bool = False


def lock_listing(*, hotel: Hotel, provider: LockProvider | None = None, now: datetime | None = None) -> LockListing:
    """The hotel's lock list as kept by locks.binding.lock_list_refresh. Asks no lock cloud."""
    provider = provider or provider_for(hotel)
    if provider.lists_locally:
        return LockListing(provider.list_locks(), provider.account_key, local=True)
    with scopes_disabled():  # filtered by the hotel given; workers call this outside any scope
        row = LockList.objects.filter(hotel_id=hotel.pk).first()
    if row is None:
        return LockListing(None, provider.account_key)
    ours = row.account_key == provider.account_key
    done = max((moment for moment in (row.fetched_at, row.failed_at) if moment), default=None)
    failed = ours and row.failed_at is not None and (row.fetched_at is None or row.failed_at > row.fetched_at)
    return LockListing(
        locks=[LockInfo(lock_id, name) for lock_id, name in row.locks] if ours and row.fetched_at else None,
        account_key=provider.account_key, fetched_at=row.fetched_at if ours else None,
        requested_at=row.requested_at,
        checking=checks.state(requested_at=row.requested_at, done_at=done, now=now) == checks.CHECKING,
        error=row.last_error if failed else "", failed_at=row.failed_at if failed else None)


def lock_choices(*, hotel: Hotel, room: Room | None = None,
                 listing: LockListing | None = None) -> list[LockInfo] | None:
    """The locks of the hotel's lock account that ``room`` (None: a new room) may take: those the account
    listed when last read, less the ones other rooms have. None when the list has not been read yet."""
    listing = listing or lock_listing(hotel=hotel)
    if listing.locks is None:
        return None
    taken = locks_taken(account_key=listing.account_key, room=room)
    return [lock for lock in listing.locks if lock.lock_id not in taken]
