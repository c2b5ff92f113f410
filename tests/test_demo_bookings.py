"""seed_demo's bookings: a month played through the journey and a month booked ahead, for each demo hotel, in
every status its payment rule allows, never two guests in one room at once, made once however often it runs."""

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django_scopes import scopes_disabled

from innkeeper import config
from innkeeper.accounts.models import User
from innkeeper.booking.models import Booking
from innkeeper.booking.states import ACTIVE, Status
from innkeeper.core.models import ActivityLog
from innkeeper.hotels import demo
from innkeeper.hotels.models import Hotel
from innkeeper.locks.models import KeyStatus, LockKey
from innkeeper.messaging.models import Message, MessageStatus, MessageType
from innkeeper.payments.models import Payment, PaymentStatus

pytestmark = pytest.mark.django_db

AT = datetime(2031, 3, 12, 9, 40, tzinfo=UTC)  # a Wednesday morning in both hotels' zones
HOLDS = {Status.HOLD, Status.PENDING_PAYMENT, Status.EXPIRED}  # only where guests pay when they book
HELD_THE_ROOM = ACTIVE | {Status.CHECKED_OUT}  # bookings whose guest had (or has) the room


def seed(at: datetime) -> str:
    out = StringIO()
    with time_machine.travel(at, tick=False):
        call_command("seed_demo", stdout=out)
    return out.getvalue()


def snapshot():
    with scopes_disabled():
        return [m.objects.count() for m in (Booking, Message, LockKey, Payment, ActivityLog)]


def overlaps(hotel) -> list:
    """Pairs of bookings whose guests had one room at the same time."""
    by_room = defaultdict(list)
    for b in Booking.objects.filter(hotel=hotel, status__in=HELD_THE_ROOM).order_by("blocks_from"):
        by_room[b.room_id].append(b)
    return [(a.reference, b.reference) for stays in by_room.values() for a, b in zip(stays, stays[1:], strict=False)
            if b.blocks_from < a.blocks_until]


def occupancy(hotel) -> float:
    """Room-nights sold over the 60 nights around AT, of those the hotel has."""
    today = AT.astimezone(hotel.tz).date()
    nights = {today + timedelta(days=n) for n in range(-30, 30)}
    sold = sum(len(nights & {b.check_in + timedelta(days=n) for n in range(b.nights)})
               for b in Booking.objects.filter(hotel=hotel, kind="NIGHTLY", status__in=HELD_THE_ROOM))
    return sold / (hotel.rooms.count() * len(nights))


def test_seed_demo_plays_a_month_and_books_a_month_in_every_status_once(settings):
    settings.EMAIL_BACKEND = config.SIMULATOR_EMAIL_BACKEND  # the demo's own, as bin/demo runs it
    with time_machine.travel(AT, tick=False), scopes_disabled():
        demo.seed(AT.date())
        Hotel.objects.filter(slug="tbilisi").update(payment_rule="PREPAY")  # its guests pay when they book
    out = seed(AT)
    assert "Innkeeper Demo Hotel: " in out and " demo bookings made" in out
    with scopes_disabled():
        hotels = {h.slug: h for h in Hotel.objects.all()}
        for hotel in hotels.values():
            bookings = Booking.objects.filter(hotel=hotel)
            statuses = set(bookings.values_list("status", flat=True))
            assert statuses == (set(Status.values) if hotel.takes_prepayment else set(Status.values) - HOLDS), hotel
            assert overlaps(hotel) == []
            assert 0.55 <= occupancy(hotel) <= 0.80, (hotel, occupancy(hotel))
            locales = Counter(bookings.values_list("locale", flat=True))
            assert locales["ru"] >= 10 and locales["en"] >= 10
            assert bookings.filter(add_ons__isnull=False).exists()
            # What happened to a stay is where it would be: its messages sent, its keys off the lock.
            for b in bookings.filter(status=Status.CHECKED_OUT).prefetch_related("messages", "keys")[:40]:
                sent = {(m.type, m.channel) for m in b.messages.all() if m.status == MessageStatus.SENT}
                assert {(MessageType.BOOKING_CONFIRMATION, "EMAIL"), (MessageType.POST_STAY_THANKS, "EMAIL")} <= sent
                assert all(k.status == KeyStatus.REVOKED for k in b.keys.all())
            assert not Message.objects.filter(hotel=hotel, status=MessageStatus.QUEUED).exists()
            assert LockKey.objects.filter(hotel=hotel, status=KeyStatus.ACTIVE).exists()
            assert not LockKey.objects.filter(hotel=hotel, status=KeyStatus.ACTIVE).exclude(
                booking__status__in=[Status.CHECKIN_COMPLETED, Status.CHECKED_IN]).exists()
            online = bookings.filter(status=Status.CHECKIN_COMPLETED).first()
            assert Message.objects.filter(booking=online, type=MessageType.ACCESS_INSTRUCTIONS,
                                          status=MessageStatus.SENT).exists()
            verbs = list(ActivityLog.objects.filter(subject_id=str(bookings.filter(
                status=Status.CHECKED_OUT).first().pk), subject_type="booking.Booking").order_by("id")
                         .values_list("verb", flat=True))
            assert verbs[0] == "booking.created" and "booking.key_revoked" in verbs
        demo_hotel = hotels["demo"]
        assert Booking.objects.filter(hotel=demo_hotel, kind="HOURLY", status=Status.CHECKED_OUT).exists()
        assert not demo_hotel.takes_prepayment and not Payment.objects.filter(hotel=demo_hotel).exists()
        paid = Payment.objects.filter(hotel=hotels["tbilisi"])
        assert paid.filter(status=PaymentStatus.SUCCEEDED).exists() and paid.filter(status=PaymentStatus.FAILED).exists()
        before = snapshot()
        references = {hotel.slug: set(Booking.objects.filter(hotel=hotel).values_list("reference", flat=True))
                      for hotel in hotels.values()}

    # The panel lists them, its own hotel's only.
    panel = Client()
    panel.force_login(User.objects.get(email="owner@demo.localhost"))
    page = panel.get("/panel/bookings/").content.decode()
    assert sum(ref in page for ref in references["demo"]) >= 10
    assert not any(ref in page for ref in references["tbilisi"])

    # Again, at the same moment: nothing new.
    assert "0 demo bookings made" in seed(AT)
    assert snapshot() == before

    # Three days later: the days that came into view are booked, the stays since then have moved on.
    seed(AT + timedelta(days=3))
    with scopes_disabled():
        for hotel in hotels.values():
            assert overlaps(hotel) == []
            keys = list(Booking.objects.filter(hotel=hotel).values_list("request_key", flat=True))
            assert len(keys) == len(set(keys))
        assert snapshot()[0] > before[0]


def test_seed_demo_leaves_another_hotels_bookings_and_messages_to_its_own_worker(other_hotel):
    """Another hotel's guest is neither reminded, checked out nor sent anything by the demo's replayed past:
    its messages may go to a real service, and a reminder sent now for a stay already begun would be wrong.
    (Its hotel is not a demo hotel: ``other_hotel``.)"""
    from innkeeper.booking import services as booking_services
    from innkeeper.booking import stays
    from innkeeper.journey import services as journey
    from tests import factories

    room_type = factories.make_room_type(other_hotel, slug="std", rooms=1)
    arrival = (AT - timedelta(days=2)).astimezone(other_hotel.tz).date()
    with scopes_disabled():
        theirs = journey.booking_create(
            hotel=other_hotel, room_type=room_type.slug, guests=1, now=AT - timedelta(days=5),
            stay=stays.nightly(other_hotel, arrival, arrival + timedelta(days=4), now=AT - timedelta(days=5)),
            guest=booking_services.GuestDetails("Anna Other", "anna@other.example", "+79161234567"))
    seed(AT)
    with scopes_disabled():
        theirs.refresh_from_db()
        assert theirs.status == Status.CONFIRMED
        assert set(Message.objects.filter(booking=theirs).values_list("type", "status")) == {
            (MessageType.BOOKING_CONFIRMATION, MessageStatus.QUEUED)}
        # The demo hotels are booked all the same; checking their past stays out is left to the beat, which
        # serves every hotel at the real time.
        assert Booking.objects.filter(hotel__slug="demo", status=Status.CHECKIN_COMPLETED).count() > 10


def test_the_plan_is_the_same_on_every_run_of_a_day():
    """Seeded by hotel, room and date: the same stays, guests and fates whenever it is made, in any process."""
    from innkeeper.demo import plan
    from innkeeper.hotels.models import AddOn, RoomType

    with time_machine.travel(AT, tick=False), scopes_disabled():
        demo.seed(AT.date())
        hotel = Hotel.objects.get(slug="demo")
        room_types = list(RoomType.objects.filter(hotel=hotel).select_related("hotel"))
        for rt in room_types:
            rt.numbers = sorted(rt.rooms.values_list("number", flat=True))
        codes = list(AddOn.objects.filter(hotel=hotel).values_list("code", flat=True))

    def made(now):
        return plan.plan(hotel, room_types, codes, now=now, prepay=False)

    first = made(AT)
    assert made(AT) == first
    later = {(s.key, s.start, s.guest) for s in made(AT + timedelta(hours=3))}
    assert later == {(s.key, s.start, s.guest) for s in first}
    assert {s.room_type for s in first} == {"standard", "deluxe", "suite"} and any(s.hours for s in first)
