"""Which site a request is for: a hotel's (by its verified domains, or <slug>.localhost), or the
platform's."""

from __future__ import annotations

from django.conf import settings
from django.http.request import split_domain_port
from django_scopes import scopes_disabled

from innkeeper.hotels import verification
from innkeeper.hotels.models import Hotel, HotelDomain

LOCAL_SUFFIX = verification.LOCAL_SUFFIX  # browsers resolve *.localhost to this machine: <slug>.localhost


def hostname(request) -> str:
    return split_domain_port(request.get_host())[0].lower().rstrip(".")


def is_platform_host(host: str) -> bool:
    return host in settings.INNKEEPER_PLATFORM_HOSTS


def hotel_for_host(host: str) -> Hotel | None:
    """The hotel whose verified domain ``host`` is; a pending one answers nothing. ``<slug>.localhost`` and
    ``<slug>.<PLATFORM_DOMAIN>`` are the hotel's own without proof."""
    with scopes_disabled():  # the one place a request's hotel is found, before any scope exists
        domain = (HotelDomain.objects.select_related("hotel")
                  .filter(domain=host, verified_at__isnull=False, hotel__is_active=True).first())
    if domain:
        return domain.hotel
    slug = verification.slug_of_own_host(host)
    if slug:
        return Hotel.objects.filter(slug=slug, is_active=True).first()
    return None


def primary_host(hotel: Hotel) -> str | None:
    """The hotel's main domain, once it is verified: canonical links and sitemaps never name a pending one."""
    with scopes_disabled():
        domain = HotelDomain.objects.filter(hotel=hotel, is_primary=True, verified_at__isnull=False).first()
    return domain.domain if domain else None


def absolute_url(request, path: str) -> str:
    """The canonical absolute URL of ``path`` on the current hotel's site (its primary domain)."""
    hotel = getattr(request, "hotel", None)
    primary = primary_host(hotel) if hotel else None
    if primary is None or primary == hostname(request):
        return request.build_absolute_uri(path)
    port = split_domain_port(request.get_host())[1]
    return f"{request.scheme}://{primary}{':' + port if port and primary.endswith(LOCAL_SUFFIX) else ''}{path}"
