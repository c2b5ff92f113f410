"""A page of PMS reservations is written together (innkeeper.booking.imported.ImportPage): its new stays in one
INSERT, their history entries in another, their confirmations in one read and one INSERT, one doorbell per
worker's batch. What each stay gets is what it got written one at a time: these tests hold both."""

import copy
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from innkeeper.booking import occupied
from innkeeper.booking.models import Booking, Source
from innkeeper.booking.states import Status
from innkeeper.core.models import ActivityLog, IntegrationAccount
from innkeeper.journey import pms as journey_pms
from innkeeper.messaging.models import Message, MessageAttempt, OptOut
from innkeeper.messaging.services import OPTED_OUT
from innkeeper.pms import services as sync_services
from innkeeper.pms.models import ExternalReservation, Problem
from tests import factories
from tests import pms_fake_adapter as fake

pytestmark = pytest.mark.django_db


def connect(hotel, name):
    with scopes_disabled():
        return IntegrationAccount.objects.create(hotel=hotel, kind="pms", provider="fakepms",
                                                 config={"url": f"fake://{name}", "key": "secret-key"})


@pytest.fixture
def stores():
    yield
    fake.STORES.clear()


@pytest.fixture
def whatsapp_on(settings):
    settings.INNKEEPER_WHATSAPP = {**copy.deepcopy(settings.INNKEEPER_WHATSAPP), "provider": "simulator"}


def rooms_of(hotel, numbers=("101", "102")):
    standard = factories.make_room_type(hotel, slug="standard", name="Standard")
    return {n: factories.make_room(standard, number=n) for n in numbers}


def book_many(store, count, future, prefix="R"):
    """``count`` two-night stays in rooms 101 and 102 in turn, none overlapping another."""
    for i in range(count):
        day = future + timedelta(days=3 * (i // 2))
        store.book(f"{prefix}{i}", day, day + timedelta(days=2), room=("101", "102")[i % 2], name=f"Guest {i}",
                   email=f"guest{i}@example.com", phone="+7 916 123-45-67")


def of_hotel(model, hotel, **filters):
    with scopes_disabled():
        return list(model.objects.filter(hotel=hotel, **filters).order_by("pk"))


def test_a_page_of_new_stays_takes_the_same_statements_however_many_it_holds(
        hotel, other_hotel, stores, future, django_capture_on_commit_callbacks):
    rooms_of(hotel)
    rooms_of(other_hotel)
    few, many = fake.store("few"), fake.store("many")
    book_many(few, 3, future)
    book_many(many, 40, future, prefix="M")
    with CaptureQueriesContext(connection) as small:
        journey_pms.pms_sync(account=connect(other_hotel, "few"))
    with CaptureQueriesContext(connection) as large, django_capture_on_commit_callbacks() as bells:
        state = journey_pms.pms_sync(account=connect(hotel, "many"))

    # Written one stay at a time, 37 more stays cost 37 x 6 statements more; together, the same statements
    # (SQLite splits a long INSERT at 999 parameters: a few more there).
    assert len(large.captured_queries) <= len(small.captured_queries) + 6, [
        q["sql"][:80] for q in large.captured_queries]
    assert len(bells) == 1  # 80 messages: one doorbell after commit, ringing one task per worker's batch

    assert state.last_counts == {"created": 40, "read": 40}
    made = of_hotel(Booking, hotel)
    assert len(made) == 40 and {b.source for b in made} == {Source.PMS} and {b.status for b in made} == {
        Status.CONFIRMED}
    with scopes_disabled():
        rows = {r.external_id: r for r in ExternalReservation.objects.filter(hotel=hotel)}
    assert sorted(rows[f"M{i}"].booking_id for i in range(40)) == [b.pk for b in made]
    by_booking = {}
    for m in of_hotel(Message, hotel):
        by_booking.setdefault(m.booking_id, []).append(m.channel)
    assert by_booking == {b.pk: ["EMAIL", "WHATSAPP"] for b in made}
    entries = of_hotel(ActivityLog, hotel, verb="booking.created")
    assert [(e.subject_id, e.data["reference"], e.data["to_status"], e.actor_kind) for e in entries] == [
        (str(b.pk), b.reference, Status.CONFIRMED, "pms") for b in made]
    assert len(of_hotel(Booking, other_hotel)) == 3 and len(of_hotel(Message, other_hotel)) == 6


def test_the_confirmations_of_a_page_skip_whom_they_would_skip_one_by_one(hotel, other_hotel, stores, future,
                                                                          whatsapp_on):
    rooms_of(hotel)
    rooms_of(other_hotel)
    with scopes_disabled():
        OptOut.objects.create(hotel=hotel, channel="EMAIL", address="OUT@example.com")
        OptOut.objects.create(hotel=other_hotel, channel="EMAIL", address="kept@example.com")  # not this hotel's
    store = fake.store("moscow")
    store.book("R1", future, future + timedelta(days=2), room="101", email="out@example.com", phone="+79161234567")
    store.book("R2", future, future + timedelta(days=2), room="102", email="nophone@example.com", phone="")
    store.book("R3", future + timedelta(days=3), future + timedelta(days=5), room="101", email="kept@example.com",
               phone="8 916 765-43-21")
    journey_pms.pms_sync(account=connect(hotel, "moscow"))

    got = {(m.booking.guest_email, m.channel): (m.status, m.last_error, m.recipient)
           for m in of_hotel(Message, hotel)}
    assert got == {
        ("out@example.com", "EMAIL"): ("SKIPPED", OPTED_OUT, "out@example.com"),
        ("out@example.com", "WHATSAPP"): ("QUEUED", "", "+79161234567"),
        ("nophone@example.com", "EMAIL"): ("QUEUED", "", "nophone@example.com"),
        ("nophone@example.com", "WHATSAPP"): ("SKIPPED", "the guest gave no phone number", ""),
        ("kept@example.com", "EMAIL"): ("QUEUED", "", "kept@example.com"),
        ("kept@example.com", "WHATSAPP"): (  # the hotel names no country: a national number cannot be read
            "SKIPPED", "the phone number '8 916 765-43-21' is not a usable international number", "8 916 765-43-21"),
    }
    attempts = of_hotel(MessageAttempt, hotel)
    assert sorted((a.message.channel, a.outcome) for a in attempts) == [
        ("EMAIL", "skipped"), ("WHATSAPP", "skipped"), ("WHATSAPP", "skipped")]
    assert of_hotel(Message, other_hotel) == []


class MissedByTheRead(journey_pms.PmsApply):
    """A stay written into room 101 after the page read the hotel's stays (one its read could not see): the
    database's guard is the wall that meets the page's stay there."""

    def prepare(self, *, hotel, now, reservations):
        page = super().prepare(hotel=hotel, now=now, reservations=reservations)
        room = hotel.rooms.get(number="101")
        first = min(r.check_in for r in reservations)
        start = datetime.combine(first, hotel.check_in_time, tzinfo=hotel.tz)
        end = datetime.combine(first + timedelta(days=1), hotel.check_out_time, tzinfo=hotel.tz)
        held = occupied.occupied(start=start, end=end, turnover_minutes=room.room_type.turnover_minutes)
        Booking.objects.create(
            hotel=hotel, reference="MISSED", room_type=room.room_type, room=room, kind="NIGHTLY", check_in=first,
            check_out=first + timedelta(days=1), start=start, end=end, blocks_from=held.start,
            blocks_until=held.until, status=Status.CONFIRMED, guests=1, guest_name="Walk In", currency="RUB",
            subtotal=0, tax=0, total=0, quote={})
        return page


def test_a_stay_the_guard_refuses_when_the_page_is_written_is_flagged_and_the_others_are_booked(
        hotel, other_hotel, stores, future):
    rooms_of(hotel)
    rooms_of(other_hotel)
    store = fake.store("moscow")
    store.book("R1", future, future + timedelta(days=2), room="101", email="one@example.com")
    store.book("R2", future, future + timedelta(days=2), room="102", email="two@example.com")
    account = connect(hotel, "moscow")
    with scopes_disabled():
        state = sync_services.sync_run(account=account, apply=MissedByTheRead())

    assert state.last_counts == {"created": 1, "problem": 1, "read": 2}
    with scopes_disabled():
        rows = {r.external_id: r for r in ExternalReservation.objects.filter(account=account)}
    assert (rows["R1"].problem, rows["R1"].booking_id) == (Problem.OVERLAP, None)
    booked = rows["R2"].booking
    assert (booked.room.number, booked.guest_email, rows["R2"].problem) == ("102", "two@example.com", "")
    assert sorted(b.reference for b in of_hotel(Booking, hotel)) == sorted(["MISSED", booked.reference])
    assert [m.booking_id for m in of_hotel(Message, hotel)] == [booked.pk, booked.pk]
    assert [e.subject_id for e in of_hotel(ActivityLog, hotel, verb="booking.created")] == [str(booked.pk)]
    assert of_hotel(Booking, other_hotel) == []
