"""Rate limits on the anonymous requests that create, look up or send: one helper for pages and API alike.

Each limit is a scope (``booking``, ``lookup``, ...) and a rate (``10/h``), counted per key (the client's
address from ``core.http.client_ip``, never the raw X-Forwarded-For; a guest's e-mail) and per hotel, in
fixed windows in Django's cache: Redis when CACHE_URL names one, so every process shares the count; local
memory in the demo. ``RATE_LIMITS=off`` turns them all off (load tests, benchmarks); ``RATE_LIMITS`` also
takes overrides per scope, e.g. ``booking=20/h,lookup=5/m`` (see docs/configuration.md).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import ngettext

from innkeeper.core.errors import TooManyRequests

log = logging.getLogger(__name__)

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


# Sensible defaults a small hotel's guests never reach by hand.
DEFAULTS = {
    "booking": Rate(10, 3600),  # bookings made, per client and per guest e-mail, per hotel
    "lookup": Rate(30, 3600),  # booking look-ups and guest cancellations, per client, per hotel
    "checkin_link": Rate(20, 3600),  # check-in links that open nothing, per client, per hotel
    "feedback_link": Rate(20, 3600),  # feedback links that open nothing, per client, per hotel
    "password_reset": Rate(5, 3600),  # reset mails asked for, per client and per address
    "invitation": Rate(20, 3600),  # invitation links opened or answered, per client
}


def parse_rate(raw: str) -> Rate:
    """``10/h`` → Rate(10, 3600); units s, m, h, d."""
    count, _sep, unit = raw.strip().partition("/")
    if not count.strip().isdigit() or int(count) < 1 or unit.strip() not in UNITS:
        raise ValueError(f"{raw.strip()!r} is not a rate like 10/h (a count, /, and s, m, h or d)")
    return Rate(int(count), UNITS[unit.strip()])


def parse(raw: str) -> dict[str, Rate] | None:
    """RATE_LIMITS: empty for the defaults, ``off`` for none, or overrides ``scope=rate,scope=rate``."""
    raw = raw.strip()
    if raw.lower() == "off":
        return None
    rates = dict(DEFAULTS)
    for part in filter(None, (p.strip() for p in raw.split(","))):
        scope, sep, rate = part.partition("=")
        if not sep or scope.strip() not in DEFAULTS:
            raise ValueError(f"{part!r}: name one of {', '.join(DEFAULTS)} as scope=rate")
        rates[scope.strip()] = parse_rate(rate)
    return rates


def limit(scope: str, *keys: str | None, hotel=None, now: float | None = None) -> None:
    """Count this request under ``scope`` for each of ``keys`` (blank ones are skipped) and raise
    TooManyRequests, with the seconds until the window ends, when any of them is over its rate."""
    rates = settings.RATE_LIMITS
    if rates is None:
        return
    rate = rates[scope]
    now = time.time() if now is None else now
    window = int(now // rate.seconds)
    retry_after = max(1, int(rate.seconds - now % rate.seconds))
    over = False
    for key in filter(None, keys):
        name = f"throttle:{scope}:{getattr(hotel, 'pk', hotel) or '-'}:{key.strip().lower()}:{window}"
        cache.add(name, 0, timeout=rate.seconds + 5)
        try:
            count = cache.incr(name)
        except ValueError:  # expired between add and incr: this request starts a new count
            cache.add(name, 1, timeout=rate.seconds + 5)
            count = 1
        over = over or count > rate.count
    if over:
        log.warning("rate limit %s hit (hotel %s, keys %s)", scope, getattr(hotel, "pk", hotel), keys)
        minutes = -(-retry_after // 60)
        raise TooManyRequests(ngettext("Too many requests from here. Please try again in %(n)d minute.",
                                       "Too many requests from here. Please try again in %(n)d minutes.",
                                       minutes) % {"n": minutes}, retry_after=retry_after)
