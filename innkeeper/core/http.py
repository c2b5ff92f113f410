"""Facts about an HTTP request that every interface reads the same way."""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _address(raw: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((raw or "").strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The client's address, as the nearest trusted reverse proxy saw it.

    Each proxy appends the address it saw to X-Forwarded-For, so behind TRUSTED_PROXY_COUNT proxies the
    client is that many entries from the right. With 0 (the default) the header is ignored: anyone can
    send one, and it would let a client pick its own rate limit.
    """
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if len(hops) >= count:
            forwarded = _address(hops[-count])
            if forwarded:
                return forwarded
    return _address(request.META.get("REMOTE_ADDR"))
