"""The one transport of the HTTP PMS adapters, seen through each of them against a real local server: a
hotel-set address passes the outbound guard (a private one is refused before any request), a redirect is never
followed, 429 and 5xx are worth trying again and a 429's Retry-After is kept."""

from __future__ import annotations

import pytest

from innkeeper.pms.adapters import PmsError
from innkeeper.pms.adapters.cloudbeds import CloudbedsAdapter
from innkeeper.pms.adapters.mews import MewsAdapter
from innkeeper.pms.adapters.qloapps import QloAppsAdapter
from tests.fakes.plain import PlainServer


def cloudbeds(url):
    return CloudbedsAdapter.from_config({"property_id": "1", "api_key": "k", "base_url": url}), \
        lambda a: a.room_types()


def mews(url):
    return MewsAdapter.from_config({"client_token": "c", "access_token": "a", "platform_url": url}), \
        lambda a: a.call("configuration/get")


def qloapps(url):
    return QloAppsAdapter.from_config({"base_url": url, "api_key": "K" * 32, "id_hotel": "1"}), \
        lambda a: a._list("hotels", {})


ADAPTERS = [cloudbeds, mews, qloapps]


def failure(make, url) -> PmsError:
    adapter, call = make(url)
    try:
        with pytest.raises(PmsError) as error:
            call(adapter)
    finally:
        adapter.close()
    return error.value


@pytest.mark.parametrize("make", ADAPTERS)
def test_a_private_address_is_refused_before_any_request(make, settings):
    settings.OUTBOUND_ALLOW_PRIVATE_HOSTS = False
    with PlainServer(200, b"{}") as server:
        error = failure(make, server.url)
    assert (error.code, error.retryable) == ("address_refused", False)
    assert server.requests == []


@pytest.mark.parametrize("make", ADAPTERS)
@pytest.mark.parametrize(("status", "headers", "code", "retryable"), [
    (302, {"Location": "http://127.0.0.1:1/inside"}, "http_302", False),
    (503, {}, "http_503", True),
    (429, {"Retry-After": "9"}, "rate_limited", True),
])
def test_what_an_answer_that_is_no_answer_means(make, settings, status, headers, code, retryable):
    settings.OUTBOUND_ALLOW_PRIVATE_HOSTS = True
    with PlainServer(status, b"{}", headers) as server:
        error = failure(make, server.url)
    if make is qloapps and status == 429:  # QloApps sends no Retry-After: a busy server, tried again later
        code = "http_429"
    assert (error.code, error.retryable) == (code, retryable)
    assert error.retry_after == (9.0 if code == "rate_limited" else None)
    assert len(server.requests) == 1  # the redirect was not followed
