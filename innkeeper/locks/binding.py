"""Which lock a room opens: the one place that binds a lock to a room.

A lock belongs to one lock-cloud account. Hotels without an account of their own share the install's,
so a lock id alone says nothing about whose door it is. A room therefore takes a lock only from the
lock list of its hotel's account, stores the account's key with it, and no other room on the account
(of any hotel) may have the same lock; the database holds the last part by a unique constraint.
The panel's room forms call ``room_save`` (as must any API that comes to set a room's lock); seed_demo
calls ``demo_locks_bind``.
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from innkeeper.core import audit
from innkeeper.core.errors import Busy, InvalidInput, NotFound
from innkeeper.hotels import services as hotel_services
from innkeeper.hotels.models import Hotel, Room
from innkeeper.locks.providers import LockError, provider_for
from innkeeper.locks.selectors import locks_taken

log = logging.getLogger(__name__)


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

    Asks the lock cloud for the account's locks when the lock changes: call it outside any transaction.
    """
    if lock_id is None:
        return None
    lock_id = lock_id.strip()
    if not lock_id:
        return ("", "") if room is not None and room.lock_id else None
    provider = provider_for(hotel)
    if room is not None and (room.lock_id, room.lock_account_key) == (lock_id, provider.account_key):
        return None
    try:
        listed = {lock.lock_id for lock in provider.list_locks()}
    except LockError as error:
        log.warning("hotel %s: the lock list could not be read: %s", hotel.pk, error)
        raise Busy(_("The lock cloud could not be reached, so the lock could not be checked (%(reason)s). "
                     "Please try again in a moment.") % {"reason": error.message},
                   field="lock_id", code="lock_cloud_unreachable") from None
    if lock_id not in listed:
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
