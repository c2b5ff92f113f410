"""Outgoing HTTP for providers: explicit timeouts and one classification of failures.

An answer's body never goes into an error: errors are shown on the panel, and a server a hotel names
could otherwise make the panel show whatever it was given. The body goes to the log for the operator.
"""

from __future__ import annotations

import logging
import os
from email.utils import parsedate_to_datetime

import httpx
from django.conf import settings
from django.utils import timezone

from innkeeper.core import outbound
from innkeeper.messaging.providers.base import Permanent, Retryable

log = logging.getLogger(__name__)

_clients: dict[bool, httpx.Client] = {}
_client_pid = 0


def client(*, guarded: bool = False) -> httpx.Client:
    """One pooled client per process and kind (a new one per request costs a TLS context and a connection).

    ``guarded``: for a URL the hotel configured, every connection passes the outbound guard. Neither
    follows a redirect."""
    global _client_pid
    if _client_pid != os.getpid():  # a forked worker must not share its parent's sockets
        _clients.clear()
        _client_pid = os.getpid()
    if guarded not in _clients:
        _clients[guarded] = outbound.guarded_client() if guarded else httpx.Client(follow_redirects=False)
    return _clients[guarded]


def _timeout() -> httpx.Timeout:
    seconds = settings.INNKEEPER_MESSAGING["http_timeout_seconds"]
    return httpx.Timeout(seconds, connect=min(seconds, 5))


def retry_after(value: str | None) -> float | None:
    """Retry-After as seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, (parsedate_to_datetime(value) - timezone.now()).total_seconds())
    except (TypeError, ValueError):
        return None


def request(method: str, url: str, *, guarded: bool = False, timeout: float | None = None,
            **kwargs) -> httpx.Response:
    """Send; raise Retryable for timeouts, refused connections, 429 and 5xx, Permanent for an address the
    guard refuses and for a redirect; return other answers. ``timeout`` (seconds) overrides the setting."""
    try:
        response = client(guarded=guarded).request(
            method, url, timeout=httpx.Timeout(timeout) if timeout else _timeout(), **kwargs)
    except outbound.OutboundRefused as exc:
        raise Permanent(exc.message, code="address_refused") from exc
    except httpx.TimeoutException as exc:
        # Connecting or waiting for a pooled connection: nothing was sent. Writing or reading: it may have been.
        unclear = not isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout))
        raise Retryable(f"timed out: {exc.__class__.__name__}", code="timeout", unclear=unclear) from exc
    except httpx.TransportError as exc:
        raise Retryable(f"unreachable: {exc}", code="unreachable") from exc
    if response.status_code == 429:
        raise Retryable("rate limited (429)", code="429", retry_after=retry_after(response.headers.get("Retry-After")))
    if response.status_code >= 500:
        logged(response)
        raise Retryable(f"server error {response.status_code}", code=str(response.status_code))
    if 300 <= response.status_code < 400:
        raise Permanent(f"redirected ({response.status_code}); redirects are not followed: give the address "
                        "it points to", code=str(response.status_code))
    return response


def logged(response: httpx.Response) -> httpx.Response:
    """Log an unwelcome answer's start for the operator (never for the panel)."""
    log.warning("%s %s answered %s: %r", response.request.method, response.request.url.host,
                response.status_code, response.text[:300])
    return response


def permanent(response: httpx.Response, code: str = "") -> Permanent:
    logged(response)
    return Permanent(f"refused ({response.status_code})", code=code or str(response.status_code))
