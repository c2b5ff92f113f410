"""One guard for every outbound URL a hotel configures (its WAHA server, its TTLock server): https in
production, only public addresses (checked when the owner saves the URL and again on every connection),
no redirects followed, and never the remote server's answer on the panel.

Addresses are checked as literals; where a host name must resolve to a chosen address, ``dns`` answers
for that name at the socket level (every other name goes to the real resolver)."""

import json
import socket
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client
from django_scopes import scope, scopes_disabled

from innkeeper.booking import services as booking_services
from innkeeper.booking.states import Status
from innkeeper.core.models import IntegrationAccount
from innkeeper.hotels.models import Room
from innkeeper.locks import services as locks
from innkeeper.locks.models import KeyStatus
from innkeeper.locks.providers.ttlock import forget_tokens
from innkeeper.messaging.models import MessageStatus
from tests import factories
from tests.fakes.plain import PlainServer
from tests.fakes.ttlock import CLIENT_ID, CLIENT_SECRET, PASSWORD, USERNAME
from tests.messaging_helpers import confirmed_booking, deliver, rows, use_whatsapp
from tests.test_messaging_accounts import own_waha
from tests.test_panel_catalogue import as_member

S = MessageStatus
NOT_PUBLIC = "The server address {host} is on a private or local network ({ip}); give its public address."


@pytest.fixture
def dns(monkeypatch):
    """Names this test resolves itself: ``dns["name"] = ["address", ...]`` (changeable mid-test)."""
    answers: dict[str, list[str]] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            return real(host, port, *args, **kwargs)
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "",
                 (a, port) if ":" not in a else (a, port, 0, 0)) for a in answers[host]]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


# The address check --------------------------------------------------------------------------------

@pytest.mark.parametrize("host, ip", [
    ("10.0.0.5", "10.0.0.5"), ("192.168.1.20", "192.168.1.20"), ("172.16.3.4", "172.16.3.4"),  # private
    ("127.0.0.1", "127.0.0.1"), ("[::1]", "::1"),  # loopback
    ("169.254.169.254", "169.254.169.254"), ("[fe80::1]", "fe80::1"),  # link-local (cloud metadata)
    ("[::ffff:127.0.0.1]", "127.0.0.1"), ("[::ffff:10.0.0.5]", "10.0.0.5"),  # IPv4-mapped
    ("[2002:7f00:1::]", "2002:7f00:1::"),  # 6to4 carrying 127.0.0.1
    ("100.64.0.1", "100.64.0.1"), ("[fc00::1]", "fc00::1"),  # shared, unique local
    ("239.1.2.3", "239.1.2.3"), ("[ff02::1]", "ff02::1"), ("240.0.0.1", "240.0.0.1"),  # multicast, reserved
    ("0.0.0.0", "0.0.0.0"), ("[::]", "::"),  # unspecified
    ("localhost", "127.0.0.1"),  # a name the real resolver answers with a loopback address
])
def test_an_address_that_is_not_public_is_refused(settings, host, ip):
    from innkeeper.core import outbound

    assert outbound.is_public(outbound.resolve(host.strip("[]"), 443)[0]) is False
    with pytest.raises(outbound.OutboundRefused) as refused:
        outbound.check_outbound_url(f"https://{host}:8443/api", field="base_url")
    assert (refused.value.message, refused.value.field) == (NOT_PUBLIC.format(host=host.strip("[]"), ip=ip),
                                                           "base_url")
    settings.OUTBOUND_ALLOW_PRIVATE_HOSTS = True  # the install runs its services on its own network
    outbound.check_outbound_url(f"https://{host}:8443/api")


@pytest.mark.parametrize("address", ["8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8", "2002:808:808::"])
def test_a_public_address_passes(address):
    from innkeeper.core import outbound

    assert outbound.is_public(address) is True
    outbound.check_outbound_url(f"https://[{address}]/" if ":" in address else f"https://{address}/")


def test_a_name_passes_only_when_every_address_it_resolves_to_is_public(dns):
    from innkeeper.core import outbound

    dns["waha.example.com"] = ["93.184.216.34", "2606:2800:220:1::1"]
    outbound.check_outbound_url("https://waha.example.com/")
    dns["waha.example.com"] = ["93.184.216.34", "10.0.0.7"]  # one private answer among public ones
    with pytest.raises(outbound.OutboundRefused) as refused:
        outbound.check_outbound_url("https://waha.example.com/")
    assert refused.value.message == NOT_PUBLIC.format(host="waha.example.com", ip="10.0.0.7")


def test_the_old_name_of_the_setting_still_allows_private_addresses(settings):
    from innkeeper.core import outbound

    settings.OUTBOUND_ALLOW_PRIVATE_HOSTS = False
    settings.MESSAGING_ALLOW_PRIVATE_HOSTS = True
    outbound.check_outbound_url("http://10.0.0.5:3000")


def test_production_takes_only_https(settings):
    from innkeeper.core import outbound

    settings.INNKEEPER_MODE = "production"
    with pytest.raises(outbound.OutboundRefused) as refused:
        outbound.check_outbound_url("http://8.8.8.8/")
    assert refused.value.message == ("Give an address that starts with https://: this installation sends "
                                     "nothing over plain http.")
    outbound.check_outbound_url("https://8.8.8.8/")
    settings.INNKEEPER_MODE = "demo"
    outbound.check_outbound_url("http://8.8.8.8/")
    with pytest.raises(outbound.OutboundRefused):
        outbound.check_outbound_url("ftp://8.8.8.8/")


# On save: the owner's cards, in English and Russian -------------------------------------------------

WAHA_CARD = {"msg-whatsapp_provider": "waha", "msg-waha_api_key": "k", "msg-waha_webhook_hmac_key": "h",
             "msg-is_active": "on"}
LOCK_CARD = {"lock-provider": "ttlock", "lock-client_id": "app-1", "lock-client_secret": "s3cret",
             "lock-username": "hotel-user", "lock-password": "pw-123", "lock-is_active": "on"}


def field_error(answer, field: str) -> str:
    return answer.content.decode().split(f'id="id_{field}_error">', 1)[1].split("</p>", 1)[0]


@pytest.mark.parametrize("language, message", [
    ("en", "The server address 10.0.0.5 is on a private or local network (10.0.0.5); "
           "give its public address."),
    ("ru", "Адрес сервера 10.0.0.5 находится в частной или локальной сети (10.0.0.5); "
           "укажите его публичный адрес."),
])
def test_the_lock_card_refuses_a_private_ttlock_server_beside_the_field(client, hotel, other_hotel, language,
                                                                         message):
    with scopes_disabled():
        theirs = factories.make_lock_account(other_hotel, provider="simulator")
    as_member(client, hotel, "OWNER", "owner@moscow.example")
    answer = client.post("/panel/settings/locks/", {**LOCK_CARD, "lock-base_url": "http://10.0.0.5:8080"},
                         HTTP_ACCEPT_LANGUAGE=language)
    assert answer.status_code == 400
    assert message in field_error(answer, "lock-base_url")
    with scopes_disabled():
        assert list(IntegrationAccount.objects.filter(kind="lock").values_list("pk", flat=True)) == [theirs.pk]
    saved = client.post("/panel/settings/locks/", {**LOCK_CARD, "lock-base_url": "https://8.8.8.8"})
    assert saved.status_code == 302
    with scopes_disabled():
        assert IntegrationAccount.objects.get(hotel=hotel, kind="lock").config["base_url"] == "https://8.8.8.8"


def test_the_messaging_card_says_in_russian_why_a_private_waha_server_is_refused(client, hotel, other_hotel):
    as_member(client, hotel, "OWNER", "owner@moscow.example")
    card = {**WAHA_CARD, "msg-waha_base_url": "http://[::ffff:10.0.0.5]"}
    answer = client.post("/panel/settings/messaging/", card, HTTP_ACCEPT_LANGUAGE="ru")
    assert answer.status_code == 400
    assert ("Адрес сервера ::ffff:10.0.0.5 находится в частной или локальной сети (10.0.0.5); "
            "укажите его публичный адрес.") in field_error(answer, "msg-waha_base_url")
    with scopes_disabled():
        assert not IntegrationAccount.objects.exists()


# At send time --------------------------------------------------------------------------------------

def test_a_waha_name_that_resolves_to_a_private_address_after_it_was_saved_gets_nothing(
        client, hotel, other_hotel, fast, fake_whatsapp, dns):
    """DNS rebinding: public when the owner saves it, loopback when the worker sends."""
    use_whatsapp(fast, "waha", fake_whatsapp.url)  # the install's WAHA (on this machine) stays usable
    with PlainServer(201, b'{"id": "true_79161234567@c.us_X"}') as hotels_waha:
        dns["waha.moscow.example"] = ["93.184.216.34"]
        as_member(client, hotel, "OWNER", "owner@moscow.example")
        url = f"http://waha.moscow.example:{hotels_waha.port}"
        saved = client.post("/panel/settings/messaging/", {**WAHA_CARD, "msg-waha_base_url": url})
        assert saved.status_code == 302
        dns["waha.moscow.example"] = ["127.0.0.1"]
        ours = deliver(rows(confirmed_booking(hotel))["WHATSAPP"])
        theirs = deliver(rows(confirmed_booking(other_hotel))["WHATSAPP"])
        assert hotels_waha.requests == []
    assert (ours.status, ours.error_code) == (S.FAILED, "address_refused")
    assert ours.last_error == NOT_PUBLIC.format(host="waha.moscow.example", ip="127.0.0.1")
    assert (theirs.status, theirs.own_account, len(fake_whatsapp.sends)) == (S.SENT, False, 1)


def test_in_production_a_saved_plain_http_waha_address_gets_nothing(hotel, other_hotel, fast, settings):
    settings.OUTBOUND_ALLOW_PRIVATE_HOSTS = True  # the fake is on this machine: only the scheme is at stake
    with PlainServer(201, b'{"id": "true_79161234567@c.us_X"}') as hotels_waha:
        own_waha(hotel, hotels_waha.url)  # saved while the install ran as a demo
        settings.INNKEEPER_MODE = "production"
        ours = deliver(rows(confirmed_booking(hotel))["WHATSAPP"])
        assert hotels_waha.requests == []
    assert (ours.status, ours.error_code) == (S.FAILED, "address_refused")
    assert ours.last_error.startswith("Give an address that starts with https://")
    with scopes_disabled():
        assert not IntegrationAccount.objects.filter(hotel=other_hotel).exists()


def redirecting_to(internal):
    return PlainServer(302, b"", {"Location": f"{internal.url}/latest/meta-data/iam/security-credentials/"})


def test_a_waha_server_that_redirects_to_an_internal_address_is_not_followed(hotel, other_hotel, fast,
                                                                             settings):
    settings.OUTBOUND_ALLOW_PRIVATE_HOSTS = True  # both fakes are on this machine: the redirect is at stake
    with PlainServer(200, b'{"id": "SECRET"}') as internal, redirecting_to(internal) as redirector:
        own_waha(hotel, redirector.url)
        ours = deliver(rows(confirmed_booking(hotel))["WHATSAPP"])
        assert redirector.requests == [("POST", "/api/sendText")]
        assert internal.requests == []
    assert (ours.status, ours.error_code) == (S.FAILED, "302")
    assert ours.last_error == "redirected (302); redirects are not followed: give the address it points to"
    with scopes_disabled():
        assert not IntegrationAccount.objects.filter(hotel=other_hotel).exists()


@pytest.fixture
def key_for(hotel, book, future, settings):
    """A checked-in booking at ``hotel`` whose key goes to the hotel's own TTLock at ``base_url``."""
    settings.LOCK_PROVIDER, settings.TTLOCK = "simulator", None
    forget_tokens()
    rt = factories.make_room_type(hotel, slug="double", turnover_minutes=60)
    factories.make_room(rt, number="101", lock_id="L101")

    def make(base_url):
        with scopes_disabled():
            factories.make_lock_account(hotel, provider="ttlock", client_id=CLIENT_ID,
                                       client_secret=CLIENT_SECRET, username=USERNAME, password=PASSWORD,
                                       base_url=base_url)
            # the room's lock is on the hotel's own account now (as the panel's room form would bind it)
            Room.objects.filter(hotel=hotel, number="101").update(lock_account_key=factories.lock_account_key(hotel))
        booking = book(hotel, rt, future, future + timedelta(days=2))
        with scope(hotel=hotel):
            booking = booking_services.booking_transition(booking=booking, to=Status.CHECKIN_COMPLETED,
                                                          actor="guest")
            with transaction.atomic():
                key = locks.keys_issue_for(booking=booking, now=booking.created_at)
        return booking, locks.key_process(key_id=key.pk)
    yield make
    forget_tokens()


def test_a_ttlock_server_that_redirects_to_an_internal_address_is_not_followed(key_for, other_hotel,
                                                                               settings):
    settings.OUTBOUND_ALLOW_PRIVATE_HOSTS = True
    with PlainServer(200, b'{"access_token": "SECRET"}') as internal, redirecting_to(internal) as redirector:
        _booking, key = key_for(redirector.url)
        assert [path for _method, path in redirector.requests] == ["/oauth2/token"]
        assert internal.requests == []
    assert key.status == KeyStatus.FAILED
    assert key.last_error == ("http_302: The lock cloud answered with a redirect, which is not followed: "
                              "give the address it points to.")
    with scopes_disabled():
        assert not IntegrationAccount.objects.filter(hotel=other_hotel).exists()


def test_a_ttlock_name_that_resolves_to_a_private_address_gets_no_secrets(key_for, other_hotel, dns):
    with PlainServer(200, b'{"access_token": "t", "expires_in": 7776000}') as hotels_cloud:
        dns["locks.moscow.example"] = ["127.0.0.1"]
        _booking, key = key_for(f"http://locks.moscow.example:{hotels_cloud.port}")
        assert hotels_cloud.requests == []
    refused = NOT_PUBLIC.format(host="locks.moscow.example", ip="127.0.0.1")
    assert (key.status, key.last_error) == (KeyStatus.FAILED, f"address_refused: {refused}")
    with scopes_disabled():
        assert not IntegrationAccount.objects.filter(hotel=other_hotel).exists()


# What the panel shows -------------------------------------------------------------------------------

SECRET = "root:x:0:0:SECRET-FROM-THE-INSIDE"


@pytest.mark.parametrize("status, shown", [(400, "refused (400)"), (404, "refused (404)"),
                                           (500, "server error 500")])
def test_the_panel_shows_a_waha_servers_status_never_its_answer(client, hotel, other_hotel, fast, settings,
                                                                 status, shown):
    settings.OUTBOUND_ALLOW_PRIVATE_HOSTS = True
    with PlainServer(status, json.dumps({"error": SECRET}).encode()) as hotels_waha:
        own_waha(hotel, hotels_waha.url)
        ours = deliver(rows(confirmed_booking(hotel))["WHATSAPP"])
        assert len(hotels_waha.requests) == 1
    assert ours.last_error.startswith(shown) and "SECRET" not in ours.last_error  # 500: "... next try in"
    as_member(client, hotel, "OWNER", "owner@moscow.example")
    page = client.get(f"/panel/messages/{ours.pk}/").content.decode()
    assert shown in page and "SECRET" not in page
    theirs = Client()
    as_member(theirs, other_hotel, "OWNER", "owner@other.example")
    assert theirs.get(f"/panel/messages/{ours.pk}/").status_code == 404


def test_the_panel_shows_a_ttlock_servers_error_code_never_its_text(client, key_for, hotel, other_hotel,
                                                                    settings):
    settings.OUTBOUND_ALLOW_PRIVATE_HOSTS = True
    with PlainServer(200, json.dumps({"errcode": 1, "errmsg": SECRET}).encode()) as hotels_cloud:
        booking, key = key_for(hotels_cloud.url)
    assert (key.status, key.last_error) == (KeyStatus.FAILED, "1: The lock operation failed.")
    as_member(client, hotel, "OWNER", "owner@moscow.example")
    page = client.get(f"/panel/bookings/{booking.reference}/").content.decode()
    assert "1: The lock operation failed." in page and "SECRET" not in page
