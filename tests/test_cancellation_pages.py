"""The cancellation policy on the pages: the guest's manage-booking page and its confirmation step, the pages
for a stay that has begun or a booking already cancelled, the owner's settings and the staff booking page."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
import time_machine
from django.utils import formats, translation
from django_scopes import scope, scopes_disabled

from innkeeper.booking.states import Status
from innkeeper.hotels.links import booking_token
from innkeeper.hotels.models import Hotel, PaymentRule
from innkeeper.journey import services as journey
from innkeeper.messaging.models import Message
from tests import factories
from tests.conftest import local
from tests.factories import PASSWORD

HOST = "moscow.localhost"


@pytest.fixture
def site(hotel, other_hotel):
    """Moscow: free until 48 hours before, then half the total; the other hotel: always free."""
    hotel.cancellation_hours, hotel.cancellation_fee_percent = 48, 50
    hotel.phone, hotel.email = "+7 495 000-00-00", "stay@moscow.example"
    hotel.save()
    other_hotel.cancellation_hours, other_hotel.cancellation_fee_percent = 0, 0
    other_hotel.save()
    return (factories.make_room_type(hotel, slug="std", name="Standard", rooms=1),
            factories.make_room_type(other_hotel, slug="std", name="Standard", rooms=1))


def get(client, path, host=HOST):
    return client.get(path, HTTP_HOST=host)


def post(client, path, data, host=HOST):
    return client.post(path, data, HTTP_HOST=host)


def manage(booking) -> str:
    return f"/en/manage/{booking_token(booking)}/"


def when(moment) -> str:
    """``moment`` (in the hotel's time zone) as the English pages write it."""
    with translation.override("en"):
        return f"{formats.date_format(moment, 'D j E Y')}, {moment:%H:%M}"


def test_the_manage_page_states_the_policy_and_the_deadline_and_a_free_cancellation_asks_first(
        client, hotel, site, book, future):
    booking = book(hotel, site[0], future, future + timedelta(days=2), email="anna@example.com")  # €200
    deadline = local(hotel, future - timedelta(days=2), 14)
    page = get(client, manage(booking)).content.decode()
    assert f"Free cancellation until {when(deadline)} (the hotel's local time)." in page
    assert "After that, cancelling costs 50% of the total: €100." in page
    confirm = get(client, manage(booking) + "cancel/")
    assert confirm.status_code == 200
    assert "If you cancel now, nothing is charged." in confirm.content.decode()
    booking.refresh_from_db()
    assert booking.status == Status.CONFIRMED  # showing the terms changed nothing
    done = post(client, manage(booking) + "cancel/", {"fee": "0.00"})
    page = get(client, done["Location"]).content.decode()
    assert "Your booking has been cancelled." in page and "Nothing is charged for the cancellation." in page
    assert "A confirmation is on its way to anna@example.com." in page
    booking.refresh_from_db()
    assert (booking.status, booking.cancellation_fee) == (Status.CANCELLED, 0)
    with scopes_disabled():
        assert set(Message.objects.filter(booking=booking, type="BOOKING_CANCELLED")
                   .values_list("channel", flat=True)) == {"EMAIL", "WHATSAPP"}


def test_a_fee_that_became_due_since_the_page_was_shown_is_shown_again_not_charged(
        client, hotel, site, book, future):
    booking = book(hotel, site[0], future, future + timedelta(days=2), email="anna@example.com")
    deadline = local(hotel, future - timedelta(days=2), 14)
    with time_machine.travel(deadline - timedelta(minutes=1), tick=False):
        shown = get(client, manage(booking) + "cancel/").content.decode()
    assert '<input type="hidden" name="fee" value="0.00">' in shown
    with time_machine.travel(deadline + timedelta(minutes=1), tick=False):
        late = post(client, manage(booking) + "cancel/", {"fee": "0.00"})
    page = late.content.decode()
    assert late.status_code == 409 and "did not show before" in page
    assert "If you cancel now, you pay a cancellation fee of €100." in page
    booking.refresh_from_db()
    assert (booking.status, booking.cancellation_fee) == (Status.CONFIRMED, None)


def test_after_arrival_the_page_says_what_happened_and_whom_to_call(client, hotel, site, book, future):
    booking = book(hotel, site[0], future, future + timedelta(days=2), email="anna@example.com")
    with time_machine.travel(local(hotel, future, 15), tick=False):
        page = get(client, manage(booking)).content.decode()
        confirm = get(client, manage(booking) + "cancel/").content.decode()
        refused = post(client, manage(booking) + "cancel/", {"fee": "200.00"})
    for html in (page, confirm, refused.content.decode()):
        assert "Your stay has begun, so this booking can no longer be cancelled online." in html
        assert 'href="tel:+74950000000"' in html and "stay@moscow.example" in html
        assert "Yes, cancel this booking" not in html and 'name="fee"' not in html
    assert refused.status_code == 409
    booking.refresh_from_db()
    assert booking.status == Status.CONFIRMED


def test_a_cancelled_booking_says_when_and_what_it_cost(client, hotel, site, book, future):
    booking = book(hotel, site[0], future, future + timedelta(days=2), email="anna@example.com")
    with scope(hotel=hotel):
        journey.booking_cancel_by_guest(booking=booking, accept_fee=D("100"),
                                        now=booking.start - timedelta(hours=1))
    booking.refresh_from_db()
    for path in (manage(booking), manage(booking) + "cancel/"):
        html = get(client, path).content.decode()
        assert f"This booking was cancelled on {when(booking.cancelled_at.astimezone(hotel.tz))}." in html
        assert "A cancellation fee of €100 applies." in html and "please make a new booking" in html
        assert "Yes, cancel this booking" not in html


def test_the_other_hotels_own_policy_shows_on_its_own_site(client, other_hotel, site, book, future):
    theirs = book(other_hotel, site[1], future, future + timedelta(days=2), email="anna@example.com")
    with time_machine.travel(theirs.start - timedelta(hours=1), tick=False):
        page = get(client, manage(theirs), host="other.localhost").content.decode()
        confirm = get(client, manage(theirs) + "cancel/", host="other.localhost").content.decode()
        mine_there = get(client, manage(theirs), host=HOST)
    assert "Cancelling is free of charge until your arrival." in page
    assert "If you cancel now, nothing is charged." in confirm
    assert mine_there.status_code == 404  # one hotel's link opens nothing on another hotel's site


# The panel ---------------------------------------------------------------------------------------------

def sign_in(client, hotel, role, email):
    factories.make_member(hotel, role, email)
    assert client.post("/panel/sign-in/", {"username": email, "password": PASSWORD}).status_code == 302


def settings_form(client) -> dict:
    page = client.get("/panel/settings/")
    data = {f"hotel-{k}": ("" if v is None else v) for k, v in page.context["form"].initial.items()
            if k != "theme"}
    if not data.get("hotel-prices_include_tax"):
        data.pop("hotel-prices_include_tax", None)
    return data


def test_the_owner_edits_the_policy_and_the_payment_rule(client, hotel, other_hotel, site):
    sign_in(client, hotel, "OWNER", "owner@moscow.example")
    page = client.get("/panel/settings/").content.decode()
    assert "as a percentage of the booking&#x27;s total price" in page
    assert '<select name="hotel-payment_rule"' in page
    data = settings_form(client)
    refused = client.post("/panel/settings/", {**data, "hotel-cancellation_fee_percent": "101"})
    assert refused.status_code == 400
    assert "Ensure this value is less than or equal to 100." in refused.content.decode()
    saved = client.post("/panel/settings/", {**data, "hotel-cancellation_hours": "24",
                                             "hotel-cancellation_fee_percent": "30",
                                             "hotel-payment_rule": PaymentRule.PREPAY})
    assert saved.status_code == 302
    with scopes_disabled():
        mine, theirs = Hotel.objects.get(pk=hotel.pk), Hotel.objects.get(pk=other_hotel.pk)
    assert (mine.cancellation_hours, mine.cancellation_fee_percent, mine.payment_rule) == (24, 30, "PREPAY")
    assert (theirs.cancellation_hours, theirs.cancellation_fee_percent, theirs.payment_rule) == (0, 0, "AT_HOTEL")


def test_the_staff_booking_page_shows_the_fee_of_a_cancelled_booking(client, hotel, other_hotel, site, book,
                                                                     future):
    booking = book(hotel, site[0], future, future + timedelta(days=2))
    theirs = book(other_hotel, site[1], future, future + timedelta(days=2))
    with scope(hotel=hotel):
        journey.booking_cancel_by_guest(booking=booking, accept_fee=D("100"),
                                        now=booking.start - timedelta(hours=1))
    sign_in(client, hotel, "STAFF", "desk@moscow.example")
    page = client.get(f"/panel/bookings/{booking.reference}/").content.decode()
    assert '<dd class="cancellation-fee">€100</dd>' in page
    assert "The guest cancelled booking" in page and "with a cancellation fee of €100" in page
    assert client.get(f"/panel/bookings/{theirs.reference}/").status_code == 404
