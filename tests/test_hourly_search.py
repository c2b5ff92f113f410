"""The search form's dates and hourly starts: date pickers limited to what can be booked, and an hourly search
that never offers a start in the past (the hotel's time zone), refused on the site and the API alike."""

import json
import re
from datetime import date, datetime, time, timedelta

import pytest
import time_machine

from innkeeper.booking import stays
from tests import factories

HOST = {"HTTP_HOST": "moscow.localhost"}
DAY = date(2026, 12, 10)


@pytest.fixture
def rooms(hotel, other_hotel):
    factories.make_room_type(hotel, slug="std", name="Standard", rooms=1)
    factories.make_room_type(other_hotel, slug="far", name="Faraway", rooms=1)


def at(hotel, day, hour, minute=0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=hotel.tz)


@pytest.mark.parametrize("now, first", [
    ((6, 0), (DAY, 8)),  # before the window opens
    ((8, 0), (DAY, 8)),  # on the hour: that hour
    ((14, 20), (DAY, 15)),
    ((19, 59), (DAY, 20)),  # the last start that leaves the shortest stay (2 hours) before 22:00
    ((20, 1), (DAY + timedelta(days=1), 8)),  # nothing fits today any more
    ((23, 30), (DAY + timedelta(days=1), 8)),
])
def test_the_first_hourly_start_is_the_next_whole_hour_that_fits(hotel, now, first):
    start = stays.first_hourly_start(hotel, now=at(hotel, DAY, *now), hours=2)
    assert (start.date(), start.hour, start.minute, start.tzinfo) == (*first, 0, hotel.tz)


def form_parts(page: str, name: str) -> str:
    return re.search(rf'<(?:input|select)[^>]*name="{name}"[^>]*>', page).group(0)


def options(page: str) -> list[tuple[int, bool]]:
    select = re.search(r'<select name="start_time".*?</select>', page, re.S).group(0)
    return [(int(value), "disabled" in rest)
            for value, rest in re.findall(r'<option value="(\d+)"([^>]*)>', select)]


def test_an_empty_search_starts_at_the_next_free_hour_in_the_hotels_time_zone(client, hotel, other_hotel, rooms):
    with time_machine.travel(at(hotel, DAY, 14, 20), tick=False):  # 06:20 in New York
        page = client.get("/en/book/", **HOST).text
        other = client.get("/en/book/", HTTP_HOST="other.localhost").text
    assert 'value="2026-12-10"' in form_parts(page, "date") and 'min="2026-12-10"' in form_parts(page, "date")
    assert 'min="2026-12-10"' in form_parts(page, "check_in")
    assert 'max="2028-12-09"' in form_parts(page, "check_in")  # the booking horizon: 730 days
    assert 'min="2026-12-11"' in form_parts(page, "check_out")
    assert options(page) == [(h, h < 15) for h in range(8, 22)]
    assert re.search(r'<option value="15"[^>]*selected', page)
    assert 'data-first-date="2026-12-10"' in page and 'data-first-hour="15"' in page
    assert "/static/web/search.js" in page
    # In New York it is early morning: every start from the window's opening is still to come.
    assert options(other) == [(h, False) for h in range(8, 22)]
    assert 'data-first-hour="8"' in other and "Faraway" not in page


def test_a_start_in_the_past_is_refused_beside_the_start_time(client, hotel, rooms):
    query = {"mode": "hourly", "date": "2026-12-10", "start_time": 10, "hours": 3, "guests": 1}
    with time_machine.travel(at(hotel, DAY, 14, 20), tick=False):
        past = client.get("/en/book/", query, **HOST).text
        ru = client.get("/ru/book/", query, **HOST).text
        later = client.get("/en/book/", {**query, "start_time": 15}, **HOST).text
        tomorrow = client.get("/en/book/", {**query, "date": "2026-12-11"}, **HOST).text
    assert '<p class="error" id="id_start_time_error">This start has passed. The earliest start that day is ' \
           '15:00.</p>' in past
    assert "Standard" not in past  # no results for a refused search
    assert "Это время уже прошло. Самое раннее начало в этот день — 15:00." in ru
    assert "id_start_time_error" not in later and "Standard" in later
    assert "error" not in "".join(re.findall(r'class="[^"]*"', tomorrow)) and "Standard" in tomorrow
    assert options(tomorrow) == [(h, False) for h in range(8, 22)]  # another day: every hour


def test_a_day_without_starts_left_is_refused_beside_the_date(client, hotel, rooms):
    query = {"mode": "hourly", "date": "2026-12-10", "start_time": 21, "hours": 2, "guests": 1}
    with time_machine.travel(at(hotel, DAY, 20, 30), tick=False):
        page = client.get("/en/book/", query, **HOST).text
        empty = client.get("/en/book/", **HOST).text
    assert '<p class="error" id="id_date_error">The earliest start for an hourly stay is Fri, Dec 11, 2026 at ' \
           '08:00.</p>' in page
    assert 'min="2026-12-11"' in form_parts(empty, "date") and 'value="2026-12-11"' in form_parts(empty, "date")


def test_the_api_refuses_a_start_in_the_past(client, hotel, rooms):
    body = {"room_type": "std", "start": "2026-12-10T10:00:00", "hours": 3, "guests": 1, "locale": "en",
            "guest": {"name": "Anna Petrova", "email": "anna@example.com"}}
    with time_machine.travel(at(hotel, DAY, 14, 20), tick=False):
        booked = client.post("/api/v1/hotels/moscow/bookings", json.dumps(body), content_type="application/json")
        asked = client.get("/api/v1/hotels/moscow/availability?start=2026-12-10T14:00&hours=3")
        ok = client.get("/api/v1/hotels/moscow/availability?start=2026-12-10T15:00&hours=3")
    assert booked.status_code == 422
    assert booked.json()["detail"] == [{"loc": ["body", "start"], "msg": "The start time is in the past.",
                                        "type": "past"}]
    assert asked.status_code == 422 and asked.json()["detail"][0]["type"] == "past"
    assert ok.status_code == 200
