"""What every PMS adapter speaks: reservations, guests, rooms and room types of the hotel's PMS, and the one
vocabulary of statuses they map to.

An adapter is one module: a class registered with ``core.providers.register`` (kind "pms"), its config fields
(secrets marked; URLs pass the outbound guard), ``verify()`` (one cheap authenticated call), the calls below,
``STATUS_MAP`` (the PMS's own statuses -> ExternalStatus; a documented, tested table), and, where the PMS sends
webhooks, ``parse_callback()`` (core.providers.Callback whose events are PmsEvent).

Adapters never write to the database and never decide what a reservation means here: that is the sync's
(innkeeper.pms.services). They raise PmsError for anything that did not work, with our own sentence (never
the remote body) and whether trying again later may help.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from innkeeper.core.providers import IntegrationProvider


class ExternalStatus:
    """A PMS reservation's status in our words (what STATUS_MAP maps every PMS status to)."""

    TENTATIVE = "TENTATIVE"  # held or requested, not confirmed by the hotel or the guest: occupies nothing here
    BOOKED = "BOOKED"  # confirmed, not arrived
    IN_HOUSE = "IN_HOUSE"  # checked in
    CHECKED_OUT = "CHECKED_OUT"
    CANCELLED = "CANCELLED"  # cancelled, refunded or deleted in the PMS
    NO_SHOW = "NO_SHOW"

    ALL = (TENTATIVE, BOOKED, IN_HOUSE, CHECKED_OUT, CANCELLED, NO_SHOW)


@dataclass(frozen=True)
class PmsGuest:
    external_id: str = ""
    name: str = ""
    email: str = ""
    phone: str = ""  # as the PMS gives it; the sync cleans it to E.164 with the hotel's country
    locale: str = ""  # a language code when the PMS knows one (e.g. "ru")
    country: str = ""  # ISO 3166-1 alpha-2 when the PMS knows it


@dataclass(frozen=True)
class PmsRoomType:
    external_id: str
    name: str


@dataclass(frozen=True)
class PmsRoom:
    external_id: str
    number: str  # the room's number or name as the front desk says it
    room_type_id: str = ""  # PmsRoomType.external_id


@dataclass(frozen=True)
class PmsReservation:
    """One reservation (one room of a multi-room booking is one reservation: ``external_id`` names the room's
    line, ``booking_ref`` the booking it belongs to)."""

    external_id: str
    status: str  # ExternalStatus
    pms_status: str  # the PMS's own word or code, kept for staff and the log
    check_in: date  # arrival day (the hotel's local date)
    check_out: date  # departure day
    room_type: PmsRoomType | None = None
    room: PmsRoom | None = None  # None: not assigned to a room yet
    guest: PmsGuest = field(default_factory=PmsGuest)
    guests: int = 1
    booking_ref: str = ""  # the PMS booking / order / confirmation number the guest knows
    start: datetime | None = None  # aware arrival time when the PMS gives one; else the hotel's check-in time
    end: datetime | None = None  # aware departure time when the PMS gives one; else the hotel's check-out time
    total: Decimal | None = None
    currency: str = ""
    updated: str = ""  # the PMS's own last-change mark (compared only with others from the same PMS)


@dataclass(frozen=True)
class Page:
    """A batch of changed reservations and where the next batch starts (None: nothing more for now)."""

    reservations: list[PmsReservation]
    cursor: str | None  # opaque to the sync: handed back to the adapter as ``since`` next time
    more: bool = False  # True: call again at once with ``cursor``


@dataclass(frozen=True)
class PmsEvent:
    """One inbound webhook event: which reservation changed (the sync fetches it; a webhook is never trusted
    for the reservation's content)."""

    event_id: str  # the PMS's id for the event (replay protection); a digest of the body when it has none
    at: float | None  # epoch seconds the PMS stamped it, when it does
    reservation_id: str = ""  # PmsReservation.external_id, or "" when the event names only the booking
    booking_ref: str = ""
    kind: str = ""  # the PMS's event name, for the log


class PmsError(Exception):
    """A PMS call that did not work. ``message`` is our sentence for the panel (never the PMS's body);
    ``retryable``: the same call may work later (network, 5xx, 429); ``retry_after``: seconds the PMS asked us
    to wait (its 429's Retry-After), else None."""

    def __init__(self, code: str, message: str, *, retryable: bool, retry_after: float | None = None):
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.retryable = str(code), message, retryable
        self.retry_after = retry_after


class PmsAdapter(IntegrationProvider, ABC):
    kind = "pms"
    STATUS_MAP: dict[str, str] = {}  # the PMS's status -> ExternalStatus; anything else is a PmsError
    webhooks = False  # True when the PMS pushes events (parse_callback); else the sync polls only

    @classmethod
    @abstractmethod
    def from_config(cls, config: dict, *, hotel=None) -> PmsAdapter:
        """The adapter for a hotel's account config (its URL behind the outbound guard)."""

    @abstractmethod
    def changed(self, since: str | None, *, limit: int = 500) -> Page:
        """Reservations created or changed since ``since`` (a cursor from an earlier Page; None: from the
        start of the sync window, i.e. those not yet departed), oldest change first, at most ``limit``."""

    @abstractmethod
    def between(self, start: date, end: date) -> Iterable[PmsReservation]:
        """Every reservation staying on any night in [start, end), whatever its status."""

    @abstractmethod
    def reservation(self, external_id: str) -> PmsReservation | None:
        """One reservation as it is now; None when the PMS no longer has it (deleted)."""

    def booking(self, booking_ref: str) -> list[PmsReservation] | None:
        """Every reservation (room line) of the PMS booking ``booking_ref`` as it is now, [] when the PMS no
        longer has it; None when this PMS cannot read a booking by its reference (a webhook naming only the
        booking then makes the sync read what changed)."""
        return None

    @abstractmethod
    def guest(self, external_id: str) -> PmsGuest:
        """A guest's profile."""

    @abstractmethod
    def room_types(self) -> list[PmsRoomType]:
        ...

    @abstractmethod
    def rooms(self) -> list[PmsRoom]:
        ...

    def map_status(self, pms_status: str) -> str:
        try:
            return self.STATUS_MAP[pms_status]
        except KeyError:
            raise PmsError("unknown_status", f"The PMS sent a status this adapter does not know: {pms_status!r}.",
                           retryable=False) from None
