"""Check-in, door and booking links that open nothing: one page saying what happened and what to do, with
the hotel's phone and e-mail; 404 for a link that never worked here (broken, another hotel's), 410 for one
that is over (expired, cancelled, checked out), in the page's language."""

import re
from datetime import timedelta

import pytest
import time_machine
from django_scopes import scope

from innkeeper.booking.states import Status
from innkeeper.hotels import links
from innkeeper.journey import services as journey
from innkeeper.web.views.booking import booking_token
from tests import factories
from tests.test_webkey import inside, keyed, room_type  # noqa: F401  (fixtures)

HOST = {"HTTP_HOST": "moscow.localhost"}
OTHER = {"HTTP_HOST": "other.localhost"}


@pytest.fixture
def contact(hotel, other_hotel):
    hotel.phone, hotel.email = "+7 495 123-45-67", "desk@moscow.example"
    hotel.save()
    other_hotel.phone, other_hotel.email = "+1 212 555 0100", "desk@other.example"
    other_hotel.save()


def main(page) -> str:
    return " ".join(page.text.split("<main", 1)[1].split("</main>", 1)[0].split())


def says(page, *texts) -> None:
    body = main(page)
    for text in texts:
        assert text in body, (text, body)


def hotels_contact(page) -> None:
    says(page, "What you can do", "Contact Moscow Inn; we are glad to help.", 'href="tel:+74951234567"',
         'href="mailto:desk@moscow.example"')
    assert "desk@other.example" not in page.text


def test_check_in_links(client, contact, hotel, other_hotel, room_type, book, future):  # noqa: F811
    booking = book(hotel, room_type, future, future + timedelta(days=2))
    page = f"/en/check-in/?token={links.checkin_token(booking)}"

    broken = client.get("/en/check-in/?token=nope", **HOST)
    foreign = client.get(page, **OTHER)  # the other hotel's site does not open this hotel's booking
    for response in (broken, foreign):
        assert response.status_code == 404
        says(response, "This check-in link is not valid.", "Open the check-in link from your latest booking "
             "e-mail or WhatsApp message once more", 'href="/en/manage/"')
    hotels_contact(broken)
    says(foreign, "Contact Other Inn", "desk@other.example")

    with time_machine.travel(booking.end, tick=False):
        expired = client.get(page, **HOST)
    assert expired.status_code == 410
    says(expired, "This check-in link has expired because the stay has ended.")
    assert "once more" not in main(expired) and 'href="/en/manage/"' not in main(expired)
    hotels_contact(expired)

    with scope(hotel=hotel):
        journey.booking_cancel(booking=booking, actor="guest")
    cancelled = client.get(page, **HOST)
    assert cancelled.status_code == 410
    says(cancelled, "This booking was cancelled, so it can no longer be checked in.")
    hotels_contact(cancelled)


def test_a_check_in_link_of_a_booking_still_to_be_paid_says_not_yet(
        client, contact, hotel, room_type, book, future):  # noqa: F811  (room_type: a fixture)
    held = book(hotel, room_type, future, future + timedelta(days=1), hold=True)
    page = client.get(f"/en/check-in/?token={links.checkin_token(held)}", **HOST)
    assert page.status_code == 409
    says(page, "Online check-in is not possible for this booking (On hold).", 'href="/en/manage/"')
    hotels_contact(page)


def test_door_links(client, contact, keyed, hotel):  # noqa: F811
    booking, key, token = keyed
    page = f"/en/webkey/?token={token}"
    with inside(booking):
        broken = client.get(f"/en/webkey/?token={token[:-3]}abc", **HOST)
        foreign = client.get(page, **OTHER)
    for response in (broken, foreign):
        assert response.status_code == 404 and key.pin not in response.text
        says(response, "This door link is not valid.", "Open the door link from your latest access message once "
             "more")
    hotels_contact(broken)
    with time_machine.travel(key.valid_until + timedelta(minutes=1), tick=False):
        expired = client.get(page, **HOST)
    assert expired.status_code == 410 and key.pin not in expired.text
    says(expired, "Your stay is over, so this door link no longer works.")
    hotels_contact(expired)
    with scope(hotel=hotel):
        journey.booking_transition(booking=booking, to=Status.CANCELLED, actor="staff")
    with inside(booking):
        cancelled = client.get(page, **HOST)
    assert cancelled.status_code == 410 and key.pin not in cancelled.text
    says(cancelled, "This booking was cancelled, so this door link no longer works.")


def test_booking_links(client, contact, hotel, other_hotel, room_type, book, future):  # noqa: F811
    booking = book(hotel, room_type, future, future + timedelta(days=1))
    theirs = book(other_hotel, factories.make_room_type(other_hotel, rooms=1), future, future + timedelta(days=1))
    for path in ("/en/manage/not-a-token/", "/en/manage/not-a-token/cancel/", "/en/book/done/not-a-token/",
                 f"/en/manage/{booking_token(theirs)}/"):
        response = client.get(path, **HOST)
        assert response.status_code == 404, path
        says(response, "This booking link is not valid here.", "find your booking with its reference and your "
             "e-mail", 'href="/en/manage/"')
        hotels_contact(response)
        assert theirs.reference not in response.text
    assert client.get(f"/en/manage/{booking_token(booking)}/", **HOST).status_code == 200


def test_the_page_is_in_the_guests_language_and_finds_a_way_without_contact_details(
        client, hotel, other_hotel, room_type, book, future):  # noqa: F811
    page = client.get("/ru/check-in/?token=nope", **HOST)
    assert page.status_code == 404
    says(page, "Ссылка для регистрации недействительна", "Что можно сделать", "Свяжитесь с Moscow Inn")
    # No phone or e-mail given: the contact page, which has the address, is offered instead.
    assert re.search(r'<a href="/ru/contact/">[^<]+</a>', main(page))
