"""Absolute links to pages of a hotel's own site, for messages sent outside any request."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django_scopes import scopes_disabled

from innkeeper.core import tokens
from innkeeper.hotels import verification
from innkeeper.hotels.models import Hotel, HotelDomain

HOTEL_URLCONF = "innkeeper.urls_hotel"
CHECKIN_TOKEN_SALT = "innkeeper.checkin.link"  # noqa: S105  (a salt, not a secret)
BOOKING_TOKEN_SALT = "innkeeper.web.booking"  # noqa: S105  (a salt, not a secret)
FEEDBACK_TOKEN_SALT = "innkeeper.feedback.link"  # noqa: S105  (a salt, not a secret)


_hosts: ContextVar[dict | None] = ContextVar("hotel_hosts", default=None)


@contextmanager
def hosts_remembered():
    """Within the block each hotel's link host is looked up once (a worker wording a batch of messages)."""
    token = _hosts.set({})
    try:
        yield
    finally:
        _hosts.reset(token)


def hotel_host(hotel: Hotel) -> str:
    """The hotel's main domain once verified; else its own name under PLATFORM_DOMAIN (or .localhost)."""
    remembered = _hosts.get()
    if remembered is not None and hotel.pk in remembered:
        return remembered[hotel.pk]
    with scopes_disabled():
        domain = (HotelDomain.objects.filter(hotel=hotel, is_primary=True, verified_at__isnull=False)
                  .values_list("domain", flat=True).first())
    host = domain or verification.own_hosts(hotel.slug)[-1]
    if remembered is not None:
        remembered[hotel.pk] = host
    return host


def hotel_url(hotel: Hotel, name: str, locale: str | None = None, *, query: dict | None = None, **kwargs) -> str:
    """``https://<hotel's primary domain>/<locale>/<page>?<query>``."""
    offered = hotel.locales or [hotel.default_locale]
    locale = locale if locale in offered else hotel.default_locale
    with translation.override(locale):
        path = reverse(name, urlconf=HOTEL_URLCONF, kwargs=kwargs or None)
    port = f":{settings.HOTEL_LINK_PORT}" if settings.HOTEL_LINK_PORT else ""
    return f"{settings.HOTEL_LINK_SCHEME}://{hotel_host(hotel)}{port}{path}" + (f"?{urlencode(query)}" if query else "")


def checkin_token(booking) -> str:
    """The check-in link's token: signed, bound to one booking (check-in reads it back)."""
    return tokens.sign({"b": booking.pk, "r": booking.reference}, salt=CHECKIN_TOKEN_SALT)


def checkin_link(booking) -> str:
    """The guest's check-in link, in the guest's language (sent with the confirmation and the reminder)."""
    return hotel_url(booking.hotel, "check_in", booking.locale, query={"token": checkin_token(booking)})


def feedback_link(booking) -> str:
    """The page where the guest rates the stay (sent after it), bound to one booking of one hotel."""
    token = tokens.sign({"b": booking.pk, "r": booking.reference}, salt=FEEDBACK_TOKEN_SALT)
    return hotel_url(booking.hotel, "feedback", booking.locale, query={"token": token})


def booking_token(booking) -> str:
    """The token of a guest's booking pages (payment, confirmation, manage booking): signed, the reference."""
    return tokens.sign(booking.reference, salt=BOOKING_TOKEN_SALT)


def pay_link(booking) -> str:
    """The page where the guest pays for ``booking``, in the guest's language (answered by the API)."""
    return hotel_url(booking.hotel, "book_pay", booking.locale, token=booking_token(booking))


def manage_link(booking) -> str:
    """The guest's manage-booking page (see it, add it to a calendar, cancel by the policy), in their language."""
    return hotel_url(booking.hotel, "manage_booking", booking.locale, token=booking_token(booking))
