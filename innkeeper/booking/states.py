"""The booking status machine: the one place that says which status may follow which."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from innkeeper.core.errors import Conflict


class Status(models.TextChoices):
    HOLD = "HOLD", _("On hold")
    PENDING_PAYMENT = "PENDING_PAYMENT", _("Awaiting payment")
    CONFIRMED = "CONFIRMED", _("Confirmed")
    CHECKIN_COMPLETED = "CHECKIN_COMPLETED", _("Online check-in completed")
    CHECKED_IN = "CHECKED_IN", _("Checked in")
    CHECKED_OUT = "CHECKED_OUT", _("Checked out")
    CANCELLED = "CANCELLED", _("Cancelled")
    NO_SHOW = "NO_SHOW", _("No-show")
    # A hold or unpaid checkout whose time ran out. It was never a sale, so it is kept apart from
    # CANCELLED (which counts in cancellation figures).
    EXPIRED = "EXPIRED", _("Expired")


S = Status

TRANSITIONS: dict[str, frozenset[str]] = {
    S.HOLD: frozenset({S.PENDING_PAYMENT, S.CONFIRMED, S.CANCELLED, S.EXPIRED}),
    S.PENDING_PAYMENT: frozenset({S.CONFIRMED, S.CANCELLED, S.EXPIRED}),
    S.CONFIRMED: frozenset({S.CHECKIN_COMPLETED, S.CHECKED_IN, S.CANCELLED, S.NO_SHOW}),
    S.CHECKIN_COMPLETED: frozenset({S.CHECKED_IN, S.CANCELLED, S.NO_SHOW}),
    S.CHECKED_IN: frozenset({S.CHECKED_OUT}),
    S.CHECKED_OUT: frozenset(),
    S.CANCELLED: frozenset(),
    S.NO_SHOW: frozenset(),
    S.EXPIRED: frozenset(),
}

# Statuses in which a booking occupies its room. The database constraint uses exactly this set.
ACTIVE: frozenset[str] = frozenset({S.HOLD, S.PENDING_PAYMENT, S.CONFIRMED, S.CHECKIN_COMPLETED, S.CHECKED_IN})
# Statuses that lapse at hold_expires_at unless confirmed first.
EXPIRING: frozenset[str] = frozenset({S.HOLD, S.PENDING_PAYMENT})
# Statuses whose dates or room may still change.
CHANGEABLE: frozenset[str] = frozenset({S.HOLD, S.PENDING_PAYMENT, S.CONFIRMED, S.CHECKIN_COMPLETED})


class IllegalTransition(Conflict):
    code = "illegal_transition"

    def __init__(self, current: str, target: str):
        super().__init__(
            _("A booking that is %(current)s cannot become %(target)s.")
            % {"current": current, "target": target},
            current=current, target=target,
        )


def check_transition(current: str, target: str) -> None:
    if target not in TRANSITIONS[current]:
        raise IllegalTransition(current, target)
