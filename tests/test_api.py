"""The public JSON API over HTTP (Django's test client): shapes, status codes and errors."""

import json
from datetime import timedelta

import pytest
from django_scopes import scopes_disabled

from innkeeper.booking.models import Booking
from innkeeper.booking.states import Status
from tests import factories
from tests.conftest import local


@pytest.fixture
def site(hotel):
    std = factories.make_room_type(hotel, slug="std", name="Standard", rooms=1)
    factories.make_add_on(hotel, "breakfast", "5", "PER_GUEST")
    return hotel, std


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def booking_body(future, **over):
    body = {"room_type": "std", "check_in": str(future), "check_out": str(future + timedelta(days=2)),
            "guests": 2, "guest": {"name": "Anna Petrova", "email": "anna@example.com"}, "locale": "ru"}
    body.update(over)
    return body


def test_availability_nightly(client, site, future):
    r = client.get(f"/api/v1/hotels/moscow/availability?check_in={future}&check_out={future + timedelta(days=2)}"
                   "&guests=2")
    assert r.status_code == 200
    data = r.json()
    assert data["kind"] == "NIGHTLY" and data["start"].endswith("14:00:00+03:00")
    [std] = data["room_types"]
    assert (std["slug"], std["name"], std["available"]) == ("std", "Standard", 1)
    assert std["quote"]["total"] == "200.00" and std["quote"]["currency"] == "EUR"
    assert [line["kind"] for line in std["quote"]["lines"]] == ["night", "night"]


def test_availability_hourly(client, site, future):
    r = client.get(f"/api/v1/hotels/moscow/availability?start={future}T10:00&hours=3&guests=1")
    assert r.status_code == 200
    assert r.json()["kind"] == "HOURLY" and r.json()["end"].startswith(f"{future}T13:00")
    assert r.json()["room_types"][0]["quote"]["total"] == "60.00"


@pytest.mark.parametrize("query, loc", [
    ("check_in={d}", ["query", "check_out"]),
    ("check_in={d}&check_out={d}", ["query", "check_out"]),
    ("check_in=2001-01-01&check_out=2001-01-02", ["query", "check_in"]),
    ("check_in=not-a-date&check_out={d}", ["query", "check_in"]),
    ("start={d}T03:00&hours=2", ["query", "start"]),
    ("start={d}T10:00&hours=99", ["query", "hours"]),
    ("check_in={d}&check_out={d2}&guests=0", ["query", "guests"]),
    ("check_in={d}&hours=3", ["query", "start"]),
])
def test_availability_rejects_bad_input_per_field(client, site, future, query, loc):
    q = query.format(d=future, d2=future + timedelta(days=1))
    r = client.get(f"/api/v1/hotels/moscow/availability?{q}")
    assert r.status_code == 422, r.content
    assert [e["loc"] for e in r.json()["detail"]][0] == loc
    assert r.json()["detail"][0]["msg"]


def test_unknown_hotel_is_404(client, db, future):
    r = client.get(f"/api/v1/hotels/nowhere/availability?check_in={future}&check_out={future + timedelta(days=1)}")
    assert r.status_code == 404 and r.json()["code"] == "not_found"


def test_book_then_read_then_cancel(client, site, future):
    r = post(client, "/api/v1/hotels/moscow/bookings", booking_body(future, add_ons=["breakfast"]))
    assert r.status_code == 201, r.content
    b = r.json()
    assert (b["status"], b["room_type"], b["total"], b["currency"]) == ("CONFIRMED", "std", "210.00", "EUR")
    assert b["check_in"] == str(future) and b["start"].endswith("+03:00") and b["locale"] == "ru"
    assert b["add_ons"] == [{"code": "breakfast", "name": "Breakfast", "quantity": 2, "amount": "10.00"}]
    with scopes_disabled():
        row = Booking.objects.get(reference=b["reference"])
    assert (row.guest_email, row.total, row.source) == ("anna@example.com", 210, "API")

    mine = client.get(f"/api/v1/bookings/{b['reference'].lower()}?email=ANNA@example.com")
    assert mine.status_code == 200 and mine.json()["reference"] == b["reference"]

    wrong = client.get(f"/api/v1/bookings/{b['reference']}?email=eve@example.com")
    unknown = client.get("/api/v1/bookings/ZZZZZZ?email=anna@example.com")
    assert wrong.status_code == unknown.status_code == 404 and wrong.json() == unknown.json()

    assert post(client, f"/api/v1/bookings/{b['reference']}/cancel", {"email": "eve@example.com"}).status_code == 404
    r = post(client, f"/api/v1/bookings/{b['reference']}/cancel", {"email": "anna@example.com"})
    assert r.status_code == 200 and r.json()["status"] == "CANCELLED"
    row.refresh_from_db()
    assert row.status == Status.CANCELLED


def test_sold_out_is_409_and_nothing_is_written(client, site, future):
    assert post(client, "/api/v1/hotels/moscow/bookings", booking_body(future)).status_code == 201
    r = post(client, "/api/v1/hotels/moscow/bookings", booking_body(future, guest={"name": "B", "email": "b@x.io"}))
    assert r.status_code == 409 and r.json()["code"] == "no_availability" and "free" in r.json()["detail"]
    with scopes_disabled():
        assert Booking.objects.count() == 1


def test_hourly_booking(client, site, future, hotel):
    body = booking_body(future, check_in=None, check_out=None, start=f"{future}T10:00:00", hours=4)
    r = post(client, "/api/v1/hotels/moscow/bookings", body)
    assert r.status_code == 201, r.content
    assert (r.json()["kind"], r.json()["hours"], r.json()["total"]) == ("HOURLY", 4, "80.00")
    with scopes_disabled():
        row = Booking.objects.get()
    assert (row.start, row.end) == (local(hotel, future, 10), local(hotel, future, 14))


@pytest.mark.parametrize("change, loc", [
    ({"guest": {"name": "Anna", "email": "nope"}}, ["body", "guest", "email"]),
    ({"guest": {"name": " ", "email": "a@example.com"}}, ["body", "guest", "name"]),
    ({"room_type": "penthouse"}, ["body", "room_type"]),
    ({"guests": 9}, ["body", "guests"]),
    ({"guests": "two"}, ["body", "payload", "guests"]),
    ({"add_ons": ["spa"]}, ["body", "add_ons"]),
    ({"check_out": None}, ["body", "check_out"]),
    ({"locale": "fr"}, ["body", "locale"]),
])
def test_booking_rejects_bad_input_per_field(client, site, future, change, loc):
    r = post(client, "/api/v1/hotels/moscow/bookings", booking_body(future, **change))
    assert r.status_code == 422, r.content
    assert r.json()["detail"][0]["loc"] == loc
    with scopes_disabled():
        assert Booking.objects.count() == 0


@pytest.mark.parametrize("body", [b"{not json", b"[]", b'{"guest": 5}', b"\xff\xfe", b""])
def test_malformed_bodies_get_a_client_error_not_a_500(client, site, body):
    r = client.post("/api/v1/hotels/moscow/bookings", data=body, content_type="application/json")
    assert 400 <= r.status_code < 500, (r.status_code, r.content)


def test_openapi_schema_is_published(client, db):
    r = client.get("/api/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    assert {"/api/v1/hotels/{slug}/availability", "/api/v1/hotels/{slug}/bookings",
            "/api/v1/bookings/{reference}", "/api/v1/bookings/{reference}/cancel"} <= set(paths)


def test_front_page_lists_hotels(client, site):
    r = client.get("/")
    assert r.status_code == 200 and b"Moscow Inn" in r.content


def test_idempotency_key_makes_a_retried_post_return_the_same_booking(client, hotel, future):
    factories.make_room_type(hotel, slug="std", rooms=2)
    send = lambda key: client.post("/api/v1/hotels/moscow/bookings", data=json.dumps(booking_body(future)),  # noqa: E731
                                   content_type="application/json", headers={"Idempotency-Key": key})
    first, retry, other = send("k-1"), send("k-1"), send("k-2")
    assert first.status_code == retry.status_code == other.status_code == 201
    assert first.json()["reference"] == retry.json()["reference"] != other.json()["reference"]


NUL = "\x00"


@pytest.mark.parametrize("where", ["slug", "room_type", "add_ons", "guest.name", "guest.phone", "guest.email",
                                   "locale"])
def test_a_nul_character_in_a_booking_request_is_refused_before_the_database(client, site, future, where):
    body = booking_body(future, add_ons=["breakfast"])
    slug = "moscow"
    if where == "slug":
        slug = f"mos{NUL}cow"
    elif where == "add_ons":
        body["add_ons"] = [f"break{NUL}fast"]
    elif where.startswith("guest."):
        body["guest"][where[len("guest."):]] = f"anna{NUL}@example.com"
    else:
        body[where] = body[where][:1] + NUL + body[where][1:]
    r = post(client, f"/api/v1/hotels/{slug}/bookings", body)
    assert r.status_code == 422, r.content
    [error] = r.json()["detail"]
    assert error["type"] == "nul_character" and where.split(".")[-1] in error["loc"]
    assert error["msg"] == "The text contains a NUL character (\\x00), which is not allowed."
    with scopes_disabled():
        assert not Booking.objects.exists()


def test_a_nul_character_in_a_lookup_is_refused(client, site, future):
    ref = post(client, "/api/v1/hotels/moscow/bookings", booking_body(future)).json()["reference"]
    when = f"check_in={future}&check_out={future + timedelta(days=1)}"
    answers = [
        client.get(f"/api/v1/hotels/mos%00cow/availability?{when}"),
        client.get(f"/api/v1/bookings/{ref[:3]}%00{ref[3:]}?email=anna@example.com"),
        client.get(f"/api/v1/bookings/{ref}?email=anna%00@example.com"),
        post(client, f"/api/v1/bookings/{ref[:3]}%00{ref[3:]}/cancel", {"email": "anna@example.com"}),
        post(client, f"/api/v1/bookings/{ref}/cancel", {"email": f"anna{NUL}@example.com"}),
    ]
    assert [r.status_code for r in answers] == [422] * 5
    assert {r.json()["detail"][0]["type"] for r in answers} == {"nul_character"}
    r = client.post("/api/v1/hotels/moscow/bookings", data=json.dumps(booking_body(future)),
                    content_type="application/json", HTTP_IDEMPOTENCY_KEY=f"key{NUL}")
    assert r.status_code == 400 and r.json()["code"] == "bad_request"
    with scopes_disabled():
        assert Booking.objects.get().status == Status.CONFIRMED  # nothing cancelled, nothing booked twice


def test_the_quote_shown_is_what_the_booking_charges(client, db, future):
    """Rates with a date override, extra guests, add-ons and tax on top: availability, then book."""
    hotel = factories.make_hotel(slug="taxed", tax_rate="10", prices_include_tax=False)
    std = factories.make_room_type(hotel, slug="std", rooms=3, base_occupancy=2, max_occupancy=4,
                                   extra_guest_charge="10", base_price_hourly="20")
    factories.make_override(std, future + timedelta(days=1), price_nightly="130")
    factories.make_add_on(hotel, "breakfast", "5", "PER_GUEST")
    factories.make_add_on(hotel, "parking", "7", "PER_NIGHT")
    nights = {"check_in": str(future), "check_out": str(future + timedelta(days=2))}
    hours = {"start": f"{future}T10:00", "hours": 3}

    def shown(stay, guests):
        r = client.get("/api/v1/hotels/taxed/availability", {**stay, "guests": guests})
        return r.json()["room_types"][0]["quote"]

    def charged(stay, guests, add_ons=()):
        body = dict(stay, room_type="std", guests=guests, add_ons=list(add_ons),
                    guest={"name": "Anna Petrova", "email": "anna@example.com"})
        r = post(client, "/api/v1/hotels/taxed/bookings", body)
        assert r.status_code == 201, r.content
        return r.json()

    quoted = shown(nights, 3)
    # 100 + 130 for the nights, 2 nights x 1 extra guest x 10, then 10 % tax
    assert (quoted["subtotal"], quoted["total"]) == ("250.00", "275.00")
    booked = charged(nights, 3)
    assert (booked["total"], booked["quote"]) == (quoted["total"], quoted)
    with_extras = charged(nights, 3, ["breakfast", "parking"])  # + 3 x 5 + 2 x 7 = 29 before tax
    assert with_extras["quote"]["lines"][:len(quoted["lines"])] == quoted["lines"]
    assert (with_extras["quote"]["subtotal"], with_extras["total"]) == ("279.00", "306.90")

    quoted = shown(hours, 3)
    assert quoted["total"] == "77.00"  # 3 x 20 + 1 extra guest x 10, + 10 %
    booked = charged(hours, 3)
    assert (booked["total"], booked["quote"]) == (quoted["total"], quoted)


def test_a_lapsed_hold_is_never_reported_as_held(client, site, book, now, future):
    _hotel, std = site
    held = book(_hotel, std, future, future + timedelta(days=1), hold=True, email="anna@example.com",
                at=now - timedelta(minutes=_hotel.hold_minutes + 1))
    r = client.get(f"/api/v1/bookings/{held.reference}?email=anna@example.com")
    assert (r.status_code, r.json()["status"]) == (200, "EXPIRED")
    assert r.json()["hold_expires_at"].endswith("+03:00") and r.json()["created_at"].endswith("+03:00")
    r = post(client, f"/api/v1/bookings/{held.reference}/cancel", {"email": "anna@example.com"})
    assert (r.status_code, r.json()["status"]) == (200, "EXPIRED")  # nothing to cancel: it ran out
    with scopes_disabled():
        assert Booking.objects.get(pk=held.pk).status == Status.EXPIRED


def test_a_late_check_out_that_meets_the_next_guest_is_409_naming_the_extra(client, site, future):
    hotel, std = site
    factories.make_add_on(hotel, "late-check-out", "15")
    nxt = booking_body(future, check_in=str(future + timedelta(days=2)), check_out=str(future + timedelta(days=3)),
                       guest={"name": "Boris", "email": "boris@example.com"})
    assert post(client, "/api/v1/hotels/moscow/bookings", nxt).status_code == 201
    r = post(client, "/api/v1/hotels/moscow/bookings", booking_body(future, add_ons=["late-check-out"]))
    assert r.status_code == 409 and r.json()["code"] == "add_on_unavailable", r.content
    assert "Late-Check-Out" in r.json()["detail"] or "late" in r.json()["detail"].lower()
    with scopes_disabled():
        assert Booking.objects.count() == 1  # nothing written
    assert post(client, "/api/v1/hotels/moscow/bookings", booking_body(future)).status_code == 201  # the stay fits
