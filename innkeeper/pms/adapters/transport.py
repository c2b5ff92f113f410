"""The wire every HTTP PMS adapter shares: its client (behind the outbound guard whenever the hotel set the
address: https, a public address after DNS, no redirect followed), and what a failed exchange means, in the
adapter's own sentences (``Words``), with whether trying again later may help.

Each adapter keeps what is its PMS's own: how it authenticates, where its body says "refused", which 4xx mean
what. This module turns the rest (no answer, a redirect, 429 with Retry-After, 5xx) into one PmsError each.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from innkeeper.core import outbound
from innkeeper.pms.adapters.base import PmsError

CONNECT_TIMEOUT = 10.0  # seconds to open a connection, at most (a whole call may take longer)


@dataclass(frozen=True)
class Words:
    """A PMS's sentences for what went wrong on the wire (marked with gettext_noop; translated when shown)."""

    timeout: str
    network: str
    redirect: str
    server: str = ""  # 5xx
    rate_limited: str = ""  # 429


def client(*, timeout: float, guarded: bool = True, **options) -> httpx.Client:
    """An httpx client with explicit timeouts that never follows a redirect; ``guarded`` (every address a
    hotel can set): each connection passes core.outbound's guard."""
    options["timeout"] = httpx.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT))
    return outbound.guarded_client(**options) if guarded else httpx.Client(follow_redirects=False, **options)


def send(http: httpx.Client, method: str, url: str, words: Words, **kwargs) -> httpx.Response:
    """The PMS's answer, whatever its status; no answer at all is a PmsError."""
    try:
        return http.request(method, url, **kwargs)
    except outbound.OutboundRefused as exc:
        raise PmsError("address_refused", exc.message, retryable=False) from exc
    except httpx.TimeoutException as exc:
        raise PmsError("timeout", words.timeout, retryable=True) from exc
    except httpx.TransportError as exc:
        raise PmsError("network", words.network, retryable=True) from exc


def retry_after(response: httpx.Response) -> float | None:
    """Seconds the PMS asked us to wait (a Retry-After of seconds), else None."""
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return None


def refuse_redirect(response: httpx.Response, words: Words) -> None:
    status = response.status_code
    if 300 <= status < 400:
        raise PmsError(f"http_{status}", words.redirect, retryable=False)


def check(response: httpx.Response, words: Words, statuses: dict[int, tuple[str, str, bool]] | None = None) -> None:
    """Raise for an answer that is no answer: 429 (rate_limited, with its Retry-After), a redirect, 5xx, and
    the PMS's own ``statuses`` (HTTP status -> code, sentence, retryable). Anything else is the caller's."""
    status = response.status_code
    if status == 429:
        raise PmsError("rate_limited", words.rate_limited, retryable=True, retry_after=retry_after(response))
    refuse_redirect(response, words)
    if status >= 500:
        raise PmsError(f"http_{status}", words.server, retryable=True)
    if statuses and status in statuses:
        code, message, retryable = statuses[status]
        raise PmsError(code, message, retryable=retryable)


def json_object(response: httpx.Response, message: str, *, retryable: bool = True) -> dict:
    """The answer's JSON object; anything else is a PmsError with ``message``."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise PmsError("unreadable", message, retryable=retryable)
    return body
