"""A NUL character (\\x00) from a request never reaches the database: PostgreSQL text cannot hold one, so it
would end in a 500. Every JSON API answers 422 (nul_character) and every page a 4xx, with nothing written.
The public booking API's own cases are in test_api.py."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django_scopes import scope, scopes_disabled

from innkeeper.booking.models import Booking
from innkeeper.checkin import services as checkin
from innkeeper.checkin.models import GuestIdentity
from innkeeper.core.models import ActivityLog
from innkeeper.hotels import links
from innkeeper.hotels.models import RateOverride
from innkeeper.journey import services as journey
from innkeeper.locks import services as locks
from innkeeper.locks.models import KeyStatus, LockKey, UnlockAttempt
from innkeeper.messaging.models import Message
from innkeeper.simulators.models import SimulatedUnlock
from innkeeper.web.views.booking import booking_token
from tests import factories
from tests.test_staff_api import session

NUL = "\x00"
HOST = {"HTTP_HOST": "moscow.localhost"}
IDENTITY = {"legal_name": "Anna Petrova", "date_of_birth": "1990-05-17", "document_number": "75 1234567",
            "nationality": "RU", "address": "Tverskaya 7, Moscow"}


@pytest.fixture
def world(hotel, book, future, settings):
    settings.LOCK_PROVIDER = "simulator"
    rt = factories.make_room_type(hotel, slug="std", rooms=0)
    factories.make_room(rt, number="101", lock_id="SIM-101")
    factories.make_room(rt, number="102", lock_id="SIM-102")
    factories.make_add_on(hotel, "breakfast", "5")
    confirmed = book(hotel, rt, future, future + timedelta(days=2))
    keyed = book(hotel, rt, future + timedelta(days=3), future + timedelta(days=4))
    with scope(hotel=hotel):
        identity = checkin.clean_identity(**IDENTITY, today=future)
        keyed, key = journey.checkin_complete(booking=keyed, identity=identity)
    key = locks.key_process(key_id=key.pk)
    assert key.status == KeyStatus.ACTIVE
    return confirmed, keyed, key


def snapshot():
    """Every row a refused request could have written."""
    with scopes_disabled():
        return (list(Booking.objects.order_by("pk").values_list("pk", "status", "room_id", "total")),
                ActivityLog.objects.count(), GuestIdentity.objects.count(), UnlockAttempt.objects.count(),
                list(LockKey.objects.order_by("pk").values_list("pk", "status")), Message.objects.count(),
                RateOverride.objects.count(), SimulatedUnlock.objects.count())


def post(client, url, body, **extra):
    return client.post(url, json.dumps(body), content_type="application/json", **extra)


def nul_in(value: str) -> str:
    return value[:1] + NUL + value[1:]


def assert_refused(r, field):
    assert r.status_code == 422, r.content[:300]
    [error] = r.json()["detail"]
    assert error["type"] == "nul_character" and field in error["loc"], error


@pytest.mark.parametrize("where", ["token", "legal_name", "document_number", "nationality", "address", "add_ons"])
def test_check_in_api(client, world, where):
    confirmed, _keyed, _key = world
    guest = dict(IDENTITY)
    body = {"token": links.checkin_token(confirmed), "guest": guest, "add_ons": ["breakfast"]}
    if where == "token":
        body["token"] = nul_in(body["token"])
    elif where == "add_ons":
        body["add_ons"] = [nul_in("breakfast")]
    else:
        guest[where] = nul_in(guest[where])
    before = snapshot()
    assert_refused(post(client, "/api/v1/check-in/complete", body), where)
    assert snapshot() == before


def test_web_key_api(client, world):
    _confirmed, _keyed, key = world
    before = snapshot()
    assert_refused(post(client, "/api/v1/webkey/unlock", {"token": nul_in(locks.webkey_token(key))}), "token")
    assert snapshot() == before


# method, path, query or body; "{ref}" is this hotel's booking, "{nul}" a NUL character.
STAFF = [
    ("get", "/api/v1/staff/bookings", {"q": "an{nul}na"}, "q"),
    ("get", "/api/v1/staff/bookings", {"status": "CON{nul}FIRMED"}, "status"),
    ("get", "/api/v1/staff/bookings", {"source": "W{nul}EB"}, "source"),
    ("get", "/api/v1/staff/bookings/{nulref}", {}, "reference"),
    ("post", "/api/v1/staff/bookings/{nulref}/status", {"status": "CANCELLED"}, "reference"),
    ("post", "/api/v1/staff/bookings/{ref}/status", {"status": "CANCEL{nul}LED"}, "status"),
    ("post", "/api/v1/staff/bookings/{ref}/status", {"status": "CANCELLED", "reason": "no{nul}show"}, "reason"),
    ("post", "/api/v1/staff/bookings/{nulref}/move", {"room": "102"}, "reference"),
    ("post", "/api/v1/staff/bookings/{ref}/move", {"room": "10{nul}2"}, "room"),
    ("post", "/api/v1/staff/bookings/{nulref}/keys/issue", {}, "reference"),
    ("post", "/api/v1/staff/bookings/{nulref}/keys/revoke", {}, "reference"),
    ("post", "/api/v1/staff/bookings/{nulref}/keys/1/retry", {}, "reference"),
    ("post", "/api/v1/staff/rates", {"room_type": "s{nul}td", "date_from": "2030-01-01", "date_to": "2030-01-02",
                                     "price_nightly": "99"}, "room_type"),
    ("get", "/api/v1/staff/messages", {"status": "SE{nul}NT"}, "status"),
    ("get", "/api/v1/staff/messages", {"type": "BOOKING{nul}"}, "type"),
    ("get", "/api/v1/staff/messages", {"channel": "E{nul}MAIL"}, "channel"),
    ("get", "/api/v1/staff/messages", {"booking": "AB{nul}"}, "booking"),
]


@pytest.mark.parametrize("method, path, data, field", STAFF, ids=[f"{m} {p} {f}" for m, p, _d, f in STAFF])
def test_staff_api(hotel, world, method, path, data, field):
    confirmed, _keyed, _key = world
    owner = session(hotel, "OWNER", "owner@moscow.example")
    ref = confirmed.reference
    url = path.format(ref=ref, nulref=f"{ref[:3]}%00{ref[3:]}")
    data = {k: v.format(nul=NUL) for k, v in data.items()}
    before = snapshot()
    r = owner.get(url, data) if method == "get" else post(owner, url, data)
    assert_refused(r, field)
    assert snapshot() == before


def pages(world):
    """method, address, form data, the status expected: a NUL in any address is a 400 before any view."""
    confirmed, keyed, key = world
    ref, nulref = keyed.reference, f"{keyed.reference[:3]}%00{keyed.reference[3:]}"
    return [
        ("get", f"/en/check-in/?token={links.checkin_token(confirmed)}%00", {}, 400),
        ("post", f"/en/check-in/?token={links.checkin_token(confirmed)}&step=confirm%00", {}, 400),
        ("get", f"/en/webkey/?token={locks.webkey_token(key)}%00", {}, 400),
        ("post", f"/en/webkey/?token={locks.webkey_token(key)}%00", {}, 400),
        ("get", f"/en/manage/{booking_token(confirmed)}%00/", {}, 400),
        ("post", f"/en/manage/{booking_token(confirmed)}%00/cancel/", {}, 400),
        ("get", "/en/demo/keypad/10%001/", {}, 400),
        ("post", "/en/demo/keypad/101/", {"pin": f"{key.pin}{NUL}"}, 403),
        ("get", f"/panel/bookings/{nulref}/", {}, 400),
        ("post", f"/panel/bookings/{nulref}/status/", {"status": "CANCELLED"}, 400),
        ("post", f"/panel/bookings/{ref}/move/", {"room": f"1{NUL}"}, 404),
        ("post", f"/panel/bookings/{nulref}/keys/revoke/", {}, 400),
        ("post", f"/panel/bookings/{nulref}/resend/confirmation/", {}, 400),
        ("get", "/panel/join/abc%00/", {}, 400),
        ("get", "/panel/bookings/?q=an%00na", {}, 400),
        ("post", f"/panel/bookings/{ref}/status/", {"status": "CANCELLED", "reason": f"no{NUL}show"}, 302),
        ("post", "/panel/rates/", {"room_type": f"1{NUL}", "date_from": "2030-01-01", "date_to": "2030-01-02",
                                   "price_nightly": "99"}, 400),
    ]


@pytest.mark.parametrize("case", range(17))
def test_pages(hotel, world, settings, case):
    settings.INNKEEPER_MODE = "demo"
    method, url, data, expected = pages(world)[case]
    client = Client(raise_request_exception=False)
    extra = HOST
    if url.startswith("/panel/"):
        client = session(hotel, "OWNER", "owner@moscow.example", raise_request_exception=False)
        extra = {}
    before = snapshot()
    r = getattr(client, method)(url, data, **extra)
    assert r.status_code == expected, (url, r.status_code)
    assert snapshot() == before
