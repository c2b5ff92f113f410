"""The one place that turns a booking into template variables (see variables.VARIABLES)."""

from __future__ import annotations

from django.utils import translation

from innkeeper.booking import selectors as booking_selectors
from innkeeper.core import dates
from innkeeper.core.money import format_money
from innkeeper.hotels.links import checkin_link, feedback_link, manage_link
from innkeeper.messaging.variables import VARIABLES

CHECK_IN_OPEN = frozenset({"CONFIRMED"})
STAYED = frozenset({"CHECKIN_COMPLETED", "CHECKED_IN", "CHECKED_OUT"})


def booking_context(booking, *, locale: str | None = None, add_on_lines=None, **extra) -> dict:
    """Variables for messages about ``booking``, formatted in ``locale`` (the message's; the guest's by
    default) and the hotel's zone. The hotel's, the room type's and the extras' names are their texts in that
    language, or their fallback (hotels.translation). Arrival and departure are the stay window
    (``Booking.window``: an early check-in or late check-out moves them), as on every page and key.

    Later steps pass what only they know (``pin``, ``web_key_link``, ``app_key_account``, ``key_collection``...)
    as ``extra``; a name outside VARIABLES is a programming error. ``add_on_lines``: the booking's extras
    (BookingAddOn rows with their add_on) when the caller has read them already (a worker's batch), else
    they are read here.
    """
    unknown = set(extra) - set(VARIABLES)
    if unknown:
        raise ValueError(f"unknown message variables: {', '.join(sorted(unknown))}")
    hotel = booking.hotel
    tz = hotel.tz
    locale = locale or booking.locale
    if add_on_lines is None:
        add_on_lines = booking_selectors.add_on_lines(booking)
    with translation.override(locale):
        window = booking.window
        start, end = window.start, window.end
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
            "key_collection": "",
            # While the guest may still check in online, every message about the booking carries the link.
            "check_in_link": checkin_link(booking) if booking.status in CHECK_IN_OPEN else "",
            # A door code is promised only for a room with a smart lock (its lock is picked from the hotel's
            # lock account); the guest of any other room collects a key.
            "smart_lock": "yes" if booking.room_id and booking.room.lock_id else "",
            "add_ons": [line.add_on.name for line in add_on_lines],
            "total": format_money(booking.total, booking.currency, locale),
            "manage_link": manage_link(booking),
            # Once the guest has stayed, the form where they rate the stay.
            "feedback_link": feedback_link(booking) if booking.status in STAYED else "",
            "cancellation_fee": format_money(booking.cancellation_fee, booking.currency, locale)
            if booking.cancellation_fee else "",
        }
    context.update({k: ("" if v is None else v) for k, v in extra.items()})
    return context
