"""In a real browser: a guest books two nights, checks in online and buys a late check-out on the way. Every
place that states the stay then states the same one: the access message's times, the manage-booking page's
departure, and the windows of the door PIN and the TTLock app key (eKey) at the (fake, local) TTLock cloud,
which are that stay widened by the grace on both sides. Another hotel's guest, on the same lock cloud without
a late check-out, keeps their own times on their own lock."""

import re
from datetime import timedelta
from decimal import Decimal as D

import pytest
import time_machine
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from innkeeper.booking import services as booking_services
from innkeeper.booking import stays
from innkeeper.booking.models import Booking
from innkeeper.checkin import services as checkin
from innkeeper.core import dates
from innkeeper.hotels.links import booking_token
from innkeeper.journey import services as journey
from innkeeper.locks.models import KeyMethod, KeyStatus, LockKey
from innkeeper.locks.providers.ttlock import forget_tokens
from innkeeper.messaging.models import Message
from tests import factories
from tests.conftest import local
from tests.fakes.ttlock import CLIENT_ID, CLIENT_SECRET, PASSWORD, USERNAME, FakeTTLockServer
from tests.messaging_helpers import rendered
from tests.outbox_helpers import work_outbox

GRACE = timedelta(minutes=30)
LATE = timedelta(minutes=240)


@pytest.fixture
def cloud(settings):
    forget_tokens()
    with FakeTTLockServer() as (fake, base_url):
        settings.LOCK_PROVIDER = "ttlock"
        settings.TTLOCK = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "username": USERNAME,
                           "password": PASSWORD, "base_url": base_url, "timeout": 5.0}
        settings.TTLOCK_APP_KEYS = True
        settings.LOCKS_GRACE_MINUTES, settings.LOCKS_LATE_CHECK_OUT_MINUTES = 30, 240
        yield fake
    forget_tokens()
    assert fake.problems == []


def url(page, path):
    return f"http://moscow.localhost:{page.port}{path}"


def ms(moment):
    return int(moment.timestamp() * 1000)


def windows_at_the_cloud(cloud, lock_id):
    """(PIN window, eKey window) on the lock, in epoch ms as TTLock keeps them."""
    [code] = cloud.live_passcodes(lock_id)
    [ekey] = cloud.live_ekeys(lock_id)
    return (code.start, code.end), (ekey.start, ekey.end)


def test_a_nightly_stay_with_late_check_out_has_one_window_everywhere(page, cloud, hotel, other_hotel, future):
    room_type = factories.make_room_type(hotel, slug="lux", name="Deluxe", base_price_nightly=D("180"),
                                         turnover_minutes=60)
    factories.make_room(room_type, number="201", lock_id="40120")
    factories.make_add_on(hotel, "late-check-out", "25", name="Late check-out")
    theirs_type = factories.make_room_type(other_hotel, slug="lux", name="Deluxe", turnover_minutes=60)
    factories.make_room(theirs_type, number="301", lock_id="50130")
    factories.make_add_on(other_hotel, "late-check-out", "25", name="Late check-out")
    cloud.add_lock("40120")
    cloud.add_lock("50130")

    with time_machine.travel(local(hotel, future - timedelta(days=1), 12), tick=True):
        with scope(hotel=other_hotel):  # the other hotel's guest, checked in without a late check-out
            stay = stays.nightly(other_hotel, future, future + timedelta(days=2), now=timezone.now())
            theirs = journey.booking_create(hotel=other_hotel, room_type="lux", stay=stay, guests=1, locale="en",
                                            guest=booking_services.GuestDetails("Oleg Ivanov", "oleg@example.com"))
            identity = checkin.clean_identity(legal_name="Oleg Ivanov", date_of_birth="1985-02-01",
                                              document_number="751234560", nationality="RU", today=future)
            journey.checkin_complete(booking=theirs, identity=identity)

        page.goto(url(page, "/en/book/"))
        page.get_by_label("Check-in").fill(future.isoformat())
        page.get_by_label("Check-out").fill((future + timedelta(days=2)).isoformat())
        page.get_by_role("button", name="See prices").click()
        page.get_by_role("button", name="Book Deluxe").click()
        page.get_by_label("Full name").fill("Anna Petrova")
        page.get_by_label("E-mail").fill("anna@example.com")
        page.get_by_role("button", name="Confirm booking").click()
        page.get_by_role("heading", name="Your booking is confirmed").wait_for()
        with scopes_disabled():
            booking = Booking.objects.get(hotel=hotel)
            confirmation = rendered(Message.objects.get(booking=booking, type="BOOKING_CONFIRMATION",
                                                        channel="EMAIL"))
        check_in = re.search(r"http://moscow\.localhost:8000(/en/check-in/\?token=\S+)", confirmation.body_text)

        # Online check-in, buying the late check-out at the extras step.
        page.goto(url(page, check_in.group(1)))
        page.get_by_role("link", name="Start check-in").click()
        page.get_by_label("Full name (as in your passport or ID)").fill("Anna Petrova")
        page.get_by_label("Date of birth").fill("1990-05-17")
        page.get_by_label("Passport or ID number").fill("75 1234567")
        page.get_by_label("Nationality").select_option("RU")
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("Late check-out").check()
        page.get_by_role("button", name="Continue").click()
        page.get_by_role("button", name="Complete check-in").click()
        page.get_by_role("heading", name="Online check-in complete").wait_for()
        assert work_outbox("lock_key") == 4  # a PIN and an app key for each guest

        with scopes_disabled():
            booking = Booking.objects.get(pk=booking.pk)
            mine = {k.method: k for k in LockKey.objects.filter(booking=booking)}
            instructions = rendered(Message.objects.get(booking=booking, type="ACCESS_INSTRUCTIONS",
                                                        channel="EMAIL"))
        assert {method: k.status for method, k in mine.items()} == {KeyMethod.PIN: KeyStatus.ACTIVE,
                                                                   KeyMethod.APP: KeyStatus.ACTIVE}
        arrival, departure = local(hotel, future, 14), local(hotel, future + timedelta(days=2), 12) + LATE
        assert (booking.start, booking.end + LATE) == (arrival, departure)  # 14:00 to 16:00, two days on
        said_from = dates.format_moment(arrival, "en", tz=hotel.tz)
        said_until = dates.format_moment(departure, "en", tz=hotel.tz)
        assert said_until.endswith("16:00")

        # The message: the PIN and the app key work for the stay, late check-out included.
        assert f"The PIN and the app key work from {said_from} until {said_until}." in instructions.body_text
        assert "sign in as anna@example.com" in instructions.body_text

        # The manage page: the same departure.
        page.goto(url(page, f"/en/manage/{booking_token(booking)}/"))
        stay_shown = page.locator("dt:text-is('Stay') + dd").inner_text()
        assert stay_shown.startswith(f"{said_from} → {said_until}"), stay_shown

        # The lock cloud: the PIN and the eKey open for that stay, widened by the grace on both sides.
        expected = (ms(arrival - GRACE), ms(departure + GRACE))
        assert windows_at_the_cloud(cloud, "40120") == (expected, expected)
        assert (mine[KeyMethod.APP].valid_from, mine[KeyMethod.APP].valid_until) == (arrival - GRACE,
                                                                                    departure + GRACE)
        # The other hotel's guest: their own lock, their own (paid) times, no late check-out.
        their_end = local(other_hotel, future + timedelta(days=2), 12)
        their_expected = (ms(local(other_hotel, future, 14) - GRACE), ms(their_end + GRACE))
        assert windows_at_the_cloud(cloud, "50130") == (their_expected, their_expected)
