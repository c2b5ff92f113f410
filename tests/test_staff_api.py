"""The staff API: the panel's session signs it in; every answer stays inside the caller's hotel."""

import json
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.test import Client
from django_scopes import scope, scopes_disabled

from innkeeper.accounts.models import User
from innkeeper.booking.models import Booking
from innkeeper.core import activity
from innkeeper.core.activity import Actor
from innkeeper.hotels.models import PaymentRule, RateOverride
from innkeeper.locks.models import LockKey
from innkeeper.messaging.models import Message
from tests import factories
from tests.factories import PASSWORD
from tests.outbox_helpers import work_outbox


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
        actors = {e.actor for e in activity.history(mine).exclude(verb="booking.created")}
        desk = Actor.staff(User.objects.get(email="desk@moscow.example"))
    assert actors == {desk}


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


def test_a_booking_shows_its_payments(hotel, other_hotel, book, future):
    from innkeeper.core.errors import InvalidInput
    from innkeeper.journey.services import booking_pay
    paid = {}
    for h in (hotel, other_hotel):
        h.payment_rule = PaymentRule.PREPAY
        h.save()
        held = book(h, factories.make_room_type(h, slug="std", rooms=1), future, future + timedelta(days=2),
                    hold=True)
        with scope(hotel=h):
            with pytest.raises(InvalidInput):
                booking_pay(booking=held, card_number="4000 0000 0000 0002")
            booking_pay(booking=held, card_number="4242 4242 4242 4242")
        paid[h.slug] = held
    staff = session(hotel, "STAFF", "desk@moscow.example")
    r = staff.get(f"/api/v1/staff/bookings/{paid['moscow'].reference}")
    assert r.status_code == 200
    payments = r.json()["payments"]
    assert [(p["provider"], p["amount"], p["currency"], p["status"], p["failure_code"], p["failure_message"])
            for p in payments] == [
        ("fake", "200.00", "EUR", "FAILED", "declined", "The card was declined. Please use another card."),
        ("fake", "200.00", "EUR", "SUCCEEDED", "", "")]
    assert payments[1]["provider_reference"].startswith("fake_") and payments[0]["created_at"]
    assert staff.get(f"/api/v1/staff/bookings/{paid['other'].reference}").status_code == 404


@pytest.fixture
def keyed(hotel, other_hotel, book, future, settings, django_capture_on_commit_callbacks):
    """A checked-in booking here and one in the other hotel, each with an ACTIVE key (simulated locks)."""
    settings.LOCK_PROVIDER = "simulator"
    from innkeeper.booking import services as booking_services
    from innkeeper.locks import services as locks
    found = []
    for h in (hotel, other_hotel):
        rt = factories.make_room_type(h, slug="dbl", rooms=1)
        with scopes_disabled():
            rt.rooms.update(lock_id=f"SIM-{h.slug}", lock_account_key="simulator")
        b = book(h, rt, future, future + timedelta(days=1))
        with scope(hotel=h), django_capture_on_commit_callbacks(execute=True):
            b = booking_services.booking_transition(booking=b, to="CHECKED_IN", actor="test")
            locks.keys_issue_by_staff(booking=b, actor="test")
        found.append(b)
    work_outbox("lock_key")  # a worker's turn: both keys ACTIVE
    return found


def keys_of(booking):
    with scopes_disabled():
        return list(LockKey.objects.filter(booking=booking).order_by("generation").values_list("generation", "status"))


def test_keys_are_issued_revoked_and_retried_like_the_panels_buttons(hotel, keyed, django_capture_on_commit_callbacks):
    mine, theirs = keyed
    staff = session(hotel, "STAFF", "desk@moscow.example")
    base = f"/api/v1/staff/bookings/{mine.reference}/keys"

    def call(path):
        """The answer (the key's work queued), then the lock's work done as a worker would after the commit."""
        with django_capture_on_commit_callbacks(execute=True):
            r = post(staff, f"{base}/{path}", {})
        work_outbox("lock_key")
        return r

    same = call("issue")  # a key already on the lock: asking again gives the same key
    assert same.status_code == 200 and [(k["generation"], k["status"]) for k in same.json()] == [(1, "ACTIVE")]
    revoked = call("revoke")
    assert revoked.status_code == 200 and [k["status"] for k in revoked.json()] == ["REVOKING"]
    assert keys_of(mine) == [(1, "REVOKED")]
    again = call("revoke")
    assert (again.status_code, again.json()["code"]) == (409, "no_key")

    issued = call("issue")
    assert issued.status_code == 200, issued.content
    assert [(k["generation"], k["status"], k["room"]) for k in issued.json()] == [
        (1, "REVOKED", mine.room.number), (2, "PENDING", mine.room.number)]
    assert keys_of(mine) == [(1, "REVOKED"), (2, "ACTIVE")]
    not_failed = call(f"{issued.json()[1]['id']}/retry")
    assert (not_failed.status_code, not_failed.json()["code"]) == (409, "not_failed")

    with scopes_disabled():
        LockKey.objects.filter(booking=mine, generation=2).update(status="FAILED")
        failed = LockKey.objects.get(booking=mine, generation=2)
    retried = call(f"{failed.pk}/retry")
    assert retried.status_code == 200 and (retried.json()["id"], retried.json()["status"]) == (failed.pk, "PENDING")
    assert keys_of(mine) == [(1, "REVOKED"), (2, "ACTIVE")]
    with scopes_disabled():
        events = [(e.verb, e.actor) for e in activity.history(mine).filter(
            verb__in=("booking.keys_issue", "booking.keys_revoke")).exclude(actor_kind="system")]
        staff_actor = Actor.staff(User.objects.get(email="desk@moscow.example"))
    assert events == [("booking.keys_issue", staff_actor), ("booking.keys_revoke", staff_actor),
                      ("booking.keys_issue", staff_actor)]


def test_the_keys_answer_says_which_is_the_pin_and_which_the_ttlock_app_key(hotel, other_hotel, book, future, settings,
                                                                            django_capture_on_commit_callbacks):
    settings.LOCK_PROVIDER = "simulator"
    factories.make_lock_account(hotel, provider="simulator", app_keys=True)
    rt = factories.make_room_type(hotel, slug="dbl", rooms=1)
    with scopes_disabled():
        rt.rooms.update(lock_id="SIM-moscow-1", lock_account_key="simulator")
    mine = book(hotel, rt, future, future + timedelta(days=1), email="anna@example.com")
    from innkeeper.booking import services as booking_services
    with scope(hotel=hotel):
        booking_services.booking_transition(booking=mine, to="CHECKED_IN", actor="test")
    stranger = session(other_hotel, "STAFF", "desk@other.example")
    assert post(stranger, f"/api/v1/staff/bookings/{mine.reference}/keys/issue", {}).status_code == 404
    assert keys_of(mine) == []
    staff = session(hotel, "STAFF", "desk@moscow.example")
    with django_capture_on_commit_callbacks(execute=True):
        issued = post(staff, f"/api/v1/staff/bookings/{mine.reference}/keys/issue", {})
    assert issued.status_code == 200, issued.content
    assert sorted((k["method"], k["receiver"], k["status"]) for k in issued.json()) == [
        ("APP", "anna@example.com", "PENDING"), ("PIN", "", "PENDING")]


def test_another_hotels_keys_are_404_and_untouched(client, hotel, keyed):
    mine, theirs = keyed
    with scopes_disabled():
        their_key = LockKey.objects.get(booking=theirs)
        LockKey.objects.filter(pk=their_key.pk).update(status="FAILED")
    before = keys_of(theirs)
    urls = [f"/api/v1/staff/bookings/{theirs.reference}/keys/issue",
            f"/api/v1/staff/bookings/{theirs.reference}/keys/revoke",
            f"/api/v1/staff/bookings/{theirs.reference}/keys/{their_key.pk}/retry",
            f"/api/v1/staff/bookings/{mine.reference}/keys/{their_key.pk}/retry"]
    assert [post(client, url, {}).status_code for url in urls] == [401] * 4
    owner = session(hotel, "OWNER", "owner@moscow.example")
    assert [post(owner, url, {}).status_code for url in urls] == [404] * 4
    assert keys_of(theirs) == before == [(1, "FAILED")]


def test_bookings_page_with_offset_and_count_only_the_callers_hotel(hotel, setup):
    _std, oldest, theirs = setup
    copies = factories.copies_of(oldest, 249)
    staff = session(hotel, "STAFF", "desk@moscow.example")
    first = staff.get("/api/v1/staff/bookings", {"limit": 200})
    assert first.status_code == 200 and first["X-Total-Count"] == "250"
    assert len(first.json()) == 200 and first.json()[0]["reference"] == copies[-1].reference
    rest = staff.get("/api/v1/staff/bookings", {"offset": 200, "limit": 200})
    assert rest["X-Total-Count"] == "250" and len(rest.json()) == 50
    assert rest.json()[-1]["reference"] == oldest.reference
    every = {b["reference"] for b in first.json() + rest.json()}
    assert len(every) == 250 and theirs.reference not in every
    last = staff.get("/api/v1/staff/bookings", {"offset": 249, "limit": 1}).json()
    assert [b["reference"] for b in last] == [oldest.reference]
    assert staff.get("/api/v1/staff/bookings", {"offset": 250}).json() == []
    assert staff.get("/api/v1/staff/bookings", {"offset": -1}).status_code == 422
    assert staff.get("/api/v1/staff/bookings", {"q": "anna"})["X-Total-Count"] == "250"


def test_messages_page_with_offset_and_count_only_the_callers_hotel(hotel, other_hotel, setup):
    _std, mine, theirs = setup
    staff = session(hotel, "STAFF", "desk@moscow.example")
    everything = staff.get("/api/v1/staff/messages", {"limit": 200})
    total = int(everything["X-Total-Count"])
    with scopes_disabled():
        assert total == Message.objects.filter(booking=mine).count() > 0
        assert Message.objects.filter(booking=theirs).exists()
    assert total == len(everything.json()) and {m["booking"] for m in everything.json()} == {mine.reference}
    last = staff.get("/api/v1/staff/messages", {"offset": total - 1}).json()
    assert [m["id"] for m in last] == [everything.json()[-1]["id"]]
