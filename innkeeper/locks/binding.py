"""Which lock a room opens: the one place that binds a lock to a room.

A lock belongs to one lock-cloud account. Hotels without an account of their own share the install's,
so a lock id alone says nothing about whose door it is. A room therefore takes a lock only from the
lock list of its hotel's account, stores the account's key with it, and no other room on the account
(of any hotel) may have the same lock; the database holds the last part by a unique constraint.
The panel's room forms call ``room_save`` (as must any API that comes to set a room's lock); seed_demo
calls ``demo_locks_bind``.

No request waits for the lock cloud: a worker reads the account's lock list (``lock_list_refresh``) when it
is asked for (``lock_list_request``: the account saved or tested, "Refresh lock list", a room form showing a
list older than LIST_FRESH_FOR, a lock chosen before any list was read), and ``room_save`` checks a lock
against the list as last read for the account the hotel uses.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from innkeeper.core import audit, checks
from innkeeper.core.errors import Busy, InvalidInput, NotFound
from innkeeper.hotels import services as hotel_services
from innkeeper.hotels.models import Hotel, Room
from innkeeper.locks.models import LockList
from innkeeper.locks.providers import LockError, LockInfo, provider_for
from innkeeper.locks.selectors import lock_listing, locks_taken

log = logging.getLogger(__name__)

LIST_FRESH_FOR = timedelta(minutes=10)  # a room form showing an older lock list has it read again
LIST_RETRY_AFTER = timedelta(minutes=1)  # after a failed read, a room form asks again no sooner than this


def _taken(hotel: Hotel, holder: Room | None) -> InvalidInput:
    if holder is not None and holder.hotel_id == hotel.pk:
        message = _("This lock is already the lock of room %(number)s.") % {"number": holder.number}
    elif holder is not None:
        message = _("This lock is already used by another hotel.")
    else:
        message = _("This lock is already the lock of another room.")
    return InvalidInput(message, field="lock_id", code="lock_taken")


def _checked(hotel: Hotel, room: Room | None, lock_id: str | None) -> tuple[str, str] | None:
    """The (lock id, account key) that ``room`` is to have, or None when its lock stays as it is.

    Checks a new lock against the account's lock list as last read (asks no lock cloud); without a list yet,
    asks a worker to read one and refuses for now."""
    if lock_id is None:
        return None
    lock_id = lock_id.strip()
    if not lock_id:
        return ("", "") if room is not None and room.lock_id else None
    provider = provider_for(hotel)
    if room is not None and (room.lock_id, room.lock_account_key) == (lock_id, provider.account_key):
        return None
    listing = lock_listing(hotel=hotel, provider=provider)
    if listing.locks is None:
        lock_list_request(hotel=hotel)
        if listing.error and not listing.checking:
            raise Busy(_("The lock cloud could not be reached, so the lock could not be checked (%(reason)s). "
                         "Please try again in a moment.") % {"reason": _(listing.error)},
                       field="lock_id", code="lock_cloud_unreachable")
        raise Busy(_("The locks of this hotel's lock account are being read from the lock cloud, so the lock "
                     "could not be checked yet. Please try again in a moment."),
                   field="lock_id", code="lock_list_pending")
    if lock_id not in {lock.lock_id for lock in listing.locks}:
        raise InvalidInput(_("This is not a lock of this hotel's lock account. Please choose one of its "
                             "locks."), field="lock_id", code="unknown_lock")
    return lock_id, provider.account_key


def _bind(hotel: Hotel, room: Room, lock_id: str, account_key: str, actor) -> None:
    """Give ``room`` the lock (inside the caller's transaction); the lock was checked against the list."""
    if (room.lock_id, room.lock_account_key) == (lock_id, account_key):
        return
    if lock_id:
        with scopes_disabled():  # the account's locks are shared with other hotels' rooms
            holder = (Room.objects.filter(lock_account_key=account_key, lock_id=lock_id)
                      .exclude(pk=room.pk).first())
        if holder is not None:
            raise _taken(hotel, holder)
    before = {"lock_id": room.lock_id, "lock_account_key": room.lock_account_key}
    room.lock_id, room.lock_account_key = lock_id, account_key
    try:
        with transaction.atomic():
            room.save(update_fields=["lock_id", "lock_account_key"])
    except IntegrityError:  # another room took it a moment ago: the database's unique constraint
        room.lock_id, room.lock_account_key = before["lock_id"], before["lock_account_key"]
        raise _taken(hotel, None) from None
    audit.record(hotel=hotel, actor=actor, action="room.lock", obj=room, before=before,
                 after={"lock_id": lock_id, "lock_account_key": account_key})


def room_save(*, hotel: Hotel, actor=None, room: Room | None = None, lock_id: str | None = None,
              **fields) -> Room:
    """Create a room (``room`` None; give ``room_type`` and ``number``) or change one, and with it the lock
    it opens: all or nothing.

    ``lock_id`` None leaves the room's lock as it is, "" takes it away; any other id must be a lock that
    the hotel's lock account lists and that no other room on the account (of any hotel) has.
    """
    if room is not None and room.hotel_id != hotel.pk:
        raise NotFound(_("This hotel has no such item."))
    lock = _checked(hotel, room, lock_id)
    with transaction.atomic():
        if room is None:
            room = hotel_services.room_create(hotel=hotel, actor=actor, **fields)
        elif fields:
            room = hotel_services.room_update(hotel=hotel, room=room, actor=actor, **fields)
        if lock is not None:
            _bind(hotel, room, *lock, actor)
    return room


def demo_locks_bind(*, hotel: Hotel) -> tuple[int, int]:
    """seed_demo: every room of ``hotel`` takes a lock of the hotel's account, the one named like the room
    if there is one, else the next free one; a room keeps a lock it has from the account's list. Rooms
    left without a free lock have none. Returns (rooms with a lock, rooms). Raises LockError when the
    lock cloud cannot list the locks."""
    provider = provider_for(hotel)
    locks, account_key = provider.list_locks(), provider.account_key
    if not provider.lists_locally:
        _keep(hotel, account_key, locks)  # the room forms offer them at once
    listed = {lock.lock_id for lock in locks}
    with transaction.atomic(), scopes_disabled():
        rooms = list(Room.objects.select_for_update().filter(hotel=hotel).order_by("number"))
        taken = locks_taken(account_key=account_key)
        waiting = [room for room in rooms
                   if not (room.lock_account_key == account_key and room.lock_id in listed)]
        free = [lock for lock in locks if lock.lock_id not in taken]
        by_name = {lock.name: lock for lock in free if lock.name}
        chosen = {room.pk: by_name.pop(room.number) for room in waiting if room.number in by_name}
        rest = iter([lock for lock in free if lock not in chosen.values()])
        for room in waiting:
            lock = chosen.get(room.pk) or next(rest, None)
            _bind(hotel, room, lock.lock_id if lock else "", account_key if lock else "", None)
        return sum(1 for room in rooms if room.lock_id), len(rooms)


# -- the lock list, read by a worker -----------------------------------------------------------------

def lock_list_request(*, hotel: Hotel, force: bool = False, now: datetime | None = None) -> bool:
    """Ask a worker to read the lock list of the hotel's account (``lock_list_refresh``) unless one is
    reading it already, or, unless ``force``, the list is younger than LIST_FRESH_FOR (a failed read: younger
    than LIST_RETRY_AFTER). True when a read was queued. The simulator's list needs no worker."""
    provider = provider_for(hotel)
    if provider.lists_locally:
        return False
    now = now or timezone.now()
    listing = lock_listing(hotel=hotel, provider=provider, now=now)
    if listing.checking:
        return False
    if not force and (listing.fetched_at and now - listing.fetched_at < LIST_FRESH_FOR
                      or listing.failed_at and now - listing.failed_at < LIST_RETRY_AFTER):
        return False
    from innkeeper.locks.tasks import lock_list_refresh_task

    with transaction.atomic(), scopes_disabled():  # filtered by the hotel given
        row, _created = LockList.objects.get_or_create(hotel_id=hotel.pk)
        row = LockList.objects.select_for_update().get(pk=row.pk)
        done = max((moment for moment in (row.fetched_at, row.failed_at) if moment), default=None)
        if checks.state(requested_at=row.requested_at, done_at=done, now=now) == checks.CHECKING:
            return False  # asked for a moment ago by another request
        row.requested_at = now
        row.save(update_fields=["requested_at"])
        checks.ring(lock_list_refresh_task, hotel.pk)
    return True


def lock_list_refresh(*, hotel_id: int) -> LockList | None:
    """The worker's part: read the lock list of the hotel's account from the lock cloud and keep it, or keep
    why it could not be read (a list read before for the same account stays usable). None when the hotel is
    gone or its list needs no worker."""
    with scopes_disabled():  # a worker serves every hotel
        hotel = Hotel.objects.filter(pk=hotel_id).first()
    if hotel is None:
        return None
    provider = provider_for(hotel)
    if provider.lists_locally:
        return None
    try:
        locks, error = provider.list_locks(), ""
    except LockError as failed:
        log.warning("hotel %s: the lock list could not be read: %s", hotel.pk, failed)
        locks, error = None, failed.message
    return _keep(hotel, provider.account_key, locks, error)


def _keep(hotel: Hotel, account_key: str, locks: list[LockInfo] | None, error: str = "") -> LockList:
    """Keep what a read of the account's lock list found: its locks, or (``locks`` None) why it failed."""
    now = timezone.now()
    with transaction.atomic(), scopes_disabled():  # filtered by the hotel given
        row, _created = LockList.objects.get_or_create(hotel_id=hotel.pk)
        row = LockList.objects.select_for_update().get(pk=row.pk)
        if row.account_key != account_key:  # another account's list is none of this one's
            row.account_key, row.locks, row.fetched_at = account_key, [], None
        if locks is not None:
            row.locks, row.fetched_at, row.last_error = [[lock.lock_id, lock.name] for lock in locks], now, ""
        else:
            row.failed_at, row.last_error = now, error[:300]
        row.save()
    return row
