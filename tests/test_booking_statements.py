"""What one API booking costs the database, and the wording that the worker, not the request, fills in."""

import json
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from innkeeper.booking.models import Booking
from innkeeper.messaging.models import Message, MessageStatus
from tests import factories
from tests.factories import PASSWORD
from tests.messaging_helpers import deliver

BOOKING_STATEMENTS = 10


def body(day, email="anna@example.com"):
    return {"room_type": "std", "check_in": str(day), "check_out": str(day + timedelta(days=2)), "guests": 2,
            "guest": {"name": "Anna Petrova", "email": email, "phone": "+7 916 123-45-67"}, "locale": "ru"}


def post(client, slug, payload, **headers):
    return client.post(f"/api/v1/hotels/{slug}/bookings", data=json.dumps(payload),
                       content_type="application/json", **headers)


def test_an_api_booking_takes_at_most_ten_statements_and_writes_its_messages_unrendered(
        client, hotel, other_hotel, future):
    factories.make_room_type(hotel, slug="std", name="Standard", rooms=3)
    factories.make_room_type(other_hotel, slug="std", name="Standard", rooms=3)
    assert post(client, "other", body(future)).status_code == 201
    with CaptureQueriesContext(connection) as ctx:
        r = post(client, "moscow", body(future))
    assert r.status_code == 201, r.content
    statements = [q["sql"] for q in ctx.captured_queries]
    assert len(statements) <= BOOKING_STATEMENTS, "\n".join(statements)
    assert sum(s.startswith("INSERT") for s in statements) == 3  # the booking, its event, its messages
    with scopes_disabled():
        booking = Booking.objects.get(reference=r.json()["reference"])
        messages = {m.channel: m for m in Message.objects.filter(booking=booking)}
        theirs = Booking.objects.get(hotel=other_hotel)
    assert booking.hotel == hotel and theirs.room.hotel == other_hotel
    assert set(messages) == {"EMAIL", "WHATSAPP"}
    assert all((m.subject, m.body_text, m.status) == ("", "", MessageStatus.QUEUED) for m in messages.values())


def test_the_worker_fills_in_the_wording_and_keeps_what_it_sent(client, hotel, other_hotel, future):
    factories.make_room_type(hotel, slug="std", name="Standard", rooms=1)
    factories.make_room_type(other_hotel, slug="std", name="Standard", rooms=1)
    reference = post(client, "moscow", body(future)).json()["reference"]
    post(client, "other", body(future, email="o@example.com"))
    with scopes_disabled():
        email = Message.objects.get(booking__reference=reference, channel="EMAIL")
    sent = deliver(email)
    assert sent.status == MessageStatus.SENT
    assert sent.subject == f"Бронирование {reference} в Moscow Inn подтверждено"
    assert "Здравствуйте, Anna Petrova!" in sent.body_text and reference in sent.body_html
    assert sent.variables["reference"] == reference and sent.variables["hotel_name"] == "Moscow Inn"
    with scopes_disabled():
        theirs = Message.objects.get(booking__hotel=other_hotel, channel="EMAIL")
    assert theirs.body_text == ""  # the other hotel's message is untouched until its own send


def test_the_panel_shows_a_queued_message_before_its_wording_exists(client, hotel, other_hotel, future):
    factories.make_room_type(hotel, slug="std", name="Standard", rooms=1)
    reference = post(client, "moscow", body(future)).json()["reference"]
    factories.make_member(other_hotel, "STAFF", "desk@other.example")
    factories.make_member(hotel, "STAFF", "desk@moscow.example")
    assert client.post("/panel/sign-in/", {"username": "desk@moscow.example", "password": PASSWORD}).status_code == 302
    with scopes_disabled():
        email = Message.objects.get(booking__reference=reference, channel="EMAIL")
    page = client.get(f"/panel/messages/{email.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Booking confirmation" in html
    assert "Not sent yet: the wording is filled in when the message goes out." in html
    deliver(email)
    html = client.get(f"/panel/messages/{email.pk}/").content.decode()
    assert "Not sent yet" not in html and "Anna Petrova" in html
