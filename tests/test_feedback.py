"""Feedback after the stay: the link in the thanks, the token page on the hotel's site, one answer per booking."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django_scopes import scope, scopes_disabled

from innkeeper.booking.states import Status
from innkeeper.feedback.models import Feedback
from innkeeper.hotels.links import feedback_link
from innkeeper.journey import services as journey
from innkeeper.messaging.models import Message
from tests import factories
from tests.messaging_helpers import rendered

MOSCOW = {"HTTP_HOST": "moscow.localhost"}
OTHER = {"HTTP_HOST": "other.localhost"}


def stayed(booking, now):
    with scope(hotel=booking.hotel):
        booking = journey.booking_transition(booking=booking, to=Status.CHECKED_IN, actor="staff", now=now)
        return journey.booking_transition(booking=booking, to=Status.CHECKED_OUT, actor="staff", now=now)


@pytest.fixture
def stays(hotel, other_hotel, book, future, now):
    mine = book(hotel, factories.make_room_type(hotel, slug="std", rooms=1), future, future + timedelta(days=1))
    theirs = book(other_hotel, factories.make_room_type(other_hotel, slug="std", rooms=1), future,
                  future + timedelta(days=1))
    return stayed(mine, now), stayed(theirs, now)


def path_of(link: str) -> str:
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


def test_the_thanks_after_the_stay_carries_the_feedback_link(hotel, stays, now):
    mine, _theirs = stays
    journey.stay_messages_run(now=mine.end + timedelta(hours=3))
    with scopes_disabled():
        thanks = rendered(Message.objects.get(booking_id=mine.pk, type="POST_STAY_THANKS", channel="EMAIL"))
    link = re.search(r"https?://\S+/feedback/\?token=\S+", thanks.body_text).group(0)
    assert link == feedback_link(mine)


def test_a_guest_rates_the_stay_once_and_staff_see_it(client, hotel, stays):
    mine, _theirs = stays
    page = client.get(path_of(feedback_link(mine)), **MOSCOW)
    assert page.status_code == 200 and 'name="rating"' in page.text
    bad = client.post(path_of(feedback_link(mine)), {"rating": "9", "comment": "?"}, **MOSCOW)
    assert bad.status_code == 400 and "1 to 5" in bad.text
    done = client.post(path_of(feedback_link(mine)), {"rating": "4", "comment": "Quiet room <3"}, **MOSCOW)
    assert done.status_code == 200 and "Thank you for your feedback" in done.text
    again = client.post(path_of(feedback_link(mine)), {"rating": "1", "comment": "changed my mind"}, **MOSCOW)
    assert again.status_code == 200 and "already been received" in again.text
    with scopes_disabled():
        assert list(Feedback.objects.values_list("booking_id", "rating", "comment")) == [
            (mine.pk, 4, "Quiet room <3")]
    factories.make_member(hotel, "STAFF", "desk@moscow.example")
    client.post("/panel/sign-in/", {"username": "desk@moscow.example", "password": factories.PASSWORD})
    panel = client.get(f"/panel/bookings/{mine.reference}/")
    assert panel.status_code == 200 and "Quiet room &lt;3" in panel.text and "4 of 5" in panel.text


def test_another_hotels_token_or_a_forged_one_opens_nothing(client, stays):
    mine, theirs = stays
    assert client.get(path_of(feedback_link(theirs)), **MOSCOW).status_code == 404
    assert client.post(path_of(feedback_link(theirs)), {"rating": "5"}, **MOSCOW).status_code == 404
    assert client.get("/en/feedback/?token=forged", **MOSCOW).status_code == 404
    assert client.get(path_of(feedback_link(theirs)), **OTHER).status_code == 200
    with scopes_disabled():
        assert not Feedback.objects.exists()


def test_a_stay_that_has_not_begun_cannot_be_rated(client, hotel, book, future):
    ahead = book(hotel, factories.make_room_type(hotel, slug="std", rooms=1), future, future + timedelta(days=1))
    assert client.post(path_of(feedback_link(ahead)), {"rating": "5"}, **MOSCOW).status_code == 409
