"""The staff API: the panel's session signs it in; every answer stays inside the caller's hotel."""

import json
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.test import Client
from django_scopes import scopes_disabled

from innkeeper.booking.models import Booking, BookingEvent
from innkeeper.hotels.models import RateOverride
from tests import factories
from tests.factories import PASSWORD


def session(hotel, role, email, **client_options):
    client = Client(**client_options)
    factories.make_member(hotel, role, email)
    client.get("/panel/sign-in/")  # the form sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    assert client.post("/panel/sign-in/", {"username": email, "password": PASSWORD,
                                           "csrfmiddlewaretoken": token}).status_code == 302
    return client


def post(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


@pytest.fixture
def setup(hotel, other_hotel, book, future):
    std = factories.make_room_type(hotel, slug="std", rooms=2)
    mine = book(hotel, std, future, future + timedelta(days=1), name="Anna Petrova")
    theirs_type = factories.make_room_type(other_hotel, slug="std", rooms=1)
    theirs = book(other_hotel, theirs_type, future, future + timedelta(days=1), name="Anna Other")
    return std, mine, theirs


def test_anonymous_callers_get_401(client, setup):
    assert client.get("/api/v1/staff/bookings").status_code == 401
    assert post(client, f"/api/v1/staff/bookings/{setup[1].reference}/status", {"status": "CANCELLED"}
                ).status_code == 401


def test_staff_find_their_hotels_bookings_only(hotel, setup):
    _std, mine, theirs = setup
    staff = session(hotel, "STAFF", "desk@moscow.example")
    found = staff.get("/api/v1/staff/bookings", {"q": "anna"}).json()
    assert [b["reference"] for b in found] == [mine.reference] and found[0]["room"]
    assert staff.get(f"/api/v1/staff/bookings/{theirs.reference}").status_code == 404
    r = post(staff, f"/api/v1/staff/bookings/{theirs.reference}/status", {"status": "CANCELLED"})
    assert r.status_code == 404
    with scopes_disabled():
        assert Booking.objects.get(pk=theirs.pk).status == "CONFIRMED"


def test_status_changes_and_moves_go_through_the_services(hotel, setup):
    std, mine, _theirs = setup
    staff = session(hotel, "STAFF", "desk@moscow.example")
    illegal = post(staff, f"/api/v1/staff/bookings/{mine.reference}/status", {"status": "CHECKED_OUT"})
    assert illegal.status_code == 409 and illegal.json()["code"] == "illegal_transition"
    unknown = post(staff, f"/api/v1/staff/bookings/{mine.reference}/status", {"status": "PARTYING"})
    assert unknown.status_code == 422
    with scopes_disabled():
        other_room = std.rooms.exclude(pk=mine.room_id).get()
    moved = post(staff, f"/api/v1/staff/bookings/{mine.reference}/move", {"room": other_room.number})
    assert moved.status_code == 200 and moved.json()["room"] == other_room.number
    r = post(staff, f"/api/v1/staff/bookings/{mine.reference}/status", {"status": "checked_in"})
    assert r.status_code == 200 and r.json()["status"] == "CHECKED_IN"
    with scopes_disabled():
        actors = set(BookingEvent.objects.filter(booking=mine).exclude(action="created").values_list("actor", flat=True))
    assert actors == {"staff:desk@moscow.example"}


def test_rates_are_for_owners(hotel, setup, future):
    body = {"room_type": "std", "date_from": str(future), "date_to": str(future + timedelta(days=1)),
            "price_nightly": "123.50"}
    staff = session(hotel, "STAFF", "desk@moscow.example")
    assert post(staff, "/api/v1/staff/rates", body).status_code == 403
    owner = session(hotel, "OWNER", "owner@moscow.example")
    r = post(owner, "/api/v1/staff/rates", body)
    assert r.status_code == 200 and r.json() == {"dates": 2}
    with scopes_disabled():
        assert set(RateOverride.objects.values_list("price_nightly", flat=True)) == {D("123.50")}


def test_writes_need_the_csrf_token_like_the_panel(hotel, setup):
    strict = session(hotel, "STAFF", "desk@moscow.example", enforce_csrf_checks=True)
    r = post(strict, f"/api/v1/staff/bookings/{setup[1].reference}/status", {"status": "CANCELLED"})
    assert r.status_code == 403
    token = strict.cookies["csrftoken"].value
    ok = strict.post(f"/api/v1/staff/bookings/{setup[1].reference}/status",
                     json.dumps({"status": "CANCELLED"}), content_type="application/json",
                     headers={"X-CSRFToken": token})
    assert ok.status_code == 200


def test_a_person_without_a_hotel_gets_403(db, setup):
    nobody = session(None, "STAFF", "nobody@example.com")
    r = nobody.get("/api/v1/staff/bookings")
    assert r.status_code == 403 and r.json()["code"] == "no_hotel"
