"""In a real browser: book, open the check-in link from the confirmation e-mail, check in step by step,
get the access instructions, press "Open door" on the web key. The locks are TTLock's, served by the local
fake lock cloud over HTTP: it records one PIN with the key's window, one remote unlock, and the PIN's
deletion after check-out, after which the web key refuses."""

import re
from datetime import timedelta
from decimal import Decimal as D
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django_scopes import scope, scopes_disabled

from innkeeper.booking.models import Booking
from innkeeper.booking.states import Status
from innkeeper.checkin.models import GuestIdentity
from innkeeper.core import tokens
from innkeeper.journey import services as journey
from innkeeper.locks.models import KeyStatus, LockKey
from innkeeper.locks.providers.ttlock import forget_tokens
from innkeeper.locks.services import WEBKEY_SALT
from innkeeper.messaging.models import Message
from tests import factories
from tests.conftest import local
from tests.fakes.ttlock import CLIENT_ID, CLIENT_SECRET, PASSWORD, USERNAME, FakeTTLockServer
from tests.messaging_helpers import rendered
from tests.outbox_helpers import work_outbox


@pytest.fixture
def cloud(settings):
    """The fake TTLock cloud on its own port; the app talks to it as it would to euapi.ttlock.com."""
    forget_tokens()
    with FakeTTLockServer() as (fake, base_url):
        settings.LOCK_PROVIDER = "ttlock"
        settings.TTLOCK = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "username": USERNAME,
                           "password": PASSWORD, "base_url": base_url, "timeout": 5.0}
        yield fake
    forget_tokens()
    assert fake.problems == []  # every request the app made was well-formed


def opens(link):
    """A web-key link's token and what it is bound to."""
    token = parse_qs(urlsplit(link).query)["token"][0]
    return token, tokens.unsign(token, salt=WEBKEY_SALT)


def ms(moment):
    return int(moment.timestamp() * 1000)


def url(page, path):
    return f"http://moscow.localhost:{page.port}{path}"


def test_check_in_online_then_open_the_door(page, cloud, hotel, future):
    factories.make_room_type(hotel, slug="lux", name="Deluxe", base_price_nightly=D("180"), turnover_minutes=60)
    with scopes_disabled():
        room_type = hotel.room_types.get()
    factories.make_room(room_type, number="201", lock_id="40120")
    cloud.add_lock("40120")
    factories.make_add_on(hotel, "airport-transfer", "30", name="Airport transfer")

    with time_machine.travel(local(hotel, future - timedelta(days=1), 12), tick=True):
        page.goto(url(page, "/en/book/"))
        page.get_by_label("Check-in").fill(future.isoformat())
        page.get_by_label("Check-out").fill((future + timedelta(days=2)).isoformat())
        page.get_by_role("button", name="See prices").click()
        page.get_by_role("button", name="Book Deluxe").click()
        page.get_by_label("Full name").fill("Anna Petrova")
        page.get_by_label("E-mail").fill("anna@example.com")
        page.get_by_role("button", name="Confirm booking").click()
        page.get_by_role("heading", name="Your booking is confirmed").wait_for()
        # The guest opens the check-in link from the confirmation e-mail the outbox holds for them.
        with scopes_disabled():
            confirmation = rendered(Message.objects.get(type="BOOKING_CONFIRMATION", channel="EMAIL"))
        assert confirmation.recipient == "anna@example.com"
        check_in = re.search(r"http://moscow\.localhost:8000(/en/check-in/\?token=\S+)", confirmation.body_text)
        page.goto(url(page, check_in.group(1)))

        page.get_by_role("link", name="Start check-in").click()
        page.get_by_label("Full name (as in your passport or ID)").fill("Anna Petrova")
        page.get_by_label("Date of birth").fill("1990-05-17")
        page.get_by_label("Passport or ID number").fill("12")
        page.get_by_label("Nationality").select_option("RU")
        page.get_by_role("button", name="Continue").click()
        page.get_by_text("A passport or ID number has 5 to 20 letters and digits.").wait_for()
        page.get_by_label("Passport or ID number").fill("75 1234567")
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("Airport transfer").check()
        page.get_by_role("button", name="Back").click()
        assert page.get_by_label("Full name (as in your passport or ID)").input_value() == "Anna Petrova"
        page.get_by_role("button", name="Continue").click()
        assert page.get_by_label("Airport transfer").is_checked()
        page.get_by_role("button", name="Continue").click()
        assert page.locator(".document").inner_text() == "••••••567"
        assert "€390" in page.locator("table.quote").inner_text()
        page.get_by_role("button", name="Complete check-in").click()
        page.get_by_role("heading", name="Online check-in complete").wait_for()
        # The answer came at once, before any call to the lock cloud: the key is a worker's job.
        page.locator(".key-preparing").wait_for()
        assert cloud.calls("/v3/keyboardPwd/add") == []
        assert work_outbox("lock_key") == 1  # the worker's turn, as the task the doorbell queued
        # The page refreshes itself and shows the key once it is there.
        page.locator(".room-number").wait_for(timeout=15000)
        assert page.locator(".room-number").inner_text() == "201"
        assert page.locator(".pin").count() == 0  # the door code is on the web-key page only

        with scopes_disabled():
            booking = Booking.objects.get()
            key = LockKey.objects.get()
            assert (booking.status, booking.total) == (Status.CHECKIN_COMPLETED, D("390.00"))
            assert GuestIdentity.objects.get().document_number == "751234567"
            assert key.status == KeyStatus.ACTIVE
            pin = key.pin
        # The access instructions went out by e-mail (and WhatsApp, when the guest gives a number).
        with scopes_disabled():
            instructions = rendered(Message.objects.get(type="ACCESS_INSTRUCTIONS", channel="EMAIL"))
        assert pin in instructions.body_text and "201" in instructions.body_text
        web_key = re.search(r"http://moscow\.localhost:8000/en/webkey/\?token=\S+", instructions.body_text).group(0)
        shown = page.get_by_role("link", name="Open the door link").get_attribute("href")
        token, bound_to = opens(web_key)
        assert opens(shown) == (token, {"k": key.pk, "b": booking.pk, "r": key.room_id,
                                        "u": int(key.valid_until.timestamp())})
        page.goto(url(page, shown.split(":8000", 1)[1]))  # links name the demo's port, not this server's
        page.get_by_role("heading", name="Door key").wait_for()
        assert page.locator(".pin").inner_text().strip() == pin

        # The lock cloud holds one PIN: the guest's, on the room's lock, with the key's window.
        [code] = cloud.live_passcodes()
        assert (code.lock_id, code.pin, code.custom, code.on_lock) == ("40120", pin, True, True)
        grace = timedelta(minutes=30)
        assert (code.start, code.end) == (ms(booking.start - grace), ms(booking.end + grace))
        assert str(code.id) == key.remote_id and cloud.unlocks == []

    with time_machine.travel(local(hotel, future, 15), tick=True):
        page.goto(url(page, web_key.split(":8000", 1)[1]))
        page.get_by_role("button", name="Open door").click()
        page.get_by_text("The door of room 201 is open. Welcome!").wait_for()
        assert cloud.unlocks == ["40120"]  # exactly one remote unlock, on the guest's lock

    with time_machine.travel(local(hotel, future + timedelta(days=2), 11), tick=True):
        with scope(hotel=hotel):
            booking = journey.booking_transition(booking=booking, to=Status.CHECKED_IN, actor="staff")
            journey.booking_transition(booking=booking, to=Status.CHECKED_OUT, actor="staff")
        work_outbox("lock_key")  # a worker's turn after the commit
        # Removed on the lock, through the gateway.
        assert cloud.live_passcodes() == [] and cloud.passcodes[code.id].deleted
        assert [p["keyboardPwdId"] for p in cloud.calls("/v3/keyboardPwd/delete")] == [str(code.id)]
        with scopes_disabled():
            assert LockKey.objects.get().status == KeyStatus.REVOKED
        page.get_by_role("button", name="Open door").click()
        page.get_by_text("You have checked out, so this door link no longer works.").wait_for()
        page.goto(url(page, web_key.split(":8000", 1)[1]))
        assert page.get_by_role("button", name="Open door").count() == 0
        page.get_by_text("You have checked out, so this door link no longer works.").wait_for()
    assert cloud.unlocks == ["40120"]  # the refused presses never reached the lock
