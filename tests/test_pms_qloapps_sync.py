"""End to end with the fake QloApps over real HTTP (tests/fakes/qloapps.py): a reservation made there becomes a
stay here with its confirmation and check-in link; moved there (dates, room) it moves here with its messages'
times and its key; cancelled there it is cancelled here and its key revoked; one for a room we do not have is
flagged. A second hotel, with rooms of the same numbers and its own QloApps account, is never touched."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from django_scopes import scope, scopes_disabled

from innkeeper.booking.models import Booking, Source
from innkeeper.booking.states import Status
from innkeeper.checkin import services as checkin
from innkeeper.core.models import IntegrationAccount
from innkeeper.journey import pms as journey_pms
from innkeeper.journey import services as journey
from innkeeper.locks.models import LIVE, LockKey
from innkeeper.messaging.models import Message
from innkeeper.pms.models import ExternalReservation, Problem
from tests import factories
from tests.fakes.qloapps import KEY, FakeQloAppsServer
from tests.messaging_helpers import rendered

pytestmark = pytest.mark.django_db

FUTURE = date.today() + timedelta(days=20), date.today() + timedelta(days=23)
LATER = date.today() + timedelta(days=30), date.today() + timedelta(days=34)
# The fake's room ids (from the captured samples): 1, 2, 3 are General Rooms GR-101..103, 4 is GR-104.
GR101, GR102, GR104 = 1, 2, 4


@pytest.fixture
def shop(settings):
    settings.OUTBOUND_ALLOW_PRIVATE_HOSTS = True  # the hotel's QloApps is a fake on this machine
    with FakeQloAppsServer() as (shop, base_url):
        shop.config = {"base_url": base_url, "api_key": KEY, "id_hotel": "1", "auth_in_query": False}
        shop.add_hotel(2, "The Other Hotel", {"Suite": ["S-1", "S-2"]})
        yield shop
        assert shop.problems == []  # every request the sync made was one QloApps accepts


def connect(hotel, shop, id_hotel="1"):
    with scopes_disabled():
        return IntegrationAccount.objects.create(hotel=hotel, kind="pms", provider="qloapps",
                                                 config={**shop.config, "id_hotel": id_hotel})


@pytest.fixture
def rooms(hotel):
    general = factories.make_room_type(hotel, slug="general", name="General Rooms")
    return {n: factories.make_room(general, number=n, lock_id=f"SIM-{n}") for n in ("GR-101", "GR-102", "GR-103")}


@pytest.fixture
def theirs(other_hotel, shop):
    """The other hotel: the same install's hotel 2, with a room numbered like ours too."""
    suite = factories.make_room_type(other_hotel, slug="suite", name="Suite")
    factories.make_room(suite, number="S-1")
    factories.make_room(factories.make_room_type(other_hotel, slug="general", name="General Rooms"),
                        number="GR-101")
    return connect(other_hotel, shop, id_hotel="2")


def sync(account):
    return journey_pms.pms_sync(account=account)


def bookings(hotel):
    with scopes_disabled():
        return list(Booking.objects.filter(hotel=hotel).select_related("room").order_by("pk"))


def messages(booking, type_):
    with scopes_disabled():
        return list(Message.objects.filter(booking_id=booking.pk, type=type_).order_by("channel"))


def live_key(booking):
    with scopes_disabled():
        return LockKey.objects.filter(booking=booking, status__in=LIVE).first()


def order(shop, room=GR101, dates=FUTURE):
    guest = shop.add_customer("Anna", "Petrova", "anna@example.com", phone="+79161234567", id_lang=1)
    return shop.create_order(guest, [(room, dates[0].isoformat(), dates[1].isoformat())], state=2)


def row_id(shop, order_):
    return int(shop.rows_of(order_["id"])[0]["id"])


def test_made_moved_and_cancelled_in_qloapps_follows_here(hotel, other_hotel, shop, rooms, theirs, settings):
    account = connect(hotel, shop)
    made = order(shop)
    shop.create_order(shop.add_customer("Bob", "Stone", "bob@example.com"),
                      [(21, *(d.isoformat() for d in FUTURE))], state=2)  # hotel 2's S-1
    state = sync(account)
    sync(theirs)
    [b] = bookings(hotel)
    assert (b.source, b.status, b.room.number, b.check_in, b.check_out) == (
        Source.PMS, Status.CONFIRMED, "GR-101", *FUTURE)
    assert (b.guest_name, b.guest_email) == ("Anna Petrova", "anna@example.com")
    assert state.last_counts == {"created": 1, "read": 1}
    [their_b] = bookings(other_hotel)
    assert (their_b.room.number, their_b.guest_name) == ("S-1", "Bob Stone")

    # The guest's confirmation, rendered as it is sent, carries the check-in link.
    confirmations = messages(b, "BOOKING_CONFIRMATION")
    assert [m.channel for m in confirmations] == ["EMAIL", "WHATSAPP"]
    email = rendered(confirmations[0])
    assert email.recipient == "anna@example.com" and b.reference in email.body_text
    assert re.search(r"http://moscow\.localhost:8000/en/check-in/\?token=\S+", email.body_text)
    assert "/check-in/?token=" in rendered(confirmations[1]).body_text

    # The guest checks in online: a key for GR-101 for the stay.
    identity = checkin.Identity(legal_name="Anna Petrova", date_of_birth=datetime(1990, 1, 1).date(),
                                document_number="1234567", nationality="RU")
    with scope(hotel=hotel):
        done, key = journey.checkin_complete(booking=b, identity=identity, now=b.start - timedelta(hours=3))
    assert done.status == Status.CHECKIN_COMPLETED and key is not None
    key = live_key(b)
    assert key.room_id == rooms["GR-101"].pk

    # Moved there: another room of the type, then new dates. Here: the same stay, its key follows.
    shop.tick()
    shop.reallocate(row_id(shop, made), GR102)
    shop.tick()
    shop.move_dates(row_id(shop, made), *(d.isoformat() for d in LATER))
    state = sync(account)
    assert state.last_counts.get("updated") == 1
    [moved] = bookings(hotel)
    assert (moved.pk, moved.room.number, moved.check_in, moved.check_out, moved.status) == (
        b.pk, "GR-102", *LATER, Status.CHECKIN_COMPLETED)
    assert moved.start.astimezone(hotel.tz).date() == LATER[0] and moved.end.astimezone(hotel.tz).date() == LATER[1]
    new_key = live_key(b)
    assert (new_key.room_id, new_key.generation) == (rooms["GR-102"].pk, key.generation + 1)
    assert new_key.valid_until > key.valid_until
    # The messages at the stay's times go at the new ones: no check-out reminder at the old end, one at the new.
    settings.CHECKIN_REMINDER_LOCAL_HOURS = (0, 24)
    assert journey.stay_messages_run(now=b.end - timedelta(hours=1)) == []
    assert (moved, "CHECKOUT_REMINDER") in [(x, t) for x, t in journey.stay_messages_run(
        now=moved.end - timedelta(hours=1))]
    assert [m.channel for m in messages(b, "BOOKING_CONFIRMATION")] == ["EMAIL", "WHATSAPP"]  # not sent again

    # Cancelled there: cancelled here, the key revoked, the guest told once; the other hotel's stay untouched.
    shop.tick()
    shop.cancel_in_back_office(made["id"])
    state = sync(account)
    assert state.last_counts.get("cancelled") == 1
    [gone] = bookings(hotel)
    assert gone.status == Status.CANCELLED and live_key(b) is None
    with scopes_disabled():
        assert set(LockKey.objects.filter(booking=b).values_list("status", flat=True)) <= {"REVOKED", "REVOKING"}
    assert [m.channel for m in messages(b, "BOOKING_CANCELLED")] == ["EMAIL", "WHATSAPP"]
    assert sync(account).last_counts.get("cancelled") is None  # read again: nothing more happens
    assert [m.channel for m in messages(b, "BOOKING_CANCELLED")] == ["EMAIL", "WHATSAPP"]
    assert bookings(other_hotel)[0].status == Status.CONFIRMED


def test_a_reservation_for_a_room_we_do_not_have_is_flagged_not_dropped(hotel, other_hotel, shop, rooms, theirs):
    account = connect(hotel, shop)
    made = order(shop, room=GR104)
    state = sync(account)
    assert bookings(hotel) == [] and state.last_counts == {"problem": 1, "read": 1}
    with scopes_disabled():
        flagged = ExternalReservation.objects.get(account=account)
    assert (flagged.external_id, flagged.booking_ref, flagged.problem, flagged.problem_detail, flagged.booking_id) == (
        str(row_id(shop, made)), made["reference"], Problem.UNMATCHED_ROOM, "GR-104", None)
    assert bookings(other_hotel) == []
