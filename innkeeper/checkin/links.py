"""The guest's check-in link: a signed token bound to one booking. Its own module so that messaging can
put the link in a message without depending on the check-in steps."""

from __future__ import annotations

from innkeeper.core import tokens
from innkeeper.hotels.links import hotel_url

TOKEN_SALT = "innkeeper.checkin.link"  # noqa: S105  (a salt, not a secret)


def checkin_token(booking) -> str:
    return tokens.sign({"b": booking.pk, "r": booking.reference}, salt=TOKEN_SALT)


def checkin_link(booking) -> str:
    """The guest's check-in link, in the guest's language (sent with the confirmation and the reminder)."""
    return hotel_url(booking.hotel, "check_in", booking.locale, query={"token": checkin_token(booking)})
