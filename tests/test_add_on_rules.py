"""Which extras a stay is offered (booking.extras, through booking.selectors.add_ons_offered): the check-in
extras step shows only those, and the API and the booking engine refuse the others with the reason."""

import json
from datetime import datetime, time, timedelta

import pytest
import time_machine
from django_scopes import scope, scopes_disabled

from innkeeper.booking import selectors, stays
from innkeeper.booking.models import Booking
from innkeeper.core.errors import InvalidInput
from innkeeper.hotels import links
from innkeeper.journey import services as journey
from tests import factories
from tests.test_checkin import identity

HOST = {"HTTP_HOST": "moscow.localhost"}
EXTRAS = ("early-check-in", "late-check-out", "breakfast")


@pytest.fixture
def room_type(hotel, other_hotel):
    rt = factories.make_room_type(hotel, slug="double", base_price_nightly="100.00", base_price_hourly="20.00",
                                  rooms=1)
    for code in EXTRAS:
        factories.make_add_on(hotel, code, "10")
    factories.make_add_on(hotel, "old", "5", is_active=False)
    factories.make_add_on(other_hotel, "spa", "40")  # the other hotel's: never offered here
    return rt


def offered(hotel, stay, now) -> list[str]:
    with scope(hotel=hotel):
        return [a.code for a in selectors.add_ons_offered(hotel=hotel, stay=stay, now=now)]


def at(hotel, day, hour, minute=0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=hotel.tz)


def test_an_hourly_stay_is_offered_no_nightly_extras(hotel, room_type, now, future):
    hourly = stays.hourly(hotel, at(hotel, future, 10), 3, now=now)
    nightly = stays.nightly(hotel, future, future + timedelta(days=1), now=now)
    assert offered(hotel, hourly, now) == ["breakfast"]
    assert offered(hotel, nightly, now) == ["breakfast", "early-check-in", "late-check-out"]


@pytest.mark.parametrize("check_in_time, early", [(time(14), True), (time(21, 59), True), (time(22), False),
                                                  (time(23, 30), False)])
def test_no_early_check_in_for_a_stay_that_starts_at_the_cutoff_or_later(hotel, room_type, now, future,
                                                                         check_in_time, early):
    hotel.check_in_time = check_in_time
    hotel.save()
    stay = stays.nightly(hotel, future, future + timedelta(days=1), now=now)
    assert ("early-check-in" in offered(hotel, stay, now)) is early


def test_no_early_check_in_once_the_earlier_arrival_has_begun(hotel, room_type, now, future):
    stay = stays.nightly(hotel, future, future + timedelta(days=1), now=now)  # from 14:00; early: from 10:00
    assert "early-check-in" in offered(hotel, stay, at(hotel, future, 9, 59))
    assert "early-check-in" in offered(hotel, stay, at(hotel, future, 10))
    assert "early-check-in" not in offered(hotel, stay, at(hotel, future, 10, 1))
    assert offered(hotel, stay, at(hotel, future, 22)) == ["breakfast", "late-check-out"]


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_the_api_refuses_a_nightly_extra_on_an_hourly_stay_and_books_nothing(client, hotel, room_type, future):
    body = {"room_type": "double", "start": f"{future}T10:00:00", "hours": 3, "guests": 1, "locale": "en",
            "guest": {"name": "Anna Petrova", "email": "anna@example.com"}, "add_ons": ["late-check-out"]}
    refused = post(client, "/api/v1/hotels/moscow/bookings", body)
    assert refused.status_code == 422, refused.content
    assert refused.json()["detail"] == [{"loc": ["body", "add_ons"], "type": "add_on_not_offered",
                                         "msg": "Late-Check-Out is offered with nightly stays only."}]
    with scopes_disabled():
        assert not Booking.objects.exists()
    ok = post(client, "/api/v1/hotels/moscow/bookings", {**body, "add_ons": ["breakfast"]})
    assert ok.status_code == 201 and ok.json()["add_ons"][0]["code"] == "breakfast"


def test_the_engine_refuses_an_early_check_in_whose_time_has_passed(hotel, room_type, book, future):
    booking = book(hotel, room_type, future, future + timedelta(days=1))
    with time_machine.travel(at(hotel, future, 11), tick=False), scope(hotel=hotel):
        with pytest.raises(InvalidInput) as err:
            journey.checkin_complete(booking=booking, identity=identity(), add_ons=["early-check-in"])
        assert (err.value.field, err.value.code) == ("add_ons", "add_on_not_offered")
        assert "the earlier arrival it offers has already begun" in err.value.message
        booking.refresh_from_db()
        assert booking.status == "CONFIRMED" and not booking.add_ons.exists()


def test_the_check_in_extras_step_of_an_hourly_stay_offers_no_nightly_extras(client, hotel, room_type, book,
                                                                            future):
    booking = book(hotel, room_type, start=at(hotel, future, 10), hours=3)
    token = links.checkin_token(booking)
    page = client.get(f"/en/check-in/?token={token}&step=extras", **HOST).text
    assert 'value="breakfast"' in page
    for code in ("late-check-out", "early-check-in", "old", "spa"):
        assert f'value="{code}"' not in page
    # A crafted request for it is refused by the API of the same check-in, with the reason.
    refused = post(client, "/api/v1/check-in/complete", {
        "token": token, "add_ons": ["late-check-out"],
        "guest": {"legal_name": "Anna Petrova", "date_of_birth": "1990-05-17", "document_number": "751234567",
                  "nationality": "RU"}})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["msg"] == "Late-Check-Out is offered with nightly stays only."
