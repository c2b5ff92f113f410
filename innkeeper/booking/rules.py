"""What a room type allows for a stay: sale mode, hours, occupancy, closed dates, minimum stay."""

from __future__ import annotations

from django.utils.translation import gettext as _

from innkeeper.booking.stays import HOURLY, Stay
from innkeeper.core.dates import format_day
from innkeeper.core.errors import InvalidInput


def violation(*, room_type, stay: Stay, guests: int, overrides: dict) -> InvalidInput | None:
    """The first rule ``stay`` breaks in ``room_type``, or None. ``overrides``: date -> RateOverride."""
    name = room_type.name
    if stay.kind == HOURLY:
        if not room_type.sells_hourly:
            return InvalidInput(_("%(name)s is not sold by the hour.") % {"name": name},
                                field="room_type", code="not_sold_hourly")
        if not room_type.min_hours <= stay.hours <= room_type.max_hours:
            return InvalidInput(
                _("%(name)s is sold for %(min)d to %(max)d hours.")
                % {"name": name, "min": room_type.min_hours, "max": room_type.max_hours},
                field="hours", code="hours_out_of_range")
    elif not room_type.sells_nightly:
        return InvalidInput(_("%(name)s is not sold by the night.") % {"name": name},
                            field="room_type", code="not_sold_nightly")
    if guests < 1:
        return InvalidInput(_("At least one guest is needed."), field="guests", code="too_few_guests")
    if guests > room_type.max_occupancy:
        return InvalidInput(_("%(name)s sleeps at most %(n)d guests.") % {"name": name, "n": room_type.max_occupancy},
                            field="guests", code="too_many_guests")
    closed = [d for d in stay.dates if d in overrides and overrides[d].closed]
    if closed:
        return InvalidInput(
            _("%(name)s cannot be booked on %(dates)s.")
            % {"name": name, "dates": ", ".join(format_day(d) for d in closed)},
            field="check_in", code="closed")
    arrival = overrides.get(stay.check_in)
    if stay.kind != HOURLY and arrival and arrival.min_stay and stay.nights < arrival.min_stay:
        return InvalidInput(
            _("Stays arriving on %(date)s must be at least %(n)d nights.")
            % {"date": format_day(stay.check_in), "n": arrival.min_stay},
            field="check_out", code="min_stay")
    return None
