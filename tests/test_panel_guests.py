"""The panel's guests (bookings grouped by e-mail within the hotel) with their stays and messages, and each
booking's timeline: messages in order with the activity entries, failures said in words."""

import re
from datetime import timedelta

import pytest
from django_scopes import scopes_disabled

from innkeeper.messaging.models import Message
from tests import factories
from tests.factories import PASSWORD


@pytest.fixture
def signed_in(client, hotel):
    staff = factories.make_member(hotel, "STAFF", "desk@moscow.example")
    assert client.post("/panel/sign-in/", {"username": staff.email, "password": PASSWORD}).status_code == 302
    return client


@pytest.fixture
def guests(hotel, other_hotel, book, future):
    rt = factories.make_room_type(hotel, slug="std", rooms=5)
    anna1 = book(hotel, rt, future, future + timedelta(days=1), name="Anna Petrova", email="anna@example.com")
    anna2 = book(hotel, rt, future + timedelta(days=10), future + timedelta(days=12), name="Anna Petrova",
                 email="ANNA@example.com")
    boris = book(hotel, rt, future, future + timedelta(days=1), name="Boris Ivanov", email="boris@example.com")
    theirs = factories.make_room_type(other_hotel, slug="x", rooms=1)
    stranger = book(other_hotel, theirs, future, future + timedelta(days=1), name="Anna Elsewhere",
                    email="anna@example.com")
    return anna1, anna2, boris, stranger


def test_guests_are_grouped_by_email_within_the_hotel(signed_in, guests):
    anna1, anna2, boris, stranger = guests
    page = signed_in.get("/panel/guests/").content.decode()
    assert re.findall(r'data-guest="([^"]+)"', page) == ["anna@example.com", "boris@example.com"]
    row = page.split('data-guest="anna@example.com"')[1].split("</tr>")[0]
    assert "<td>2</td>" in row and f'/panel/guests/{anna2.reference}/' in row  # two stays, the latest linked
    assert "Elsewhere" not in page
    page = signed_in.get("/panel/guests/", {"q": "boris"}).content.decode()
    assert re.findall(r'data-guest="([^"]+)"', page) == ["boris@example.com"]


def test_a_guest_shows_their_stays_and_messages_and_never_another_hotels(signed_in, guests):
    anna1, anna2, boris, stranger = guests
    page = signed_in.get(f"/panel/guests/{anna1.reference.lower()}/").content.decode()
    assert anna1.reference in page and anna2.reference in page and boris.reference not in page
    with scopes_disabled():
        mine = Message.objects.filter(booking__in=[anna1, anna2])
        assert mine.exists()
        shown = {int(pk) for pk in re.findall(r'data-message="(\d+)"', page)}
        assert shown == set(mine.values_list("pk", flat=True))
    assert stranger.reference not in page
    assert signed_in.get(f"/panel/guests/{stranger.reference}/").status_code == 404


def test_the_booking_page_shows_its_messages_in_order_with_its_activity_and_failures_in_words(
        signed_in, guests):
    anna1 = guests[0]
    with scopes_disabled():
        message = Message.objects.filter(booking=anna1).earliest("id")
        Message.objects.filter(pk=message.pk).update(status="QUEUED", attempts=2, error_code="timeout",
                                                     last_error="timed out: ReadTimeout")
    page = signed_in.get(f"/panel/bookings/{anna1.reference}/").content.decode()
    history = page.split('<ol class="timeline">')[1].split("</ol>")[0]
    assert f'data-timeline-message="{message.pk}"' in history
    assert "The provider did not answer in time." in history and "2 attempts" in history
    made = history.index("The guest made booking")  # the booking's creation comes before the message it sent
    assert made < history.index(f'data-timeline-message="{message.pk}"')
    assert guests[3].reference not in history
