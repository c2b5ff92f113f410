"""The one outbox (innkeeper.core.outbox): batch claims, one backoff, dead-letter, the doorbell, for both kinds."""

import random
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from innkeeper.checkin import services as checkin
from innkeeper.core import activity, outbox
from innkeeper.journey import services as journey
from innkeeper.locks import services as locks
from innkeeper.locks.models import KeyStatus, LockKey
from innkeeper.messaging import services as messaging
from innkeeper.messaging.models import Message, MessageAttempt, OptOut
from tests import factories
from tests.messaging_helpers import confirmed_booking
from tests.outbox_helpers import work_outbox


def test_both_kinds_are_registered_by_their_apps():
    assert outbox.kinds() == ["lock_key", "message"]
    assert outbox.kind("message").model is Message and outbox.kind("lock_key").model is LockKey


class High:
    @staticmethod
    def uniform(a, b):
        return b


class Low:
    @staticmethod
    def uniform(a, b):
        return a


def test_one_backoff_for_both_kinds_full_jitter_capped_and_retry_after_wins(settings):
    for policy in (messaging.outbox_policy(), locks.outbox_policy()):
        assert [outbox.backoff(n, policy, rng=High) for n in (1, 2, 3)] == [30, 60, 120]
        assert [outbox.backoff(n, policy, rng=Low) for n in (1, 2, 3)] == [15, 30, 60]
        assert outbox.backoff(40, policy, rng=High) == policy.backoff_max_seconds
        assert outbox.backoff(1, policy, retry_after=7) == 7
        assert outbox.backoff(1, policy, retry_after=10**9) == policy.backoff_max_seconds
        rng = random.Random(5)
        assert all(15 <= outbox.backoff(1, policy, rng=rng) <= 30 for _ in range(200))
    assert locks.outbox_policy().backoff_max_seconds == 3600
    settings.LOCKS_MAX_ATTEMPTS = 3
    policy = locks.outbox_policy()
    assert outbox.next_try(2, policy) is not None and outbox.next_try(3, policy) is None  # dead-letter


def test_a_worker_claims_a_batch_in_one_query_and_never_another_hotels_row_twice(hotel, other_hotel):
    for h, phone in ((hotel, "+7 916 123-45-67"), (other_hotel, "+1 212 555 0100")):
        for n in range(3):
            confirmed_booking(h, phone=phone, email=f"guest{n}@{h.slug}.example")
    with scopes_disabled():
        due = Message.objects.filter(status="QUEUED").count()
    assert due == 12  # e-mail and WhatsApp for six bookings in two hotels
    later = timezone.now() + timedelta(seconds=1)
    with scopes_disabled(), CaptureQueriesContext(connection) as queries:
        first = outbox.claim("message", None, now=later, limit=5)
    claims = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    assert len(first) == 5 and len(claims) == 1
    with scopes_disabled():
        second = outbox.claim("message", None, now=later, limit=50)
        assert {m.pk for m in first}.isdisjoint({m.pk for m in second}) and len(second) == 7
        assert outbox.claim("message", None, now=later) == []  # nothing left that is due
        assert set(Message.objects.values_list("status", "attempts")) == {("SENDING", 1)}
        assert {m.hotel_id for m in first + second} == {hotel.pk, other_hotel.pk}


def test_a_batch_reads_each_hotels_account_and_the_opt_outs_once(hotel, other_hotel):
    for n in range(4):
        confirmed_booking(hotel, email=f"guest{n}@example.com")
    confirmed_booking(other_hotel, phone="+1 212 555 0100", email="opted@example.com")
    with scopes_disabled():
        OptOut.objects.create(hotel=other_hotel, channel="EMAIL", address="opted@example.com")
        # The same address at the first hotel is no opt-out there.
        OptOut.objects.create(hotel=hotel, channel="WHATSAPP", address="+12125550100")
        with CaptureQueriesContext(connection) as queries:
            done = outbox.process("message", None, now=timezone.now() + timedelta(seconds=1))
    assert len(done) == 10
    sql = [q["sql"] for q in queries.captured_queries]
    assert sum('FROM "messaging_optout"' in s for s in sql) == 1
    accounts = sum('FROM "messaging_messagingaccount"' in s for s in sql)
    assert accounts <= 4  # per hotel and channel, not per message
    with scopes_disabled():
        statuses = dict(Message.objects.filter(hotel=other_hotel).values_list("channel", "status"))
        assert statuses == {"EMAIL": "SKIPPED", "WHATSAPP": "SENT"}
        assert set(Message.objects.filter(hotel=hotel).values_list("status", flat=True)) == {"SENT"}


@pytest.fixture
def pending_key(hotel, other_hotel, book, future, settings):
    settings.LOCK_PROVIDER = "simulator"
    found = []
    for h in (hotel, other_hotel):
        rt = factories.make_room_type(h, slug="double", turnover_minutes=60)
        factories.make_room(rt, number="101", lock_id=f"SIM-{h.slug}-101")
        booking = book(h, rt, future, future + timedelta(days=2))
        with scope(hotel=h):
            identity = checkin.clean_identity(legal_name="Anna Petrova", date_of_birth="1990-01-01",
                                              document_number="AB1234567", nationality="RU", today=future)
            _booking, key = journey.checkin_complete(booking=booking, identity=identity)
        found.append(key)
    return found


def test_a_key_whose_worker_died_on_its_last_attempt_is_failed_not_tried_for_ever(pending_key, settings):
    mine, theirs = pending_key
    settings.LOCKS_MAX_ATTEMPTS = 2
    with scopes_disabled():
        # Its worker died twice: each attempt was counted when claimed, and the lease has run out.
        LockKey.objects.filter(pk=mine.pk).update(attempts=2, next_attempt_at=timezone.now() - timedelta(seconds=1))
        assert locks.keys_sweep() == 1  # only the other hotel's key is made
        mine.refresh_from_db()
        theirs.refresh_from_db()
        assert (mine.status, mine.next_attempt_at) == (KeyStatus.FAILED, None)
        assert mine.last_error.startswith("worker_lost")
        assert activity.history(mine.booking).filter(verb="booking.key_failed").count() == 1
        assert theirs.status == KeyStatus.ACTIVE


def test_a_message_due_after_its_last_attempt_is_dead(hotel, other_hotel, settings):
    booking = confirmed_booking(hotel, phone="")
    with scopes_disabled():
        email = Message.objects.get(booking=booking, channel="EMAIL")
        Message.objects.filter(pk=email.pk).update(attempts=settings.INNKEEPER_MESSAGING["max_attempts"])
        assert outbox.process("message", [email.pk], now=timezone.now() + timedelta(seconds=1)) == []
        email.refresh_from_db()
        assert (email.status, email.next_attempt_at) == ("DEAD", None)
        assert MessageAttempt.objects.filter(message=email, outcome="dead").count() == 1


def queued_tasks() -> list[tuple[str, list]]:
    """The tasks waiting on the tests' in-memory broker (taken off it): (task name, args)."""
    from innkeeper import celery_app

    found = []
    with celery_app.connection_for_read() as conn, conn.SimpleQueue("celery") as queue:
        while True:
            try:
                message = queue.get(block=False)
            except queue.Empty:
                return found
            found.append((message.headers["task"], message.decode()[0]))
            message.ack()


def test_staff_retry_rings_the_doorbell_after_commit(pending_key, django_capture_on_commit_callbacks):
    mine, _theirs = pending_key
    queued_tasks()
    with scopes_disabled():
        LockKey.objects.filter(pk=mine.pk).update(status=KeyStatus.FAILED, attempts=6, next_attempt_at=None)
    with scope(hotel=mine.hotel), django_capture_on_commit_callbacks(execute=True):
        again = locks.key_retry(key=mine, actor="staff")
    assert (again.status, again.attempts) == (KeyStatus.PENDING, 0)
    assert queued_tasks() == [("core.outbox_process", ["lock_key", [mine.pk]])]
    assert work_outbox("lock_key") == 2  # this key and the other hotel's
    with scopes_disabled():
        assert LockKey.objects.get(pk=mine.pk).status == KeyStatus.ACTIVE


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_at_once_split_the_due_rows_between_them(hotel, other_hotel):
    """A batch claim holds its rows until it commits; a second worker meanwhile skips them and takes the
    rest, so no row is sent twice and neither worker waits."""
    import threading

    from django.db import transaction

    for h, phone in ((hotel, "+7 916 123-45-67"), (other_hotel, "+1 212 555 0100")):
        for n in range(3):
            confirmed_booking(h, phone=phone, email=f"guest{n}@{h.slug}.example")
    later = timezone.now() + timedelta(seconds=1)
    claimed, first = threading.Event(), []
    release = threading.Event()

    def slow_worker():
        try:
            with scopes_disabled(), transaction.atomic():  # its claim stays uncommitted until released
                first.extend(outbox.claim("message", None, now=later, limit=5))
                claimed.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=slow_worker)
    thread.start()
    assert claimed.wait(10)
    try:
        with scopes_disabled():
            second = outbox.claim("message", None, now=later, limit=50)
    finally:
        release.set()
        thread.join(10)
    assert len(first) == 5 and len(second) == 7
    assert {m.pk for m in first}.isdisjoint({m.pk for m in second})
    with scopes_disabled():
        assert Message.objects.filter(status="SENDING", attempts=1).count() == 12


def test_the_worker_fills_in_the_wording_of_what_it_sends(hotel, other_hotel):
    from django.core import mail

    mine, theirs = confirmed_booking(hotel), confirmed_booking(other_hotel)
    with scopes_disabled():
        assert set(Message.objects.values_list("body_text", flat=True)) == {""}  # the booking only wrote rows
    assert work_outbox("message") == 4
    with scopes_disabled():
        for booking in (mine, theirs):
            email = Message.objects.get(booking_id=booking.pk, channel="EMAIL")
            assert email.status == "SENT" and booking.reference in email.body_text
    for booking in (mine, theirs):
        [sent] = [m for m in mail.outbox if booking.reference in m.subject + m.body]
        assert sent.to == [booking.guest_email]
