"""Which site a request is for: a hotel's (by its domains, or <slug>.localhost), or the platform's."""

from __future__ import annotations

from django.conf import settings
from django.http.request import split_domain_port
from django_scopes import scopes_disabled

from innkeeper.hotels.models import Hotel, HotelDomain

LOCAL_SUFFIX = ".localhost"  # browsers resolve *.localhost to this machine: <slug>.localhost for demos


def hostname(request) -> str:
    return split_domain_port(request.get_host())[0].lower().rstrip(".")


def is_platform_host(host: str) -> bool:
    return host in settings.INNKEEPER_PLATFORM_HOSTS


def hotel_for_host(host: str) -> Hotel | None:
    with scopes_disabled():  # the one place a request's hotel is found, before any scope exists
        domain = HotelDomain.objects.select_related("hotel").filter(domain=host, hotel__is_active=True).first()
    if domain:
        return domain.hotel
    if host.endswith(LOCAL_SUFFIX):
        return Hotel.objects.filter(slug=host[: -len(LOCAL_SUFFIX)], is_active=True).first()
    return None


def primary_host(hotel: Hotel) -> str | None:
    with scopes_disabled():
        domain = HotelDomain.objects.filter(hotel=hotel, is_primary=True).first()
    return domain.domain if domain else None


def absolute_url(request, path: str) -> str:
    """The canonical absolute URL of ``path`` on the current hotel's site (its primary domain)."""
    hotel = getattr(request, "hotel", None)
    primary = primary_host(hotel) if hotel else None
    if primary is None or primary == hostname(request):
        return request.build_absolute_uri(path)
    port = split_domain_port(request.get_host())[1]
    return f"{request.scheme}://{primary}{':' + port if port and primary.endswith(LOCAL_SUFFIX) else ''}{path}"
