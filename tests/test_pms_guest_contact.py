"""A PMS guest without an e-mail address gets no e-mail row (never one addressed to nobody): WhatsApp only when
there is a phone number, and with neither, staff see on the booking that the guest cannot be reached."""

from datetime import timedelta

import pytest
from django_scopes import scopes_disabled

from innkeeper.booking.models import Booking
from innkeeper.core.errors import InvalidInput
from innkeeper.messaging import services as messaging
from innkeeper.messaging.models import Message
from tests import factories
from tests import pms_fake_adapter as fake
from tests.factories import PASSWORD
from tests.test_pms_sync import connect, sync

pytestmark = pytest.mark.django_db


@pytest.fixture
def stores(hotel, other_hotel):
    for h in (hotel, other_hotel):
        rt = factories.make_room_type(h, slug="standard", name="Standard")
        for n in ("101", "102", "103"):
            factories.make_room(rt, number=n)
    yield fake.store("moscow"), fake.store("other")
    fake.STORES.clear()


def rows(hotel, external_ref):
    with scopes_disabled():
        booking = Booking.objects.get(hotel=hotel, guest_name=external_ref)
        return booking, sorted(Message.objects.filter(booking=booking, type="BOOKING_CONFIRMATION")
                               .values_list("channel", "recipient", "status"))


def test_no_email_means_no_email_row_and_no_way_at_all_is_shown_to_staff(client, hotel, other_hotel, stores, future):
    ours, theirs = stores
    day = future
    ours.book("R1", day, day + timedelta(days=1), room="101", name="Phone Only", email="", phone="+79120000009")
    ours.book("R2", day, day + timedelta(days=1), room="102", name="Nobody Known", email="", phone="")
    ours.book("R3", day, day + timedelta(days=1), room="103", name="Mail Only", email="mail@example.com", phone="")
    # The other hotel's guest of the same PMS id has an address and gets the e-mail as ever.
    theirs.book("R1", day, day + timedelta(days=1), room="101", name="Their Guest", email="their@example.com")
    sync(connect(hotel, "moscow"))
    sync(connect(other_hotel, "other"))

    phone_only, sent = rows(hotel, "Phone Only")
    assert sent == [("WHATSAPP", "+79120000009", "QUEUED")]
    nobody, sent = rows(hotel, "Nobody Known")
    assert [(channel, status) for channel, _to, status in sent] == [("WHATSAPP", "SKIPPED")]
    mail_only, sent = rows(hotel, "Mail Only")
    assert [(channel, to, status) for channel, to, status in sent] == [
        ("EMAIL", "mail@example.com", "QUEUED"), ("WHATSAPP", "", "SKIPPED")]
    with scopes_disabled():
        assert not Message.objects.filter(hotel=hotel, channel="EMAIL", recipient="").exists()
    their_booking, sent = rows(other_hotel, "Their Guest")
    assert ("EMAIL", "their@example.com", "QUEUED") in sent

    owner = factories.make_member(hotel, "OWNER", "owner@moscow.example")
    assert client.post("/panel/sign-in/", {"username": owner.email, "password": PASSWORD}).status_code == 302
    page = client.get(f"/panel/bookings/{nobody.reference}/").content.decode()
    assert "data-unreachable" in page and "No way to reach the guest" in page
    for reachable in (phone_only, mail_only):
        assert "data-unreachable" not in client.get(f"/panel/bookings/{reachable.reference}/").content.decode()
    assert client.get(f"/panel/bookings/{their_booking.reference}/").status_code == 404

    # A message written by staff for e-mail only is refused in words, not queued to nobody.
    with pytest.raises(InvalidInput) as refused, scopes_disabled():
        messaging.message_send_manual(booking=nobody, channels=["EMAIL"], actor=owner, subject="Hi", body="Hello")
    assert refused.value.message == "This guest has no e-mail address: send it by WhatsApp."
    with scopes_disabled():
        assert not Message.objects.filter(booking=nobody, type="MANUAL").exists()
