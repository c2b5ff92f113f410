"""The one place that turns a booking into template variables (see variables.VARIABLES)."""

from __future__ import annotations

from django.utils import translation

from innkeeper.core import dates
from innkeeper.core.money import format_money
from innkeeper.hotels.links import checkin_link
from innkeeper.messaging.variables import VARIABLES

CHECK_IN_OPEN = frozenset({"CONFIRMED"})


def booking_context(booking, *, add_on_names: list[str] | None = None, **extra) -> dict:
    """Variables for messages about ``booking``, formatted in the guest's language and the hotel's zone.

    Later steps pass what only they know (``pin``, ``web_key_link``, ``app_key_account``, ``room_number``...)
    as ``extra``; a name outside VARIABLES is a programming error. ``add_on_names``: the booking's extras
    when the caller has read them already (a worker's batch), else they are read here.
    """
    unknown = set(extra) - set(VARIABLES)
    if unknown:
        raise ValueError(f"unknown message variables: {', '.join(sorted(unknown))}")
    hotel = booking.hotel
    tz = hotel.tz
    with translation.override(booking.locale):
        window = booking.window  # arrival and departure with an early check-in or late check-out
        start, end, locale = window.start, window.end, booking.locale
        context = {
            "guest_name": booking.guest_name,
            "hotel_name": hotel.name,
            "reference": booking.reference,
            "check_in": dates.format_moment(start, locale, tz=tz),
            "check_out": dates.format_moment(end, locale, tz=tz),
            "check_in_date": dates.format_day(start, locale, tz=tz),
            "check_out_date": dates.format_day(end, locale, tz=tz),
            "room_type": booking.room_type.name,
            "room_number": booking.room.number,
            "pin": "",
            "web_key_link": "",
            "app_key_account": "",
            "app_key_password": "",
            # While the guest may still check in online, every message about the booking carries the link.
            "check_in_link": checkin_link(booking) if booking.status in CHECK_IN_OPEN else "",
            "add_ons": add_on_names if add_on_names is not None else
            [line.add_on.name for line in booking.add_ons.select_related("add_on")],
            "total": format_money(booking.total, booking.currency, booking.locale),
            "manage_link": "",
            "cancellation_fee": format_money(booking.cancellation_fee, booking.currency, booking.locale)
            if booking.cancellation_fee else "",
        }
    context.update({k: ("" if v is None else v) for k, v in extra.items()})
    return context
