"""One stay window everywhere: a bought late check-out or early check-in moves the times the guest is told
(messages, manage page, panel) the same way it moves what the booking holds."""

from datetime import timedelta

import pytest
from django.utils import translation
from django_scopes import scope
from icalendar import Calendar

from innkeeper.core import dates
from innkeeper.web.views.booking import booking_token
from tests import factories
from tests.factories import PASSWORD
from tests.messaging_helpers import deliver, fast, rendered, smtp  # noqa: F401 - fixtures

HOST = "moscow.localhost"


@pytest.fixture
def extended(hotel, other_hotel, book, future, settings):
    settings.LOCKS_EARLY_CHECK_IN_MINUTES, settings.LOCKS_LATE_CHECK_OUT_MINUTES = 120, 240
    room_type = factories.make_room_type(hotel, slug="double", rooms=2, turnover_minutes=60)
    factories.make_add_on(hotel, "late-check-out", "10")
    factories.make_add_on(hotel, "early-check-in", "10")
    # Another hotel with the same add-on codes but no booking of them: nothing of it shows here.
    factories.make_add_on(other_hotel, "late-check-out", "10")
    return book(hotel, room_type, future, future + timedelta(days=2), add_ons=["late-check-out"],
                email="anna@example.com")


def test_the_window_ends_at_the_late_check_out_and_stays_inside_what_the_booking_holds(extended, hotel):
    booking = extended
    with scope(hotel=hotel):
        assert booking.window.start == booking.start
    assert booking.window.end == booking.end + timedelta(minutes=240)
    assert booking.window.end <= booking.blocks_until - timedelta(minutes=60)


def test_a_longer_late_check_out_configured_later_does_not_stretch_a_sold_stay(extended, hotel, settings):
    settings.LOCKS_LATE_CHECK_OUT_MINUTES = 600
    booking = extended
    with scope(hotel=hotel):
        booking.window  # noqa: B018 - read inside the scope; the assertions below use the cached value
    assert booking.window.end == booking.blocks_until - timedelta(minutes=60)  # what was sold, no more


def test_the_confirmation_says_the_late_departure_time(extended, hotel):
    with scope(hotel=hotel):
        email = rendered(extended.messages.get(channel="EMAIL"))
    late = dates.format_moment(extended.end + timedelta(minutes=240), extended.locale, tz=hotel.tz)
    paid_end = dates.format_moment(extended.end, extended.locale, tz=hotel.tz)
    assert late in email.body_text and paid_end not in email.body_text


def test_the_manage_page_shows_the_late_departure(client, extended, hotel):
    late = dates.format_moment(extended.end + timedelta(minutes=240), "en", tz=hotel.tz)
    page = client.get(f"/en/manage/{booking_token(extended)}/", HTTP_HOST=HOST).content.decode()
    assert late in page and dates.format_moment(extended.end, "en", tz=hotel.tz) not in page


def test_the_panel_shows_the_late_departure(client, extended, hotel):
    staff = factories.make_member(hotel, "STAFF", "desk@moscow.example")
    assert client.post("/panel/sign-in/", {"username": staff.email, "password": PASSWORD}).status_code == 302
    page = client.get(f"/panel/bookings/{extended.reference}/").content.decode()
    with translation.override("en"):
        assert dates.format_moment(extended.end + timedelta(minutes=240), "en", tz=hotel.tz) in page


def test_the_calendar_event_on_the_manage_page_spans_the_stay_window(client, extended, hotel, other_hotel):
    token = booking_token(extended)
    page = client.get(f"/en/manage/{token}/", HTTP_HOST=HOST).content.decode()
    assert f"/en/manage/{token}/stay.ics" in page
    answer = client.get(f"/en/manage/{token}/stay.ics", HTTP_HOST=HOST)
    assert answer["Content-Type"] == "text/calendar; charset=utf-8"
    [event] = Calendar.from_ical(answer.content).walk("VEVENT")
    assert event.decoded("dtstart") == extended.start
    assert event.decoded("dtend") == extended.end + timedelta(minutes=240)  # the late check-out, as the page says
    assert extended.reference in str(event["summary"]) and f"/manage/{token}/" in str(event["url"])
    other_host = f"{other_hotel.slug}.localhost"
    assert client.get(f"/en/manage/{token}/stay.ics", HTTP_HOST=other_host).status_code == 404


def test_the_confirmation_mail_carries_the_stay_as_a_calendar_event(extended, hotel, smtp):  # noqa: F811

    with scope(hotel=hotel):
        email = rendered(extended.messages.get(channel="EMAIL"))
    assert deliver(email).status == "SENT"
    (sent,) = smtp.messages
    [attachment] = [part for part in sent.iter_attachments() if part.get_content_type() == "text/calendar"]
    [event] = Calendar.from_ical(attachment.get_content()).walk("VEVENT")
    assert event.decoded("dtend") == extended.end + timedelta(minutes=240)
