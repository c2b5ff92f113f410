"""Writing to a guest from the panel's "Send a message" page: pick one of this hotel's bookings by reference,
name, e-mail or phone, compose with a preview (the live one as well) that is the text sent, send, see it logged."""

import re
from datetime import timedelta

import pytest
from django_scopes import scopes_disabled

from innkeeper.core.models import ActivityLog
from innkeeper.messaging.models import Message
from tests import factories
from tests.factories import PASSWORD
from tests.messaging_helpers import deliver


def sign_in(client, hotel, role, email):
    user = factories.make_member(hotel, role, email)
    assert client.post("/panel/sign-in/", {"username": email, "password": PASSWORD}).status_code == 302
    return user


@pytest.fixture
def anna(hotel, book, future):
    made = book(hotel, factories.make_room_type(hotel, slug="std", rooms=2), future, future + timedelta(days=1),
                name="Anna Petrova", email="anna@example.com")
    with scopes_disabled():
        made.guest_phone = "+79161234567"
        made.save(update_fields=["guest_phone"])
    return made


@pytest.fixture
def theirs(other_hotel, book, future):
    """Another hotel's guest with the same name and e-mail address: never found, never written to from here."""
    return book(other_hotel, factories.make_room_type(other_hotel, slug="std", rooms=1), future,
                future + timedelta(days=1), name="Anna Petrova", email="anna@example.com")


def picked(page) -> list[str]:
    return re.findall(r'data-pick="(\w+)"', page.text)


def test_staff_find_a_booking_by_reference_name_e_mail_or_phone_only_in_their_hotel(client, hotel, anna, theirs,
                                                                                      book, future):
    bob = book(hotel, factories.make_room_type(hotel, slug="dlx", rooms=1), future, future + timedelta(days=1),
               name="Bob Stone", email="bob@example.com")
    unpaid = book(hotel, factories.make_room_type(hotel, slug="hold", rooms=1), future, future + timedelta(days=1),
                  name="Anna Hold", email="anna.hold@example.com", hold=True)
    sign_in(client, hotel, "STAFF", "desk@moscow.example")
    messages = client.get("/panel/messages/")
    assert 'href="/panel/messages/send/"' in messages.text and "Send a message" in messages.text
    assert set(picked(client.get("/panel/messages/send/"))) == {anna.reference, bob.reference}
    for text in (anna.reference.lower(), "petrova", "ANNA@example", "916123"):
        assert picked(client.get("/panel/messages/send/", {"q": text})) == [anna.reference], text
    assert picked(client.get("/panel/messages/send/", {"q": theirs.reference})) == []
    assert unpaid.reference not in picked(client.get("/panel/messages/send/", {"q": "anna"}))
    nobody = client.get("/panel/messages/send/", {"q": "nobody-like-this"})
    assert picked(nobody) == [] and "No booking matches." in nobody.text


def test_a_message_written_from_the_picker_is_previewed_sent_as_previewed_and_ends_in_the_log(
        client, hotel, anna, theirs, smtp):
    user = sign_in(client, hotel, "STAFF", "desk@moscow.example")
    guest = client.get(f"/panel/guests/{anna.reference}/")
    assert f'href="/panel/messages/send/{anna.reference}/"' in guest.text
    compose = client.get(f"/panel/messages/send/{anna.reference}/")
    assert compose.status_code == 200 and "Write to Anna Petrova" in compose.text
    assert f'data-preview="/panel/bookings/{anna.reference}/message/preview/"' in compose.text
    form = {"channels": ["EMAIL"], "subject": "Taxi for {reference}", "body": "Your taxi waits, {guest_name}."}
    preview = client.post(f"/panel/messages/send/{anna.reference}/", {**form, "preview": ""})
    assert preview.status_code == 200 and "Your taxi waits, Anna Petrova." in preview.text
    sent = client.post(f"/panel/messages/send/{anna.reference}/", {**form, "send": ""})
    assert sent.status_code == 302 and sent["Location"] == f"/panel/messages/?booking={anna.reference}"
    log = client.get(sent["Location"])
    assert "The message is on its way." in log.text and anna.reference in log.text
    with scopes_disabled():
        row = Message.objects.get(type="MANUAL")
        entry = ActivityLog.objects.get(verb="booking.message_manual")
        assert not Message.objects.filter(booking=theirs, type="MANUAL").exists()
    assert (row.booking_id, row.hotel_id, row.recipient) == (anna.pk, hotel.pk, "anna@example.com")
    assert deliver(row).body_text == "Your taxi waits, Anna Petrova."
    assert smtp.messages[-1]["Subject"] == f"Taxi for {anna.reference}"
    assert (entry.actor_id, entry.hotel_id) == (str(user.pk), hotel.pk)
    assert client.get(f"/panel/messages/send/{theirs.reference}/").status_code == 404
    assert client.post(f"/panel/messages/send/{theirs.reference}/", {**form, "send": ""}).status_code == 404


def test_the_live_preview_is_the_sent_text_and_names_an_unknown_placeholder(client, hotel, anna, theirs):
    sign_in(client, hotel, "STAFF", "desk@moscow.example")
    url = f"/panel/bookings/{anna.reference}/message/preview/"
    shown = client.post(url, {"channels": ["EMAIL", "WHATSAPP"], "subject": "Hi {guest_name}",
                              "body": "Room {room_number} is ready, {guest_name}."})
    assert shown.status_code == 200 and "<html" not in shown.text
    assert re.findall(r'data-channel="(\w+)"', shown.text) == ["EMAIL", "WHATSAPP"]
    assert shown.text.count("is ready, Anna Petrova.") == 2 and "Hi Anna Petrova" in shown.text
    wrong = client.post(url, {"channels": ["EMAIL"], "subject": "Hi", "body": "See you, {gest_name}!"})
    assert wrong.status_code == 400 and "Unknown placeholder: {gest_name}." in wrong.text
    assert 'data-channel' not in wrong.text
    assert client.get(url).status_code == 405
    assert client.post(f"/panel/bookings/{theirs.reference}/message/preview/",
                       {"channels": ["EMAIL"], "body": "x"}).status_code == 404


def test_the_live_preview_of_a_rule_uses_the_sample_booking_and_is_for_owners(client, hotel):
    sign_in(client, hotel, "OWNER", "owner@moscow.example")
    shown = client.post("/panel/messages/automation/preview/", {"locale": "de", "subject": "Morgen in {hotel_name}",
                                                                "body": "Hallo {guest_name}!"})
    assert shown.status_code == 200 and "Hallo Anna Petrova!" in shown.text and "Morgen in Moscow Inn" in shown.text
    wrong = client.post("/panel/messages/automation/preview/", {"locale": "de", "body": "Hallo {gast}"})
    assert wrong.status_code == 400 and "Unknown placeholder: {gast}." in wrong.text
    client.post("/panel/sign-out/")
    sign_in(client, hotel, "STAFF", "desk@moscow.example")
    assert client.post("/panel/messages/automation/preview/", {"locale": "de", "body": "x"}).status_code == 403
