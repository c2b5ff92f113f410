from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime

from innkeeper.core.providers import ConfigField

# In every lock account's config: whether guests get an app key beside their PIN, and whether that key may
# open the door remotely through the gateway (the hotel's choice; TTLock's remoteEnable).
APP_KEY_FIELDS = (ConfigField("app_keys", type=bool), ConfigField("app_keys_remote_unlock", type=bool))


@dataclass(frozen=True)
class Passcode:
    remote_id: str
    pin: str


@dataclass(frozen=True)
class AppKey:
    """An app key (TTLock eKey) the lock cloud gave a guest's account for one lock."""

    remote_id: str


@dataclass(frozen=True)
class LockInfo:
    """One lock of a lock-cloud account: its id at the provider and the name the hotel gave it there."""

    lock_id: str
    name: str = ""


class LockError(Exception):
    """A lock operation that did not happen.

    ``retryable``: the same call may succeed later (network, 5xx, busy gateway, rate limit).
    ``unreachable``: the lock cannot be reached from the cloud right now (no gateway / gateway offline),
    so a custom PIN cannot be pushed to it — an offline passcode still works.
    ``ambiguous``: the request may have reached the lock cloud (timeout, 5xx), so look before repeating it.
    """

    def __init__(self, code: str, message: str, *, retryable: bool, unreachable: bool = False,
                 ambiguous: bool = False):
        super().__init__(f"{code}: {message}")
        self.code = str(code)
        self.message = message
        self.retryable = retryable
        self.unreachable = unreachable
        self.ambiguous = ambiguous


class LockProvider(ABC):
    name: str
    # The lock list is read from this database, not asked of a lock cloud (the simulator): read it at once.
    # Any other provider's list is read by a worker and kept (locks.binding.lock_list_refresh).
    lists_locally = False

    @property
    @abstractmethod
    def account_key(self) -> str:
        """Who the lock-cloud account is (stable, no secrets): stored with every room bound to one of its
        locks, so a lock id is only ever read together with the account it came from."""

    @abstractmethod
    def list_locks(self) -> list[LockInfo]:
        """Every lock of the account."""

    @abstractmethod
    def add_pin(self, *, lock_id: str, pin: str, start: datetime, end: datetime, name: str) -> Passcode:
        """Put a custom ``pin`` on the lock, valid in [start, end)."""

    @abstractmethod
    def offline_pin(self, *, lock_id: str, start: datetime, end: datetime, name: str) -> Passcode:
        """A period passcode the lock cloud computes offline; ``start``/``end`` on whole hours of the lock's
        clock, given in the lock's time zone."""

    @abstractmethod
    def find_pin(self, *, lock_id: str, name: str) -> Passcode | None:
        """The passcode named ``name`` on the lock, if one exists."""

    @abstractmethod
    def delete_pin(self, *, lock_id: str, remote_id: str) -> None:
        ...

    @abstractmethod
    def unlock(self, *, lock_id: str) -> None:
        ...

    # App keys (a key in the lock vendor's phone app). A provider without them says so; the PIN and the
    # web key do not depend on them.
    supports_app_keys = False

    def send_app_key(self, *, lock_id: str, receiver: str, name: str, start: datetime, end: datetime,
                     remote_unlock: bool = False) -> AppKey:
        """Give ``receiver`` (an e-mail address or a phone number in E.164) a key to the lock for [start, end),
        creating their account at the lock vendor when they have none. Sending again to the same receiver
        replaces their key to that lock."""
        raise LockError("unsupported", "This lock provider has no app keys.", retryable=False)

    def change_app_key(self, *, remote_id: str, start: datetime, end: datetime) -> None:
        raise LockError("unsupported", "This lock provider has no app keys.", retryable=False)

    def delete_app_key(self, *, remote_id: str) -> None:
        raise LockError("unsupported", "This lock provider has no app keys.", retryable=False)


class NoLocks(LockProvider):
    """The lock provider of a hotel with no lock account (LOCK_PROVIDER=none and none of its own): it has no
    locks, so its rooms take none and its stays get no keys (locks.selectors.stay_has_smart_lock); a key
    operation that reaches it anyway (a row from before the account went) fails for good, saying why."""

    name = "none"
    lists_locally = True  # an empty list, known without asking anyone

    @property
    def account_key(self) -> str:
        return ""

    def list_locks(self) -> list[LockInfo]:
        return []

    def _refuse(self, *args, **kwargs):
        raise LockError("no_lock_account", "This hotel has no lock account, so no key can be put on a lock.",
                        retryable=False)

    add_pin = offline_pin = find_pin = delete_pin = unlock = _refuse
