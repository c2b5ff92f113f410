"""Rate limits on anonymous requests that create, look up or send (innkeeper.core.throttle)."""

import json
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django_scopes import scopes_disabled

from innkeeper import config
from innkeeper.booking.models import Booking
from innkeeper.core import throttle
from innkeeper.messaging.models import Message
from tests import factories


@pytest.fixture
def hotels(hotel, other_hotel):
    for h in (hotel, other_hotel):
        factories.make_room_type(h, slug="std", rooms=30)
    return hotel, other_hotel


def book(client, slug, future, i, *, ip="203.0.113.7", email=None):
    body = {"room_type": "std", "check_in": str(future), "check_out": str(future + timedelta(days=1)),
            "guests": 1, "guest": {"name": f"Guest {i}", "email": email or f"guest{i}@example.com"}}
    return client.post(f"/api/v1/hotels/{slug}/bookings", data=json.dumps(body), content_type="application/json",
                       REMOTE_ADDR=ip)


def counts():
    with scopes_disabled():
        return Booking.objects.count(), Message.objects.count()


def test_the_eleventh_booking_in_an_hour_from_one_address_at_one_hotel_is_refused(client, hotels, future):
    assert [book(client, "moscow", future, i).status_code for i in range(10)] == [201] * 10
    before = counts()
    refused = book(client, "moscow", future, 10)
    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
    assert 1 <= int(refused["Retry-After"]) <= 3600
    assert "Please try again in" in refused.json()["detail"]
    assert counts() == before  # nothing written, no message queued
    # Another hotel, and another address at the same hotel, still book.
    assert book(client, "other", future, 11).status_code == 201
    assert book(client, "moscow", future, 12, ip="198.51.100.9").status_code == 201


def test_one_guest_address_is_limited_whatever_the_client_address(client, hotels, future):
    same = "spam-target@example.com"
    assert {book(client, "moscow", future, i, ip=f"198.51.100.{i}", email=same).status_code
            for i in range(10)} == {201}
    assert book(client, "moscow", future, 10, ip="198.51.100.200", email=same).status_code == 429


def test_a_forwarded_address_counts_only_behind_a_trusted_proxy(client, hotels, future, settings):
    for i in range(10):
        book(client, "moscow", future, i)
    forged = client.post("/api/v1/hotels/moscow/bookings", data=json.dumps({
        "room_type": "std", "check_in": str(future), "check_out": str(future + timedelta(days=1)), "guests": 1,
        "guest": {"name": "X", "email": "x@example.com"}}), content_type="application/json",
        REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="192.0.2.1")
    assert forged.status_code == 429  # TRUSTED_PROXY_COUNT=0: the header is anyone's to send
    settings.TRUSTED_PROXY_COUNT = 1
    proxied = client.post("/api/v1/hotels/moscow/bookings", data=json.dumps({
        "room_type": "std", "check_in": str(future), "check_out": str(future + timedelta(days=1)), "guests": 1,
        "guest": {"name": "Y", "email": "y@example.com"}}), content_type="application/json",
        REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="192.0.2.1")
    assert proxied.status_code == 201  # behind one proxy the client is the address it forwarded


def test_the_booking_page_says_when_to_try_again(client, hotels, future):
    host = {"HTTP_HOST": "moscow.localhost", "REMOTE_ADDR": "203.0.113.7"}
    query = {"mode": "nightly", "check_in": str(future), "check_out": str(future + timedelta(days=1)),
             "guests": 1, "room_type": "std"}
    statuses = []
    for i in range(11):
        page = client.get("/en/book/details/", query, **host).content.decode()
        key = re.search(r'name="request_key" value="([0-9a-f]+)"', page).group(1)
        form = {**query, "name": f"Guest {i}", "email": f"g{i}@example.com", "phone": "", "request_key": key}
        statuses.append(client.post("/en/book/details/", form, **host))
    assert [r.status_code for r in statuses] == [302] * 10 + [429]
    refused = statuses[-1]
    assert "Please try again in" in refused.content.decode() and int(refused["Retry-After"]) >= 1
    with scopes_disabled():
        assert Booking.objects.count() == 10


def test_a_lookup_burst_is_refused_on_the_api_and_the_page(client, hotels, future):
    reference = book(client, "moscow", future, 0).json()["reference"]
    lookups = [client.get(f"/api/v1/bookings/{reference}", {"email": "nobody@example.com"},
                          REMOTE_ADDR="198.51.100.1").status_code for _ in range(31)]
    assert lookups == [404] * 30 + [429]
    host = {"HTTP_HOST": "moscow.localhost", "REMOTE_ADDR": "198.51.100.2"}
    pages = [client.post("/en/manage/", {"reference": reference, "email": "nobody@example.com"}, **host)
             for _ in range(31)]
    assert [p.status_code for p in pages] == [200] * 30 + [429]
    # Another hotel's site counts for itself.
    other = client.post("/en/manage/", {"reference": reference, "email": "x@example.com"},
                        HTTP_HOST="other.localhost", REMOTE_ADDR="198.51.100.2")
    assert other.status_code == 200


def test_password_reset_mails_are_limited_per_address(client, db):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user("anna@example.com", "x" * 12)
    answers = [client.post("/panel/password-reset/", {"email": "anna@example.com"},
                           REMOTE_ADDR=f"198.51.100.{i}").status_code for i in range(6)]
    assert answers == [302] * 5 + [429]
    assert len(mail.outbox) == 5


def test_rate_limits_off_and_overrides_in_the_configuration(tmp_path):
    assert config.load(tmp_path, {"RATE_LIMITS": "off"}).rate_limits is None
    rates = config.load(tmp_path, {"RATE_LIMITS": "booking=20/h, lookup=5/m"}).rate_limits
    assert (rates["booking"], rates["lookup"], rates["password_reset"]) == (
        throttle.Rate(20, 3600), throttle.Rate(5, 60), throttle.DEFAULTS["password_reset"])
    assert config.load(tmp_path, {}).rate_limits == throttle.DEFAULTS
    for bad in ("booking=lots", "bookings=10/h", "booking=0/h", "booking"):
        with pytest.raises(ImproperlyConfigured) as err:
            config.load(tmp_path, {"RATE_LIMITS": bad})
        assert "RATE_LIMITS is invalid" in str(err.value)


def test_check_in_links_that_open_nothing_are_limited_per_address(client, hotels, future):
    host = {"HTTP_HOST": "moscow.localhost", "REMOTE_ADDR": "198.51.100.3"}
    pages = [client.get("/en/check-in/", {"token": f"made-up-{i}"}, **host).status_code for i in range(21)]
    assert pages == [404] * 20 + [429]
    api = [client.post("/api/v1/check-in/complete", data=json.dumps({
        "token": f"made-up-{i}", "guest": {"legal_name": "A B", "date_of_birth": "1990-01-01",
                                           "document_number": "AB12345", "nationality": "RU"}}),
        content_type="application/json", REMOTE_ADDR="198.51.100.4").status_code for i in range(21)]
    assert api == [404] * 20 + [429]
    # Another hotel's site counts for itself.
    assert client.get("/en/check-in/", {"token": "made-up"}, HTTP_HOST="other.localhost",
                      REMOTE_ADDR="198.51.100.3").status_code == 404
