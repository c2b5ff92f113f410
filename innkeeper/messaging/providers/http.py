"""Outgoing HTTP for providers: explicit timeouts and one classification of failures."""

from __future__ import annotations

import os
from email.utils import parsedate_to_datetime

import httpx
from django.conf import settings
from django.utils import timezone

from innkeeper.messaging.providers.base import Permanent, Retryable

_client: httpx.Client | None = None
_client_pid = 0


def client() -> httpx.Client:
    """One pooled client per process (a new one per request costs a TLS context and a connection)."""
    global _client, _client_pid
    if _client is None or _client_pid != os.getpid():  # a forked worker must not share its parent's sockets
        _client, _client_pid = httpx.Client(), os.getpid()
    return _client


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


def request(method: str, url: str, **kwargs) -> httpx.Response:
    """Send; raise Retryable for timeouts, refused connections, 429 and 5xx; return other answers."""
    try:
        response = client().request(method, url, timeout=_timeout(), **kwargs)
    except httpx.TimeoutException as exc:
        # Connecting or waiting for a pooled connection: nothing was sent. Writing or reading: it may have been.
        unclear = not isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout))
        raise Retryable(f"timed out: {exc.__class__.__name__}", code="timeout", unclear=unclear) from exc
    except httpx.TransportError as exc:
        raise Retryable(f"unreachable: {exc}", code="unreachable") from exc
    if response.status_code == 429:
        raise Retryable("rate limited (429)", code="429", retry_after=retry_after(response.headers.get("Retry-After")))
    if response.status_code >= 500:
        raise Retryable(f"server error {response.status_code}: {response.text[:300]}",
                        code=str(response.status_code))
    return response


def permanent(response: httpx.Response, code: str = "") -> Permanent:
    return Permanent(f"refused ({response.status_code}): {response.text[:500]}",
                     code=code or str(response.status_code))
