"""Each room type's availability as an iCalendar feed at a secret address on the hotel's site."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django_scopes import scope, scopes_disabled
from icalendar import Calendar

from innkeeper.core import tokens
from innkeeper.core.models import ActivityLog
from innkeeper.journey import services as journey
from innkeeper.pms import ical_export
from innkeeper.pms.adapters.ical import EXPORT_UID_DOMAIN, ICalAdapter
from tests import factories

HOST = "moscow.localhost"


@pytest.fixture
def types(hotel, other_hotel):
    double = factories.make_room_type(hotel, slug="double", name="Double", rooms=2)
    single = factories.make_room_type(hotel, slug="single", name="Single", rooms=1)
    theirs = factories.make_room_type(other_hotel, slug="double", name="Double", rooms=1)
    return double, single, theirs


def url_of(hotel, room_type, **kwargs) -> str:
    with scope(hotel=hotel):
        return urlsplit(ical_export.calendar_url(hotel=hotel, room_type=room_type, **kwargs)).path


def events_of(body: bytes) -> list[tuple]:
    cal = Calendar.from_ical(body)
    return [(e.decoded("DTSTART"), e.decoded("DTEND"), str(e["SUMMARY"])) for e in cal.walk("VEVENT")]


def feed(hotel, room_type) -> bytes:
    with scope(hotel=hotel):
        return ical_export.calendar_feed(hotel=hotel, room_type=room_type)


def test_busy_nights_of_the_type_only_and_nothing_about_guests(book, hotel, other_hotel, types, future):
    double, single, theirs = types
    d = future
    first = book(hotel, double, d, d + timedelta(days=3), name="Anna Karenina", email="anna@example.com")
    book(hotel, double, d + timedelta(days=1), d + timedelta(days=4))  # both rooms taken on nights d+1, d+2
    book(hotel, double, d + timedelta(days=6), d + timedelta(days=7))  # one of two rooms: still for sale
    factories.make_override(double, d + timedelta(days=9), closed=True)
    book(hotel, single, d + timedelta(days=12), d + timedelta(days=14))
    book(other_hotel, theirs, d + timedelta(days=15), d + timedelta(days=16))
    with scopes_disabled():
        factories.make_room_type(other_hotel, slug="other-double", rooms=0)

    body = feed(hotel, double)

    assert events_of(body) == [(d + timedelta(days=1), d + timedelta(days=3), "Not available"),
                               (d + timedelta(days=9), d + timedelta(days=10), "Not available")]
    assert events_of(feed(hotel, single)) == [(d + timedelta(days=12), d + timedelta(days=14), "Not available")]
    assert events_of(feed(other_hotel, theirs)) == [(d + timedelta(days=15), d + timedelta(days=16), "Not available")]
    text = body.decode()
    for private in ("Anna", "anna@example.com", first.reference, "Guest Name", "guest@example.com"):
        assert private not in text
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")  # strict CRLF on output
    cal = Calendar.from_ical(body)
    assert str(cal["PRODID"]) == ical_export.PRODID and str(cal["VERSION"]) == "2.0"
    uids = [str(e["UID"]) for e in cal.walk("VEVENT")]
    assert all(uid.endswith("@" + EXPORT_UID_DOMAIN) for uid in uids) and len(set(uids)) == 2
    assert all(e.get("DTSTAMP") for e in cal.walk("VEVENT"))
    assert feed(hotel, double) == body  # the same availability: the same bytes, UIDs included

    with scope(hotel=hotel):
        journey.booking_cancel(booking=first, actor="staff", reason="test")
    assert events_of(feed(hotel, double)) == [(d + timedelta(days=9), d + timedelta(days=10), "Not available")]


def test_checkout_day_stays_free_back_to_back_runs_together_hourly_stays_take_the_night(
        book, hotel, other_hotel, types, future):
    _double, single, theirs = types
    d = future
    book(hotel, single, d, d + timedelta(days=2))
    assert events_of(feed(hotel, single)) == [(d, d + timedelta(days=2), "Not available")]  # DTEND = check-out
    book(hotel, single, d + timedelta(days=2), d + timedelta(days=3))
    assert events_of(feed(hotel, single)) == [(d, d + timedelta(days=3), "Not available")]
    book(hotel, single, start=ical_export._night(hotel, d + timedelta(days=5))[0] + timedelta(hours=1), hours=3)
    assert events_of(feed(hotel, single))[1:] == [(d + timedelta(days=5), d + timedelta(days=6), "Not available")]
    assert events_of(feed(other_hotel, theirs)) == []


def test_a_type_without_rooms_in_service_is_never_available(hotel, other_hotel, types):
    empty = factories.make_room_type(hotel, slug="suite", rooms=0)
    (event,) = events_of(feed(hotel, empty))
    assert (event[1] - event[0]).days == ical_export.HORIZON_DAYS


def test_the_feed_takes_three_queries(book, hotel, other_hotel, types, future, django_assert_num_queries):
    double, _single, _theirs = types
    for i in range(10):
        book(hotel, double, future + timedelta(days=3 * i), future + timedelta(days=3 * i + 2))
        book(hotel, double, future + timedelta(days=3 * i), future + timedelta(days=3 * i + 1))
    with scope(hotel=hotel), django_assert_num_queries(3):  # rooms, closed dates, stays
        body = ical_export.calendar_feed(hotel=hotel, room_type=double)
    assert len(events_of(body)) == 10


def test_the_feed_over_http(client, book, hotel, other_hotel, types, future, django_assert_max_num_queries):
    double, single, theirs = types
    book(hotel, double, future, future + timedelta(days=1))
    book(hotel, double, future, future + timedelta(days=1))
    path = url_of(hotel, double)
    assert path.startswith("/calendar/") and path.endswith(".ics")

    with django_assert_max_num_queries(6):  # the host, the room type, then the feed's three
        response = client.get(path, HTTP_HOST=HOST)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "max-age=300" in response["Cache-Control"] and response["ETag"]
    assert events_of(response.content) == [(future, future + timedelta(days=1), "Not available")]
    again = client.get(path, HTTP_HOST=HOST, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and again.content == b""

    # Our own feed, read back by the importer, blocks nothing (a channel handing it back is no loop).
    adapter = ICalAdapter([("1", "http://unused.example")], tz=hotel.tz)
    assert all(adapter._reservation("1", e) is None for e in Calendar.from_ical(response.content).walk("VEVENT"))

    # Only this hotel's site serves it, only for this room type, only with the current key.
    assert client.get(path, HTTP_HOST="other.localhost").status_code == 404
    token = path.removeprefix("/calendar/").removesuffix(".ics")
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "nonsense", token + "x", ""):
        assert client.get(f"/calendar/{bad}.ics", HTTP_HOST=HOST).status_code == 404
    single_path = url_of(hotel, single)
    assert single_path != path and events_of(client.get(single_path, HTTP_HOST=HOST).content) == []
    assert client.get(url_of(other_hotel, theirs), HTTP_HOST=HOST).status_code == 404
    assert client.get(url_of(other_hotel, theirs), HTTP_HOST="other.localhost").status_code == 200
    assert client.post(path, HTTP_HOST=HOST).status_code == 405


def test_a_new_address_ends_the_old_one(client, hotel, other_hotel, types):
    double, _single, theirs = types
    owner = factories.make_member(hotel, role="OWNER")
    old = url_of(hotel, double)
    assert url_of(hotel, double) == old  # asking again gives the same address
    new = url_of(hotel, double, rotate=True, actor=owner)
    assert new != old
    assert client.get(old, HTTP_HOST=HOST).status_code == 404
    assert client.get(new, HTTP_HOST=HOST).status_code == 200
    with scopes_disabled():
        assert ActivityLog.objects.filter(hotel=hotel, verb="roomtype.calendar_rotate").count() == 1
        assert not ActivityLog.objects.filter(hotel=other_hotel).exists()
    with pytest.raises(ValueError):
        url_of(hotel, theirs)


def test_a_type_never_given_an_address_has_none(client, hotel, other_hotel, types):
    double, _single, _theirs = types
    forged = tokens.sign([double.pk, ""], salt=ical_export.SALT)  # even signed, a blank key opens nothing
    assert client.get(f"/calendar/{forged}.ics", HTTP_HOST=HOST).status_code == 404


def test_the_command_prints_the_address_and_makes_a_new_one(client, hotel, other_hotel, types):
    from io import StringIO

    from django.core.management import CommandError, call_command

    double, _single, _theirs = types
    out = StringIO()
    call_command("calendar_url", hotel.slug, "double", stdout=out)
    first = out.getvalue().strip()
    double.refresh_from_db()
    assert urlsplit(first).path == url_of(hotel, double)  # the address already made, not another
    out = StringIO()
    call_command("calendar_url", hotel.slug, "double", "--new", stdout=out)
    assert out.getvalue().strip() != first
    assert client.get(urlsplit(first).path, HTTP_HOST=HOST).status_code == 404
    assert client.get(urlsplit(out.getvalue().strip()).path, HTTP_HOST=HOST).status_code == 200
    with pytest.raises(CommandError):
        call_command("calendar_url", hotel.slug, "nope")
    with pytest.raises(CommandError):
        call_command("calendar_url", "nobody", "double")
