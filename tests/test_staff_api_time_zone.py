"""The staff API keeps the hotel's clock, as the panel does: times in its answers are the hotel's."""

from datetime import datetime, timedelta

import pytest
from django.test import Client
from django_scopes import scopes_disabled

from innkeeper.hotels.models import Hotel
from innkeeper.messaging.models import Message
from tests import factories
from tests.factories import PASSWORD


@pytest.fixture
def kiritimati(hotel):
    """The hotel moved to UTC+14, where the date is often a day ahead of UTC's."""
    with scopes_disabled():
        Hotel.objects.filter(pk=hotel.pk).update(time_zone="Pacific/Kiritimati")
        return Hotel.objects.get(pk=hotel.pk)


def test_times_in_answers_are_the_hotels(kiritimati, other_hotel, book, future):
    std = factories.make_room_type(kiritimati, slug="std", rooms=1)
    mine = book(kiritimati, std, future, future + timedelta(days=1), name="Anna Petrova")
    theirs = book(other_hotel, factories.make_room_type(other_hotel, slug="std", rooms=1), future,
                  future + timedelta(days=1), name="Anna Other")
    client = Client()
    factories.make_member(kiritimati, "STAFF", "desk@kiritimati.example")
    assert client.post("/panel/sign-in/", {"username": "desk@kiritimati.example",
                                           "password": PASSWORD}).status_code == 302
    with scopes_disabled():
        stored = Message.objects.filter(booking=mine).order_by("id").first()
        assert Message.objects.filter(booking=theirs).exists()
    answer = client.get(f"/api/v1/staff/messages/{stored.pk}").json()
    assert answer["created_at"].endswith("+14:00")
    same = stored.created_at.replace(microsecond=stored.created_at.microsecond // 1000 * 1000)
    assert datetime.fromisoformat(answer["created_at"]) == same  # the same moment, to the millisecond
    listed = client.get("/api/v1/staff/messages").json()
    assert {m["booking"] for m in listed} == {mine.reference}  # the other hotel's never appear
    assert all(m["created_at"].endswith("+14:00") for m in listed)
    booking = client.get(f"/api/v1/staff/bookings/{mine.reference}").json()
    assert booking["start"].endswith("+14:00") and booking["created_at"].endswith("+14:00")
