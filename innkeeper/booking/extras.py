"""Which extras a guest may buy for a stay, and why not: the one place that says it.

The booking site, the API (which refuses the others with the reason given here), the check-in extras step
and the booking engine itself all ask these rules, so no page offers what the engine would refuse.
- Early check-in and late check-out (occupied.EXTENDING) stretch a night's stay; an hourly stay is
  bought by the hour instead, so they are nightly-only.
- Early check-in is not offered to a stay that starts at or after INNKEEPER_EARLY_CHECK_IN_CUTOFF
  (local time), nor once the earlier start it buys has come: the guest cannot arrive in the past.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils.translation import gettext as _

from innkeeper.booking.occupied import EARLY_CHECK_IN, EXTENDING
from innkeeper.booking.stays import HOURLY
from innkeeper.core.dates import format_clock
from innkeeper.core.errors import InvalidInput


def refusal(*, hotel, add_on, stay, now: datetime) -> str | None:
    """Why ``add_on`` cannot be bought for ``stay`` at ``now``, in a sentence for the guest; None if it can.

    ``stay`` is a booking.stays.Stay or a Booking (both say their kind and start)."""
    if add_on.code in EXTENDING and stay.kind == HOURLY:
        return _("%(name)s is offered with nightly stays only.") % {"name": add_on.name}
    if add_on.code == EARLY_CHECK_IN:
        cutoff = settings.INNKEEPER_EARLY_CHECK_IN_CUTOFF
        if stay.start.astimezone(hotel.tz).time() >= cutoff:
            return _("%(name)s is not offered for arrivals from %(time)s.") % {
                "name": add_on.name, "time": format_clock(cutoff)}
        if stay.start - timedelta(minutes=settings.LOCKS_EARLY_CHECK_IN_MINUTES) < now:
            return _("%(name)s is no longer possible: the earlier arrival it offers has already begun.") % {
                "name": add_on.name}
    return None


def check(*, hotel, add_ons, stay, now: datetime) -> None:
    """Raise InvalidInput (field ``add_ons``) saying why, when any of ``add_ons`` cannot be bought for ``stay``."""
    reasons = [reason for add_on in add_ons if (reason := refusal(hotel=hotel, add_on=add_on, stay=stay, now=now))]
    if reasons:
        raise InvalidInput(" ".join(reasons), field="add_ons", code="add_on_not_offered")
