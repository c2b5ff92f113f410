"""Per-hotel send limits: a full window puts messages off (never drops them), automated and manual apart,
another hotel unaffected; staff are told."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from innkeeper.core import outbox
from innkeeper.core.models import ActivityLog
from innkeeper.messaging import services
from innkeeper.messaging.models import Message, MessageAttempt, MessageStatus, SendCounter, SendLimit
from innkeeper.messaging.services import limits
from tests import factories


@pytest.fixture
def stays(hotel, other_hotel, book, future):
    mine_type = factories.make_room_type(hotel, slug="std", rooms=4)
    theirs_type = factories.make_room_type(other_hotel, slug="std", rooms=2)
    mine = [book(hotel, mine_type, future, future + timedelta(days=1), email=f"g{i}@example.com") for i in range(3)]
    theirs = [book(other_hotel, theirs_type, future, future + timedelta(days=1)) for _ in range(2)]
    return mine, theirs


def emails(bookings):
    with scopes_disabled():
        return list(Message.objects.filter(booking__in=bookings, channel="EMAIL").order_by("id"))


def statuses(rows):
    with scopes_disabled():
        return [Message.objects.get(pk=r.pk).status for r in rows]


def test_a_full_minute_puts_the_rest_off_without_spending_an_attempt_and_tells_staff(
        hotel, other_hotel, stays, smtp, settings):
    settings.MESSAGE_SEND_LIMITS = {**settings.MESSAGE_SEND_LIMITS, "automated_per_minute": 5}
    mine, theirs = stays
    with scopes_disabled():
        SendLimit.objects.create(hotel=hotel, automated_per_minute=2)
        Message.objects.filter(channel="WHATSAPP").delete()  # e-mail only: the count is plain
    rows, other_rows = emails(mine), emails(theirs)
    now = (timezone.now() + timedelta(minutes=1)).replace(second=10, microsecond=0)
    with scopes_disabled():
        outbox.process("message", [r.pk for r in rows + other_rows], now=now)
        held = Message.objects.get(pk=rows[2].pk)
    assert statuses(rows) == [MessageStatus.SENT, MessageStatus.SENT, MessageStatus.QUEUED]
    assert statuses(other_rows) == [MessageStatus.SENT, MessageStatus.SENT]  # the other hotel's own limit
    next_minute = now.replace(second=0) + timedelta(minutes=1)
    assert (held.attempts, held.next_attempt_at) == (0, next_minute)
    with scopes_disabled():
        assert list(MessageAttempt.objects.filter(message=held).values_list("outcome", flat=True)) == ["held"]
        notice = ActivityLog.objects.get(verb="messages.limit_reached")
        assert notice.hotel_id == hotel.pk and notice.data["limit"] == 2 and notice.data["period"] == "minute"
        # Not due before its minute; sent in the next one.
        assert outbox.process("message", [held.pk], now=next_minute - timedelta(seconds=1)) == []
        outbox.process("message", [held.pk], now=next_minute)
    assert statuses(rows) == [MessageStatus.SENT] * 3
    with scope(hotel=hotel):
        shown = limits.notices(hotel=hotel, now=now)
    assert [(n["kind"], n["period"], n["held"]) for n in shown] == [("automated", "minute", 1)]


def test_messages_sent_by_hand_are_counted_apart_and_a_day_limit_holds_until_the_hotels_midnight(
        hotel, stays, smtp):
    mine, _theirs = stays
    user = factories.make_member(hotel, "STAFF", "desk@moscow.example")
    with scopes_disabled():
        SendLimit.objects.create(hotel=hotel, automated_per_day=1, manual_per_minute=1)
        Message.objects.filter(channel="WHATSAPP").delete()
    now = timezone.now() + timedelta(seconds=1)
    with scope(hotel=hotel):
        manual = [services.message_send_manual(booking=b, channels=["EMAIL"], actor=user, subject="Hi",
                                               body="Hello {guest_name}")[0] for b in mine[:2]]
    auto = emails(mine[:2])
    auto = [r for r in auto if r.type == "BOOKING_CONFIRMATION"]
    with scopes_disabled():
        outbox.process("message", [r.pk for r in auto + manual], now=now)
        held_auto = Message.objects.get(pk=auto[1].pk)
    assert statuses(auto) == [MessageStatus.SENT, MessageStatus.QUEUED]
    assert statuses(manual) == [MessageStatus.SENT, MessageStatus.QUEUED]
    midnight = limits.window("day", now, hotel.tz)[1]
    assert held_auto.next_attempt_at == midnight and midnight.astimezone(hotel.tz).hour == 0


def test_a_race_for_the_last_place_in_a_window_has_one_winner(hotel, transactional_db, vendor):
    if vendor != "postgresql":
        pytest.skip("SQLite serializes writers; the race is PostgreSQL's")
    with scopes_disabled():
        SendLimit.objects.create(hotel=hotel, automated_per_minute=1)
    now = timezone.now() + timedelta(seconds=1)
    results, barrier = [], threading.Barrier(8)

    def race():
        try:
            barrier.wait(5)
            with scopes_disabled():
                results.append(limits.take_place(hotel, False, now))
        finally:
            connection.close()

    threads = [threading.Thread(target=race) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert results.count(None) == 1 and len(results) == 8
    with scopes_disabled():
        minute = SendCounter.objects.get(hotel=hotel, period="minute")
        day = SendCounter.objects.get(hotel=hotel, period="day")
    assert (minute.sent, minute.held, day.sent) == (1, 7, 1)
