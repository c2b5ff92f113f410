"""The guest journey: what a booking sets off, and the messages due at a time of the stay."""

from datetime import timedelta

import pytest
from django_scopes import scope, scopes_disabled

from innkeeper.booking import services as engine
from innkeeper.booking import stays
from innkeeper.booking.states import Status
from innkeeper.journey import services as journey
from innkeeper.messaging.models import Message
from tests import factories
from tests.conftest import local
from tests.messaging_helpers import rendered

REMINDER, THANKS = "CHECKOUT_REMINDER", "POST_STAY_THANKS"


@pytest.fixture
def room_type(hotel):
    factories.make_add_on(hotel, "late-check-out", "15")
    return factories.make_room_type(hotel, slug="std", rooms=2)


@pytest.fixture
def theirs(other_hotel):
    return factories.make_room_type(other_hotel, slug="std", rooms=1)


def messages(booking, type_):
    with scopes_disabled():
        return sorted(Message.objects.filter(booking_id=booking.pk, type=type_).values_list("channel", flat=True))


def step(booking, to, now):
    with scope(hotel=booking.hotel):
        return journey.booking_transition(booking=booking, to=to, actor="staff", now=now)


def test_the_booking_engine_alone_sets_nothing_off_and_the_journey_does(hotel, room_type, future, now):
    with scope(hotel=hotel):
        stay = stays.nightly(hotel, future, future + timedelta(days=1), now=now)
        guest = engine.GuestDetails("Anna Petrova", "anna@example.com", "+7 916 123-45-67")
        bare = engine.booking_create(hotel=hotel, room_type="std", stay=stay, guests=1, guest=guest, now=now)
        booked = journey.booking_create(hotel=hotel, room_type="std", stay=stay, guests=1, guest=guest, now=now)
    assert messages(bare, "BOOKING_CONFIRMATION") == []
    assert messages(booked, "BOOKING_CONFIRMATION") == ["EMAIL", "WHATSAPP"]


def test_the_check_out_reminder_goes_before_the_end_once_and_the_thanks_after_it(
        hotel, room_type, other_hotel, theirs, book, future):
    mine = book(hotel, room_type, future, future + timedelta(days=2))
    other = book(other_hotel, theirs, future, future + timedelta(days=2))
    end = local(hotel, future + timedelta(days=2), 12)  # check-out at noon, Moscow
    assert mine.end == end
    assert journey.stay_messages_run(now=end - timedelta(minutes=121)) == []
    assert journey.stay_messages_run(now=end - timedelta(minutes=120)) == [(mine, REMINDER)]
    assert journey.stay_messages_run(now=end - timedelta(minutes=60)) == []  # once
    assert messages(mine, REMINDER) == ["EMAIL", "WHATSAPP"]
    assert messages(other, REMINDER) == []  # New York's noon is later
    with scopes_disabled():
        email = rendered(Message.objects.get(booking_id=mine.pk, type=REMINDER, channel="EMAIL"))
    assert "12:00" in email.body_text or "noon" in email.body_text
    # Thanks an hour after the end (the H+1), for a guest who stayed.
    step(mine, Status.CHECKED_IN, end - timedelta(days=1))
    step(mine, Status.CHECKED_OUT, end)
    assert journey.stay_messages_run(now=end + timedelta(minutes=59)) == []
    assert (mine, THANKS) in journey.stay_messages_run(now=end + timedelta(hours=1))
    assert journey.stay_messages_run(now=end + timedelta(hours=2)) == []
    assert messages(mine, THANKS) == ["EMAIL", "WHATSAPP"]


def test_a_late_check_out_and_a_moved_stay_move_the_reminder(hotel, room_type, book, future, settings):
    settings.LOCKS_LATE_CHECK_OUT_MINUTES = 240
    late = book(hotel, room_type, future, future + timedelta(days=1), add_ons=["late-check-out"])
    moved = book(hotel, room_type, future, future + timedelta(days=1))
    noon = local(hotel, future + timedelta(days=1), 12)
    with scope(hotel=hotel):
        journey.booking_change_stay(booking=moved, actor="staff", now=noon - timedelta(days=2),
                                    stay=stays.nightly(hotel, future, future + timedelta(days=3),
                                                       now=noon - timedelta(days=2)))
    assert journey.stay_messages_run(now=noon - timedelta(hours=2)) == []  # neither ends at noon that day
    assert journey.stay_messages_run(now=noon + timedelta(hours=2)) == [(late, REMINDER)]  # ends at 16:00
    assert journey.stay_messages_run(now=noon + timedelta(days=2) - timedelta(hours=2)) == [(moved, REMINDER)]


def test_no_stay_messages_for_a_cancelled_stay_or_at_night(hotel, room_type, book, future, settings):
    cancelled = book(hotel, room_type, future, future + timedelta(days=1))
    noon = local(hotel, future + timedelta(days=1), 12)
    step(cancelled, Status.CANCELLED, noon - timedelta(days=3))
    assert journey.stay_messages_run(now=noon - timedelta(hours=1)) == []
    assert journey.stay_messages_run(now=noon + timedelta(hours=4)) == []
    # An hourly stay ending at 22:00: a reminder at 20:00, but the thanks waits for the morning (09:00).
    evening = book(hotel, room_type, start=local(hotel, future, 18), hours=4)
    assert journey.stay_messages_run(now=local(hotel, future, 20)) == [(evening, REMINDER)]
    step(evening, Status.CHECKED_IN, local(hotel, future, 18))
    step(evening, Status.CHECKED_OUT, local(hotel, future, 22))
    assert journey.stay_messages_run(now=local(hotel, future + timedelta(days=1), 8, 59)) == []
    assert journey.stay_messages_run(now=local(hotel, future + timedelta(days=1), 9)) == [(evening, THANKS)]
    # A thanks the sweep missed for two days is not sent late.
    settings.CHECKIN_REMINDER_LOCAL_HOURS = (0, 24)
    forgotten = book(hotel, room_type, future + timedelta(days=4), future + timedelta(days=5))
    step(forgotten, Status.CHECKED_IN, forgotten.start)
    step(forgotten, Status.CHECKED_OUT, forgotten.end)
    assert journey.stay_messages_run(now=forgotten.end + timedelta(days=2, hours=4)) == []
    assert messages(forgotten, THANKS) == []


def test_the_beat_runs_the_stay_messages():
    from innkeeper import celery_app

    celery_app.loader.import_default_modules()
    entry = celery_app.conf.beat_schedule["journey-stay-messages"]
    assert (entry["task"], entry["schedule"]) == ("journey.stay_messages", 300.0)
    assert "journey.stay_messages" in celery_app.tasks
