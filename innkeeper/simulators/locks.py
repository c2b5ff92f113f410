"""A lock cloud in our own database, for the demo: PINs and unlocks are rows the keypad page reads; app keys
(as TTLock eKeys: one per guest account and lock, sending again replaces it) are rows too.

One simulated account serves the whole install. It has a lock on the door of every room of every hotel,
``SIM-<hotel slug>-<room number>``; a hotel sees the locks of its own doors.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from innkeeper.core.providers import IntegrationProvider, register
from innkeeper.locks.providers.base import APP_KEY_FIELDS, AppKey, LockError, LockInfo, LockProvider, Passcode
from innkeeper.simulators.models import SimulatedAppKey, SimulatedPasscode, SimulatedUnlock


def simulated_lock_id(hotel, number: str) -> str:
    return f"SIM-{hotel.slug}-{number}"


@register
class SimulatorProvider(LockProvider, IntegrationProvider):
    kind, name = "lock", "simulator"
    account_key = "simulator"
    lists_locally = True  # its locks are the hotel's rooms in this database
    fields = APP_KEY_FIELDS

    def __init__(self, hotel=None):
        self.hotel = hotel

    @classmethod
    def from_config(cls, config: dict, *, hotel=None) -> SimulatorProvider:
        return cls(hotel)

    @classmethod
    def verify(cls, config: dict, *, hotel=None) -> str:
        return _("Connected: the simulated lock cloud has a lock on every room's door.")

    def list_locks(self) -> list[LockInfo]:
        from django_scopes import scopes_disabled

        from innkeeper.hotels.models import Room

        if self.hotel is None:
            return []
        with scopes_disabled():  # filtered by the hotel given
            numbers = Room.objects.filter(hotel_id=self.hotel.pk).values_list("number", flat=True)
            return [LockInfo(simulated_lock_id(self.hotel, number), number) for number in numbers]

    def add_pin(self, *, lock_id, pin, start, end, name) -> Passcode:
        if not lock_id:
            raise LockError("no_lock", "The room has no lock.", retryable=False)
        row = SimulatedPasscode.objects.create(lock_id=lock_id, pin=pin, name=name, valid_from=start, valid_until=end)
        return Passcode(str(row.pk), pin)

    def offline_pin(self, *, lock_id, start, end, name) -> Passcode:
        return self.add_pin(lock_id=lock_id, pin=f"{secrets.randbelow(10**7):07d}", start=start, end=end, name=name)

    def find_pin(self, *, lock_id, name) -> Passcode | None:
        row = SimulatedPasscode.objects.filter(lock_id=lock_id, name=name, deleted_at=None).first()
        return Passcode(str(row.pk), row.pin) if row else None

    def delete_pin(self, *, lock_id, remote_id) -> None:
        SimulatedPasscode.objects.filter(lock_id=lock_id, pk=remote_id, deleted_at=None).update(
            deleted_at=timezone.now())

    def unlock(self, *, lock_id) -> None:
        SimulatedUnlock.objects.create(lock_id=lock_id, method=SimulatedUnlock.REMOTE)

    supports_app_keys = True

    def send_app_key(self, *, lock_id, receiver, name, start, end, remote_unlock=False) -> AppKey:
        if not lock_id:
            raise LockError("no_lock", "The room has no lock.", retryable=False)
        now = timezone.now()
        SimulatedAppKey.objects.filter(lock_id=lock_id, receiver=receiver, deleted_at=None).update(deleted_at=now)
        row = SimulatedAppKey.objects.create(lock_id=lock_id, receiver=receiver, name=name[:100], valid_from=start,
                                             valid_until=end, remote_unlock=remote_unlock)
        return AppKey(str(row.pk))

    def _app_key(self, remote_id) -> SimulatedAppKey:
        row = SimulatedAppKey.objects.filter(pk=int(remote_id), deleted_at=None).first() \
            if str(remote_id).isdecimal() else None
        if row is None:
            raise LockError("no_key", "The app key does not exist on the lock cloud.", retryable=False)
        return row

    def change_app_key(self, *, remote_id, start, end) -> None:
        row = self._app_key(remote_id)
        row.valid_from, row.valid_until = start, end
        row.save(update_fields=["valid_from", "valid_until"])

    def delete_app_key(self, *, remote_id) -> None:
        row = self._app_key(remote_id)
        row.deleted_at = timezone.now()
        row.save(update_fields=["deleted_at"])


# -- the demo keypad -------------------------------------------------------------------------------

def keypad_enter(*, lock_id: str, pin: str, now: datetime | None = None) -> bool:
    """A PIN typed on a simulated lock's keypad: opens if the simulator holds it for this moment."""
    now = now or timezone.now()
    pin = (pin or "").strip()
    if not pin.isdecimal():  # a PIN is digits; anything else (a NUL among them) opens nothing
        return False
    match = SimulatedPasscode.objects.filter(lock_id=lock_id, pin=pin, deleted_at=None,
                                             valid_from__lte=now, valid_until__gt=now).first()
    if match:
        SimulatedUnlock.objects.create(lock_id=lock_id, method=SimulatedUnlock.KEYPAD, passcode=match)
    return match is not None
