"""A PMS's webhook through the generic hook view: signed, stored once, applied by a worker; the same event
twice sends one message; unsigned, stale or malformed ones store nothing."""

import time
from datetime import timedelta

import pytest
from django_scopes import scopes_disabled

from innkeeper.booking.models import Booking
from innkeeper.booking.states import Status
from innkeeper.messaging.models import Message
from innkeeper.pms.models import ExternalReservation, InboundEvent
from tests import factories
from tests import pms_fake_adapter as fake
from tests.test_pms_sync import connect

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(hotel, other_hotel):
    pms, theirs = fake.store("moscow"), fake.store("other")
    theirs.key = "their-key"
    for h in (hotel, other_hotel):
        rt = factories.make_room_type(h, slug="standard", name="Standard")
        factories.make_room(rt, number="101")
    yield pms, connect(hotel, "moscow"), theirs, connect(other_hotel, "other", key="their-key")
    fake.STORES.clear()


def post(client, account, pms, body, signature=None):
    raw, signed = pms.signed(body)
    return client.post(f"/hooks/pms/fakepms/{account.pk}", raw, content_type="application/json",
                       HTTP_X_FAKE_PMS_SIGNATURE=signed if signature is None else signature)


def event(n, reservation="R1", at=None):
    return {"id": f"ev-{n}", "at": at or time.time(), "reservation": reservation, "type": "reservation.changed"}


def test_the_same_event_twice_stores_it_once_and_sends_one_message(client, world, worker, hotel, future):
    pms, account, theirs, their_account = world
    pms.book("R1", future, future + timedelta(days=1))
    assert post(client, account, pms, event(1)).status_code == 200
    assert post(client, account, pms, event(1)).status_code == 200  # a replay: answered, nothing more
    assert worker.run("pms.event_process") == ["pms.event_process"]
    with scopes_disabled():
        [b] = Booking.objects.filter(hotel=hotel)
        assert b.status == Status.CONFIRMED
        assert Message.objects.filter(booking=b, type="BOOKING_CONFIRMATION").count() == 2  # e-mail, WhatsApp
        assert InboundEvent.objects.filter(account=account).count() == 1
        assert not Booking.objects.filter(hotel=their_account.hotel).exists()

    pms.cancel("R1")
    post(client, account, pms, event(2))
    post(client, account, pms, event(3))  # another event for the same change: applied, but nothing new to send
    worker.run("pms.event_process")
    with scopes_disabled():
        b.refresh_from_db()
        assert b.status == Status.CANCELLED
        assert Message.objects.filter(booking=b, type="BOOKING_CANCELLED").count() == 2


def test_a_reservation_the_pms_no_longer_has_is_cancelled_after_an_event(client, world, worker, hotel, future):
    pms, account, _theirs, _their_account = world
    pms.book("R1", future, future + timedelta(days=1))
    post(client, account, pms, event(1))
    worker.run("pms.event_process")
    pms.delete("R1")
    post(client, account, pms, event(2))
    worker.run("pms.event_process")
    with scopes_disabled():
        assert Booking.objects.get(hotel=hotel).status == Status.CANCELLED
        assert ExternalReservation.objects.get(account=account).status == "CANCELLED"


@pytest.mark.parametrize("case", ["unsigned", "wrong_key", "stale", "malformed", "other_hotels_account"])
def test_a_refused_callback_stores_nothing(client, world, worker, case):
    pms, account, theirs, their_account = world
    body = event(1, at=time.time() - 600 if case == "stale" else None)
    if case == "unsigned":
        response = post(client, account, pms, body, signature="")
    elif case == "wrong_key":
        response = post(client, account, fake.Store(key="not-the-key"), body)
    elif case == "malformed":
        raw, signed = pms.signed({"no": "id"})
        response = client.post(f"/hooks/pms/fakepms/{account.pk}", raw, content_type="application/json",
                               HTTP_X_FAKE_PMS_SIGNATURE=signed)
    elif case == "other_hotels_account":  # signed with this hotel's key, sent to the other hotel's account
        response = post(client, their_account, pms, body)
    else:
        response = post(client, account, pms, body)
    assert response.status_code == (400 if case == "malformed" else 401)
    with scopes_disabled():
        assert not InboundEvent.objects.exists()
    assert worker.run("pms.event_process") == []


def test_an_unknown_account_is_not_found(client, world):
    pms, account, _theirs, _their = world
    raw, signed = pms.signed(event(1))
    assert client.post("/hooks/pms/fakepms/999999", raw, content_type="application/json",
                       HTTP_X_FAKE_PMS_SIGNATURE=signed).status_code == 404
    assert client.post(f"/hooks/pms/qloapps/{account.pk}", raw, content_type="application/json").status_code == 404
