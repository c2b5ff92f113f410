"""Who may do what, for every staff panel page and every staff API endpoint, as five people:
anonymous, staff of this hotel, owner of this hotel, staff of another hotel, owner of another hotel.

The tables must name every panel URL and every staff endpoint: a new page without a row fails here.
"""

import json
from datetime import timedelta

import pytest
from django.urls import get_resolver, reverse
from django_scopes import scope, scopes_disabled

from innkeeper.accounts import services as accounts
from innkeeper.api import api
from innkeeper.booking import services as booking_services
from innkeeper.locks.models import LockKey
from innkeeper.messaging.models import Message
from tests import factories
from tests.factories import PASSWORD

PEOPLE = ["anonymous", "staff", "owner", "other_staff", "other_owner"]
PUBLIC = {"login", "logout", "password_reset", "password_reset_done", "password_reset_confirm",
          "password_reset_complete", "join"}


@pytest.fixture
def world(hotel, other_hotel, book, future, django_capture_on_commit_callbacks, settings):
    settings.LOCK_PROVIDER, settings.LOCKS_DISPATCH = "simulator", "inline"
    rt = factories.make_room_type(hotel, slug="std", rooms=3)
    with scopes_disabled():
        rt.rooms.update(lock_id="SIM-X")
    booking = book(hotel, rt, future, future + timedelta(days=1))
    with scope(hotel=hotel), django_capture_on_commit_callbacks(execute=True):
        booking = booking_services.booking_transition(booking=booking, to="CHECKED_IN", actor="test")
        from innkeeper.locks import services as locks
        locks.keys_issue_by_staff(booking=booking, actor="test")
    people = {"staff": factories.make_member(hotel, "STAFF", "staff@a.example"),
              "owner": factories.make_member(hotel, "OWNER", "owner@a.example"),
              "other_staff": factories.make_member(other_hotel, "STAFF", "staff@b.example"),
              "other_owner": factories.make_member(other_hotel, "OWNER", "owner@b.example")}
    removable = factories.make_member(hotel, "STAFF", "removable@a.example")
    invitation, _token = accounts.invitation_create(hotel=hotel, actor=people["owner"], email="new@a.example")
    with scopes_disabled():
        free_room = rt.rooms.exclude(pk=booking.room_id).first()
        ids = {"ref": booking.reference, "room": free_room.pk, "room_number": free_room.number,
               "room_type": rt.pk, "add_on": factories.make_add_on(hotel, "tea", "3").pk,
               "key": LockKey.objects.get(booking=booking).pk, "invitation": invitation.pk,
               "member": removable.membership.pk, "message": Message.objects.filter(booking=booking).first().pk}
    return people, ids


def as_(client, people, who):
    if who != "anonymous":
        assert client.post("/panel/sign-in/", {"username": people[who].email, "password": PASSWORD}
                           ).status_code == 302


# name, method, kwargs (from ids), expected: staff, owner, other_staff, other_owner (anonymous: to sign-in)
ALL, OWN = (200, 200, 200, 200), (302, 302, 404, 404)
PANEL = [
    ("home", "get", {}, ALL),
    ("bookings", "get", {}, ALL),
    ("booking_new", "get", {}, ALL),
    ("booking", "get", {"reference": "ref"}, (200, 200, 404, 404)),
    ("booking_status", "post", {"reference": "ref"}, OWN),
    ("booking_move", "post", {"reference": "ref"}, OWN),
    ("keys_issue", "post", {"reference": "ref"}, OWN),
    ("keys_revoke", "post", {"reference": "ref"}, OWN),
    ("key_retry", "post", {"reference": "ref", "pk": "key"}, OWN),
    ("resend_confirmation", "post", {"reference": "ref"}, OWN),
    ("resend_check_in_link", "post", {"reference": "ref"}, OWN),
    ("tape", "get", {}, ALL),
    ("messages", "get", {}, ALL),
    ("message", "get", {"pk": "message"}, (200, 200, 404, 404)),
    ("message_retry", "post", {"pk": "message"}, OWN),
    ("templates", "get", {}, (403, 200, 403, 200)),
    ("rooms", "get", {}, ALL),
    ("room", "get", {"pk": "room"}, (403, 200, 404, 404)),
    ("room_type_new", "get", {}, (403, 200, 403, 200)),
    ("room_type", "get", {"pk": "room_type"}, (403, 200, 403, 404)),
    ("rates", "get", {}, ALL),
    ("add_ons", "get", {}, (403, 200, 403, 200)),
    ("add_on", "get", {"pk": "add_on"}, (403, 200, 403, 404)),
    ("settings", "get", {}, (403, 200, 403, 200)),
    ("domain_add", "post", {}, (403, 400, 403, 400)),
    ("lock_account", "post", {}, (403, 400, 403, 400)),
    ("audit", "get", {}, (403, 200, 403, 200)),
    ("team", "get", {}, (403, 200, 403, 200)),
    ("invitation_resend", "post", {"pk": "invitation"}, (403, 302, 403, 404)),
    ("invitation_revoke", "post", {"pk": "invitation"}, (403, 302, 403, 404)),
    ("member_remove", "post", {"pk": "member"}, (403, 302, 403, 404)),
]
BODY = {"booking_move": {"room": "room"}}


def test_every_panel_url_is_in_the_table():
    names = {p.name for p in get_resolver("innkeeper.dashboard.urls").url_patterns}
    assert names - PUBLIC == {row[0] for row in PANEL}


@pytest.mark.parametrize("who", PEOPLE)
@pytest.mark.parametrize("name, method, kwargs, expected", PANEL, ids=[row[0] for row in PANEL])
def test_panel(client, world, name, method, kwargs, expected, who):
    people, ids = world
    as_(client, people, who)
    url = reverse(f"panel:{name}", kwargs={k: ids[v] for k, v in kwargs.items()})
    data = {k: ids[v] for k, v in BODY.get(name, {}).items()}
    r = getattr(client, method)(url, data)
    if who == "anonymous":
        assert r.status_code == 302 and r["Location"].startswith("/panel/sign-in/?next=")
    else:
        assert r.status_code == expected[PEOPLE.index(who) - 1]


# method, path, body, expected for staff, owner, other_staff, other_owner (anonymous: 401)
API = [
    ("get", "/api/v1/staff/bookings", None, ALL),
    ("get", "/api/v1/staff/bookings/{ref}", None, (200, 200, 404, 404)),
    ("post", "/api/v1/staff/bookings/{ref}/status", {"status": "CONFIRMED"}, (409, 409, 404, 404)),
    ("post", "/api/v1/staff/bookings/{ref}/move", {"room": "{room_number}"}, (200, 200, 404, 404)),
    ("get", "/api/v1/staff/rooms", None, ALL),
    ("post", "/api/v1/staff/rates", {"room_type": "std", "date_from": "2030-01-01", "date_to": "2030-01-02",
                                     "price_nightly": "99"}, (403, 200, 403, 404)),
    ("get", "/api/v1/staff/messages", None, ALL),
    ("get", "/api/v1/staff/messages/{message}", None, (200, 200, 404, 404)),
    ("post", "/api/v1/staff/messages/{message}/retry", {}, (409, 409, 404, 404)),
]


def test_every_staff_endpoint_is_in_the_table():
    schema = api.get_openapi_schema()
    endpoints = {(m, p) for p, ops in schema["paths"].items() for m, op in ops.items() if "staff" in op["tags"]}
    listed = {(m, p.replace("{ref}", "{reference}").replace("{message}", "{message_id}")) for m, p, _b, _e in API}
    assert endpoints == listed


@pytest.mark.parametrize("who", PEOPLE)
@pytest.mark.parametrize("method, path, body, expected", API, ids=[f"{m} {p}" for m, p, _b, _e in API])
def test_staff_api(client, world, method, path, body, expected, who):
    people, ids = world
    as_(client, people, who)
    url = path.format(**ids)
    if body is None:
        r = client.get(url)
    else:
        r = client.post(url, json.dumps({k: str(v).format(**ids) for k, v in body.items()}),
                        content_type="application/json")
    if who == "anonymous":
        assert r.status_code == 401
    else:
        assert r.status_code == expected[PEOPLE.index(who) - 1], r.content[:300]
