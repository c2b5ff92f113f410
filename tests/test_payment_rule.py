"""One payment rule per hotel, for the website and the API alike: pay at the hotel (confirmed at once) or
prepay (waiting for payment, with a hold that lapses; confirmed when paid). And the API's cancellation by the
hotel's policy."""

import json
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django_scopes import scopes_disabled

from innkeeper.booking.models import Booking
from innkeeper.booking.states import Status
from innkeeper.hotels.links import booking_token
from innkeeper.hotels.models import Hotel, PaymentRule
from innkeeper.messaging.models import Message
from innkeeper.payments.models import Payment
from tests import factories


@pytest.fixture
def hotels(hotel, other_hotel):
    """Moscow takes prepayment; the other hotel is paid at the hotel."""
    hotel.payment_rule, hotel.hold_minutes = PaymentRule.PREPAY, 30
    hotel.save()
    for h in (hotel, other_hotel):
        factories.make_room_type(h, slug="std", name="Standard", rooms=1)
    return hotel, other_hotel


def book(client, slug, future, **headers):
    body = {"room_type": "std", "check_in": str(future), "check_out": str(future + timedelta(days=2)),
            "guests": 1, "guest": {"name": "Anna Petrova", "email": "anna@example.com"}, "locale": "ru"}
    return client.post(f"/api/v1/hotels/{slug}/bookings", data=json.dumps(body), content_type="application/json",
                       **headers)


def test_a_prepay_hotels_api_booking_waits_for_payment_and_says_where_to_pay(client, hotels, future):
    hotel, _other = hotels
    before = timezone.now()
    r = book(client, "moscow", future)
    assert r.status_code == 201, r.content
    b = r.json()
    with scopes_disabled():
        row = Booking.objects.get(reference=b["reference"])
    assert b["status"] == row.status == Status.PENDING_PAYMENT
    assert b["payment"]["url"] == f"http://moscow.localhost:8000/ru/book/pay/{booking_token(row)}/"
    expires = row.hold_expires_at
    assert before + timedelta(minutes=30) <= expires <= timezone.now() + timedelta(minutes=30)
    told = datetime.fromisoformat(b["payment"]["expires_at"])
    assert abs(told - expires) < timedelta(milliseconds=1) and told.utcoffset() == timedelta(hours=3)
    with scopes_disabled():  # nothing is confirmed, so no confirmation goes out yet
        assert not Message.objects.filter(booking=row).exists()
    # The link opens the hotel's payment page for this booking; paying there confirms it.
    path = urlsplit(b["payment"]["url"]).path
    page = client.get(path, HTTP_HOST="moscow.localhost")
    assert page.status_code == 200 and "4242 4242 4242 4242" in page.content.decode()
    paid = client.post(path, {"card_number": "4242 4242 4242 4242", "card_name": "Anna"}, HTTP_HOST="moscow.localhost")
    assert paid.status_code == 302 and "/ru/book/done/" in paid["Location"]
    mine = client.get(f"/api/v1/bookings/{b['reference']}?email=anna@example.com").json()
    assert (mine["status"], mine["payment"]) == ("CONFIRMED", None)
    with scopes_disabled():
        assert Payment.objects.get(booking=row).status == "SUCCEEDED"
        assert set(Message.objects.filter(booking=row).values_list("type", flat=True)) == {"BOOKING_CONFIRMATION"}


def test_a_pay_at_the_hotel_booking_is_confirmed_at_once(client, hotels, future):
    r = book(client, "other", future)
    assert r.status_code == 201, r.content
    assert (r.json()["status"], r.json()["payment"], r.json()["hold_expires_at"]) == ("CONFIRMED", None, None)
    with scopes_disabled():
        row = Booking.objects.get(reference=r.json()["reference"])
        assert row.hotel.slug == "other" and not row.payments.exists()


def test_an_unpaid_api_booking_lapses_and_frees_its_room(client, hotels, future):
    b = book(client, "moscow", future).json()
    with time_machine.travel(timezone.now() + timedelta(minutes=31), tick=False):
        lapsed = client.get(f"/api/v1/bookings/{b['reference']}?email=anna@example.com").json()
        again = book(client, "moscow", future)  # the only room is free again
    assert (lapsed["status"], lapsed["payment"]) == ("EXPIRED", None)
    assert again.status_code == 201 and again.json()["status"] == "PENDING_PAYMENT"


def test_the_website_follows_the_same_rule(client, hotels, future):
    query = {"mode": "nightly", "check_in": str(future), "check_out": str(future + timedelta(days=2)), "guests": 1,
             "room_type": "std"}
    for host, step, status in (("moscow.localhost", "/en/book/pay/", Status.PENDING_PAYMENT),
                               ("other.localhost", "/en/book/done/", Status.CONFIRMED)):
        form = client.get("/en/book/details/", query, HTTP_HOST=host)
        key = form.context["guest_form"].initial["request_key"]
        r = client.post("/en/book/details/", {**query, "name": "Anna", "email": "anna@example.com",
                                             "request_key": key}, HTTP_HOST=host)
        assert step in r["Location"], host
        with scopes_disabled():
            assert Booking.objects.get(hotel__slug=host.split(".")[0]).status == status


def test_the_openapi_schema_documents_the_payment_and_the_cancellation_terms(client, db):
    schemas = client.get("/api/openapi.json").json()["components"]["schemas"]
    booking = schemas["BookingOut"]["properties"]
    assert "PENDING_PAYMENT" in booking["status"]["description"]
    assert set(schemas["PaymentOut"]["properties"]) == {"url", "expires_at"}
    assert {"free_until", "fee_percent", "can_cancel", "fee_now", "fee_charged"} == set(
        schemas["CancellationOut"]["properties"])
    assert "payment" in booking and "cancellation" in booking
    assert "accept_fee" in schemas["CancelIn"]["properties"]


def test_the_api_cancels_by_the_policy_and_wants_the_fee_accepted(client, hotels, future):
    hotel, other_hotel = hotels
    for h in hotels:
        h.payment_rule, h.cancellation_hours, h.cancellation_fee_percent = PaymentRule.AT_HOTEL, 24 * 60, 40
        h.save()
    other_hotel.cancellation_fee_percent = 0
    other_hotel.save()
    mine, theirs = book(client, "moscow", future).json(), book(client, "other", future).json()  # 200.00 each
    assert mine["cancellation"] == {"free_until": mine["cancellation"]["free_until"], "fee_percent": 40,
                                    "can_cancel": True, "fee_now": "80.00", "fee_charged": None}
    assert mine["cancellation"]["free_until"].endswith("+03:00")
    cancel = f"/api/v1/bookings/{mine['reference']}/cancel"
    refused = client.post(cancel, data=json.dumps({"email": "anna@example.com", "accept_fee": "79.99"}),
                          content_type="application/json")
    assert refused.status_code == 409 and refused.json()["code"] == "cancellation_fee"
    with scopes_disabled():
        assert Booking.objects.get(reference=mine["reference"]).status == Status.CONFIRMED
    done = client.post(cancel, data=json.dumps({"email": "anna@example.com", "accept_fee": "80"}),
                       content_type="application/json")
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["cancellation"]["fee_charged"]) == ("CANCELLED", "80.00")
    free = client.post(f"/api/v1/bookings/{theirs['reference']}/cancel", data=json.dumps({"email": "anna@example.com"}),
                       content_type="application/json")
    assert (free.status_code, free.json()["cancellation"]["fee_charged"]) == (200, "0.00")


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_payment_required_into_prepayment():
    prepay, at_hotel = factories.make_hotel(slug="a"), factories.make_hotel(slug="b")
    before = [("hotels", "0008_currency_iso_4217")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("hotels", "Hotel")
    old.objects.filter(pk=prepay.pk).update(payment_required=True)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    with scopes_disabled():
        assert dict(Hotel.objects.filter(pk__in=[prepay.pk, at_hotel.pk]).values_list("slug", "payment_rule")) == {
            "a": "PREPAY", "b": "AT_HOTEL"}
