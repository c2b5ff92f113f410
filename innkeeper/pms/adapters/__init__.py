"""PMS adapters: one module per PMS, each registering itself under kind "pms" in core's provider registry.

An adapter reads reservations, guests, rooms and room types from the hotel's PMS and says them in the
vocabulary of ``base`` (``PmsReservation`` and friends); the sync (innkeeper.pms.services) decides what
they mean here. Import each adapter module below so that it registers.
"""

from innkeeper.pms.adapters import cloudbeds, mews  # noqa: E402, F401  (each registers itself)
from innkeeper.pms.adapters.base import (  # noqa: F401
    ExternalStatus,
    Page,
    PmsAdapter,
    PmsError,
    PmsEvent,
    PmsGuest,
    PmsReservation,
    PmsRoom,
    PmsRoomType,
)

__all__ = ["ExternalStatus", "Page", "PmsAdapter", "PmsError", "PmsEvent", "PmsGuest", "PmsReservation", "PmsRoom",
           "PmsRoomType"]

from innkeeper.pms.adapters import (
    ical,  # noqa: E402,F401  (registers "ical")
    qloapps,  # noqa: E402,F401  (registers "qloapps")
)
