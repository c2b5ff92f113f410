"""Fuzzing the public API: no input, however malformed, gets a 500.

1. Schemathesis generates valid and invalid requests from /api/openapi.json; every answer must be
   a documented, non-5xx status with a body that matches the schema. (Schema-valid requests may still
   be refused by business rules, e.g. more guests than a room sleeps, so that check is left out.)
2. Random dates rarely make a bookable stay, so a property test also sends near-future stays of
   every shape, which reach pricing, allocation and the write path.
"""

import json
from datetime import date, timedelta

import pytest
import schemathesis
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from innkeeper.core import throttle
from innkeeper.wsgi import application
from tests import factories


@pytest.fixture(autouse=True)
def _rate_limits_off(settings):
    """Fuzzing sends thousands of requests from one address: a load test, run with RATE_LIMITS=off."""
    settings.RATE_LIMITS = throttle.parse("off")


schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)
CHECKS = [schemathesis.checks.not_a_server_error, schemathesis.checks.status_code_conformance,
          schemathesis.checks.content_type_conformance, schemathesis.checks.response_schema_conformance]
FIXTURE_OK = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


@pytest.fixture
def demo_hotel(transactional_db):
    # transactional: the WSGI app closes its connection after each request, as in production
    hotel = factories.make_hotel(slug="moscow")
    factories.make_room_type(hotel, slug="std", rooms=2)
    factories.make_room_type(hotel, slug="day", rooms=1, max_occupancy=4, turnover_minutes=30)
    factories.make_add_on(hotel, "breakfast", "5", "PER_GUEST")
    return hotel


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=FIXTURE_OK)
def test_schema_driven_requests_never_fail_with_a_server_error(case, demo_hotel):
    if "slug" in (case.path_parameters or {}):
        case.path_parameters["slug"] = "moscow"  # reach the handlers, not only the 404
    # Schemathesis's WSGI transport asks for gzip but does not decode it; an HTTP client would.
    case.call_and_validate(checks=CHECKS, headers={"Accept-Encoding": "identity"})


stay_shape = st.one_of(
    st.fixed_dictionaries({"check_in": st.integers(-3, 120), "nights": st.integers(-2, 40)}),
    st.fixed_dictionaries({"day": st.integers(-2, 120), "hour": st.integers(-1, 25), "minute": st.sampled_from(
        [0, 15, 30, 59, 60]), "hours": st.integers(-1, 30)}),
)


def as_query(shape, today: date) -> dict:
    if "nights" in shape:
        check_in = today + timedelta(days=shape["check_in"])
        return {"check_in": str(check_in), "check_out": str(check_in + timedelta(days=shape["nights"]))}
    day = today + timedelta(days=shape["day"])
    return {"start": f"{day}T{shape['hour']:02d}:{shape['minute']:02d}:00", "hours": shape["hours"]}


@given(shape=stay_shape, guests=st.integers(-1, 8), room_type=st.sampled_from(["std", "day", "", "nope"]),
       add_ons=st.lists(st.sampled_from(["breakfast", "spa", ""]), max_size=3),
       email=st.sampled_from(["a@example.com", "not-an-email", "", "ü@例え.jp"]),
       name=st.text(max_size=30))
@settings(max_examples=150, deadline=None, suppress_health_check=FIXTURE_OK)
def test_near_future_stays_of_every_shape_get_a_clear_answer(demo_hotel, shape, guests, room_type, add_ons,
                                                              email, name):
    client = Client()
    today = timezone.now().date()
    query = as_query(shape, today)
    r = client.get("/api/v1/hotels/moscow/availability", {**query, "guests": guests})
    assert r.status_code in (200, 422), r.content
    body = dict(query, room_type=room_type, guests=guests, add_ons=add_ons, guest={"name": name, "email": email})
    r = client.post("/api/v1/hotels/moscow/bookings", json.dumps(body), content_type="application/json")
    assert r.status_code in (201, 409, 422), r.content
    if r.status_code == 201:
        ref = r.json()["reference"]
        r = client.post(f"/api/v1/bookings/{ref}/cancel", json.dumps({"email": email}),
                        content_type="application/json")
        assert r.status_code == 200 and r.json()["status"] == "CANCELLED"


EXTREME_STAYS = [
    {"start": "9999-12-31T23:00:00Z", "hours": 3},
    {"start": "9999-12-31T21:00", "hours": 3},
    {"start": "9999-12-31T23:59:59.999999+14:00", "hours": 24},
    {"start": "0001-01-01T00:00:00+14:00", "hours": 3},
    {"start": "0001-01-01T00:00", "hours": 3},
    {"check_in": "9999-12-30", "check_out": "9999-12-31"},
    {"check_in": "0001-01-01", "check_out": "0001-01-02"},
    {"check_in": "2026-01-01", "check_out": "9999-12-31"},
]


@pytest.mark.parametrize("tz", ["Europe/Moscow", "Etc/GMT+12", "Pacific/Kiritimati"])
@pytest.mark.parametrize("query", EXTREME_STAYS)
def test_stays_at_the_ends_of_the_calendar_are_refused_with_a_field_message(db, tz, query):
    hotel = factories.make_hotel(slug="edge", time_zone=tz)
    factories.make_room_type(hotel, slug="std", rooms=1)
    client = Client(raise_request_exception=False)
    r = client.get("/api/v1/hotels/edge/availability", {**query, "guests": 1})
    assert r.status_code == 422, r.content
    [error] = r.json()["detail"]
    assert error["type"] in ("past", "too_far_ahead", "too_long") and error["msg"]
    body = dict(query, room_type="std", guests=1, guest={"name": "Anna", "email": "a@example.com"})
    r = client.post("/api/v1/hotels/edge/bookings", json.dumps(body), content_type="application/json")
    assert r.status_code == 422, r.content
    assert r.json()["detail"][0]["type"] == error["type"]
