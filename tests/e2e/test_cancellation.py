"""In a real browser: a guest who has checked in online, with a door PIN and a TTLock app key (eKey) on the
room's TTLock lock, cancels from the manage-booking page a day before arrival. The page states the fee before
anything changes; after confirming, the cancellation message goes out by e-mail and WhatsApp through the outbox
worker, and the PIN and the eKey are deleted at the (fake, local) TTLock cloud. Another hotel's guest and lock
are untouched."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from innkeeper.booking import services as booking_services
from innkeeper.booking import stays
from innkeeper.booking.models import Booking
from innkeeper.booking.states import Status
from innkeeper.checkin import services as checkin
from innkeeper.hotels.links import booking_token
from innkeeper.journey import services as journey
from innkeeper.locks.models import KeyMethod, KeyStatus, LockKey
from innkeeper.locks.providers.ttlock import forget_tokens
from innkeeper.messaging.models import Message
from tests import factories
from tests.conftest import local
from tests.fakes.ttlock import CLIENT_ID, CLIENT_SECRET, PASSWORD, USERNAME, FakeTTLockServer
from tests.outbox_helpers import work_outbox


@pytest.fixture
def cloud(settings):
    forget_tokens()
    with FakeTTLockServer() as (fake, base_url):
        settings.LOCK_PROVIDER = "ttlock"
        settings.TTLOCK = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "username": USERNAME,
                           "password": PASSWORD, "base_url": base_url, "timeout": 5.0}
        settings.TTLOCK_APP_KEYS = True  # guests get a TTLock app key beside the PIN
        yield fake
    forget_tokens()
    assert fake.problems == []


def checked_in(hotel, lock_id, future, email):
    """A two-night booking (€200) whose guest has completed online check-in; its keys are queued."""
    room_type = factories.make_room_type(hotel, slug="lux", name="Deluxe", turnover_minutes=60)
    factories.make_room(room_type, number="201", lock_id=lock_id)
    with scope(hotel=hotel):
        stay = stays.nightly(hotel, future, future + timedelta(days=2), now=timezone.now())
        booking = journey.booking_create(
            hotel=hotel, room_type="lux", stay=stay, guests=1, locale="en",
            guest=booking_services.GuestDetails("Anna Petrova", email, "+7 916 123-45-67"))
        identity = checkin.clean_identity(legal_name="Anna Petrova", date_of_birth="1990-05-17",
                                          document_number="751234567", nationality="RU", today=future)
        booking, _key = journey.checkin_complete(booking=booking, identity=identity)
    return booking


def key(booking, method):
    with scopes_disabled():
        return LockKey.objects.get(booking_id=booking.pk, method=method)


def test_a_checked_in_guest_cancels_late_and_the_pin_and_the_ekey_leave_the_lock(page, cloud, hotel, other_hotel,
                                                                                future):
    hotel.cancellation_hours, hotel.cancellation_fee_percent = 48, 50
    hotel.save()
    cloud.add_lock("40120")
    cloud.add_lock("50130")
    day_before = local(hotel, future - timedelta(days=1), 12)  # 26 hours before arrival: past the deadline
    with time_machine.travel(day_before, tick=True):
        booking = checked_in(hotel, "40120", future, "anna@example.com")
        theirs = checked_in(other_hotel, "50130", future, "oleg@example.com")
        assert work_outbox("lock_key") == 4  # a PIN and an app key for each guest
        assert {p.lock_id for p in cloud.live_passcodes()} == {"40120", "50130"}
        assert {(k.lock_id, k.receiver) for k in cloud.live_ekeys()} == {("40120", "anna@example.com"),
                                                                         ("50130", "oleg@example.com")}
        [pin] = cloud.live_passcodes("40120")
        [ekey] = cloud.live_ekeys("40120")
        assert key(booking, KeyMethod.APP).remote_id == str(ekey.id)
        work_outbox("message")  # the confirmations and access instructions, sent before
        mail.outbox.clear()

        page.goto(f"http://moscow.localhost:{page.port}/en/manage/{booking_token(booking)}/")
        assert "Online check-in completed" in page.locator(".status").inner_text()
        policy = page.locator(".cancellation").inner_text()
        assert "Free cancellation ended on" in policy
        assert "Cancelling now costs a cancellation fee of €100 (50% of the total)." in policy
        page.get_by_role("link", name="Cancel booking").click()
        outcome = page.locator(".cancellation-outcome").inner_text()
        assert "If you cancel now, you pay a cancellation fee of €100." in outcome
        # Nothing has changed yet: the booking, its key and the lock are as they were.
        with scopes_disabled():
            assert Booking.objects.get(pk=booking.pk).status == Status.CHECKIN_COMPLETED
            assert not Message.objects.filter(type="BOOKING_CANCELLED").exists()
        assert (key(booking, KeyMethod.PIN).status, key(booking, KeyMethod.APP).status) == (KeyStatus.ACTIVE,
                                                                                          KeyStatus.ACTIVE)
        assert cloud.calls("/v3/keyboardPwd/delete") == [] and cloud.calls("/v3/key/delete") == []

        page.get_by_role("button", name="Yes, cancel this booking").click()
        status = page.get_by_role("status").inner_text()
        assert "Your booking has been cancelled." in status and "A cancellation fee of €100 applies." in status
        assert "Cancelled" in page.locator(".status").inner_text()
        with scopes_disabled():
            cancelled = Booking.objects.get(pk=booking.pk)
        assert (cancelled.status, cancelled.cancellation_fee) == (Status.CANCELLED, D("100.00"))

        # The workers' turn, as the tasks the doorbell queued: the PIN and the eKey come off the lock...
        assert work_outbox("lock_key") == 2
        assert [p["keyboardPwdId"] for p in cloud.calls("/v3/keyboardPwd/delete")] == [str(pin.id)]
        assert [p["keyId"] for p in cloud.calls("/v3/key/delete")] == [str(ekey.id)]
        assert cloud.passcodes[pin.id].deleted and cloud.ekeys[ekey.id].deleted
        # ...the other hotel's guest keeps theirs...
        assert [p.lock_id for p in cloud.live_passcodes()] == ["50130"]
        assert [k.lock_id for k in cloud.live_ekeys()] == ["50130"]
        # ...and the cancellation message goes out on both channels, saying what it cost.
        assert work_outbox("message") == 2
        with scopes_disabled():
            sent = {m.channel: m for m in Message.objects.filter(booking_id=booking.pk, type="BOOKING_CANCELLED")}
            assert set(LockKey.objects.filter(booking_id=booking.pk).values_list("status", flat=True)) == {
                KeyStatus.REVOKED}
            assert set(LockKey.objects.filter(booking_id=theirs.pk).values_list("status", flat=True)) == {
                KeyStatus.ACTIVE}
            assert not Message.objects.filter(booking_id=theirs.pk, type="BOOKING_CANCELLED").exists()
        assert {channel: m.status for channel, m in sent.items()} == {"EMAIL": "SENT", "WHATSAPP": "SENT"}
        assert "Cancellation fee: €100." in sent["WHATSAPP"].body_text
        [email] = mail.outbox
        assert email.to == ["anna@example.com"]
        assert email.subject == f"Your booking {booking.reference} at Moscow Inn is cancelled"
        assert "a cancellation fee of €100 applies" in email.body
