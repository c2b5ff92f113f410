"""200 booking attempts at once, over HTTP, for the last free rooms: exactly one winner per room.

Each request runs in its own server thread with its own database connection (closed after the
request). At most 90 are in flight at a time, under PostgreSQL's default max_connections of 100.
"""

import json
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from innkeeper.booking import services, stays
from innkeeper.booking.errors import NoAvailability
from innkeeper.booking.models import Booking
from innkeeper.booking.states import ACTIVE, Status
from innkeeper.core import throttle
from innkeeper.core.errors import Busy
from innkeeper.core.models import ActivityLog
from innkeeper.hotels.models import RoomType
from tests import factories
from tests.conftest import local


@pytest.fixture(autouse=True)
def _rate_limits_off(settings):
    """These rushes send 200 bookings from one address at once: a load test, run as an operator runs one,
    with RATE_LIMITS=off (which must let every request through to the booking engine)."""
    settings.RATE_LIMITS = throttle.parse("off")


ATTEMPTS = 200
IN_FLIGHT = 90


@pytest.fixture
def server(wsgi_server):
    return f"http://127.0.0.1:{wsgi_server}"


def attempt(url, body, headers=None):
    """One request, as a well-behaved client makes it: a 503 'unavailable' (no database connection was free,
    for instance while other test runs share the server, so nothing was done) is sent again after its
    Retry-After."""
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", **(headers or {})})
    for _ in range(30):
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as err:
            payload = json.loads(err.read() or b"{}")
            if err.code != 503 or payload.get("code") != "unavailable":
                return err.code, payload
            time.sleep(float(err.headers["Retry-After"]))
    raise AssertionError("the database refused connections for too long")


def burst(url, bodies, headers=None):
    gate = threading.Barrier(IN_FLIGHT)
    queue = iter(bodies)
    lock = threading.Lock()
    results = []

    def worker():
        gate.wait()
        while True:
            with lock:
                body = next(queue, None)
            if body is None:
                return
            results.append(attempt(url, body, headers))

    with ThreadPoolExecutor(IN_FLIGHT) as pool:
        for future in [pool.submit(worker) for _ in range(IN_FLIGHT)]:
            future.result()
    return results


def overlapping_active_pairs() -> int:
    active = ", ".join(f"'{s}'" for s in sorted(ACTIVE))
    with connection.cursor() as cursor:
        cursor.execute(f"""
            SELECT COUNT(*) FROM booking_booking a JOIN booking_booking b
              ON a.room_id = b.room_id AND a.id < b.id
             AND a.start < b.blocks_until AND b.start < a.blocks_until
           WHERE a.status IN ({active}) AND b.status IN ({active})""")
        return cursor.fetchone()[0]


def guest(i):
    return {"name": f"Guest {i}", "email": f"guest{i}@example.com"}


@pytest.fixture
def last_rooms(hotel, book, future):
    """A room type with 5 rooms, 2 of them already taken for the contested dates: 3 left."""
    room_type = factories.make_room_type(hotel, slug="std", rooms=5, turnover_minutes=30)
    for _ in range(2):
        book(hotel, room_type, future, future + timedelta(days=3))
    return room_type


@pytest.mark.django_db(transaction=True)
def test_nightly_rush_for_the_last_rooms(server, last_rooms, future):
    body = {"room_type": "std", "check_in": str(future + timedelta(days=1)),
            "check_out": str(future + timedelta(days=2)), "guests": 1}
    results = burst(f"{server}/api/v1/hotels/moscow/bookings", [dict(body, guest=guest(i)) for i in range(ATTEMPTS)])
    assert Counter(status for status, _ in results) == {201: 3, 409: ATTEMPTS - 3}
    assert {payload["code"] for status, payload in results if status == 409} == {"no_availability"}
    with scopes_disabled():
        assert Booking.objects.filter(status__in=ACTIVE).count() == 2 + 3
    assert overlapping_active_pairs() == 0


@pytest.mark.django_db(transaction=True)
def test_mixed_nightly_and_hourly_rush_for_the_last_rooms(server, last_rooms, future):
    day = future + timedelta(days=1)
    shapes = [  # every shape overlaps every other on one room
        {"check_in": str(day), "check_out": str(day + timedelta(days=1))},  # 14:00 -> 12:00 next day
        {"start": f"{day}T15:00:00", "hours": 3},
        {"start": f"{day}T17:00:00", "hours": 2},
    ]
    bodies = [dict(shapes[i % 3], room_type="std", guests=1, guest=guest(i)) for i in range(ATTEMPTS)]
    results = burst(f"{server}/api/v1/hotels/moscow/bookings", bodies)
    assert Counter(status for status, _ in results) == {201: 3, 409: ATTEMPTS - 3}
    assert overlapping_active_pairs() == 0
    with scopes_disabled():
        winners = Booking.objects.filter(check_in=day)
        assert winners.count() == 3 and len({b.room_id for b in winners}) == 3


@pytest.mark.django_db(transaction=True)
def test_one_idempotency_key_sent_at_once_for_two_room_types_makes_one_booking(server, hotel, future):
    """A client retrying eagerly, and one reusing a key by mistake, race with the same key."""
    factories.make_room_type(hotel, slug="std", rooms=5)
    factories.make_room_type(hotel, slug="lux", rooms=5)
    stay = {"check_in": str(future), "check_out": str(future + timedelta(days=1)), "guests": 1, "guest": guest(1)}
    bodies = [dict(stay, room_type="std" if i % 2 else "lux") for i in range(60)]
    results = burst(f"{server}/api/v1/hotels/moscow/bookings", bodies, headers={"Idempotency-Key": "retry-1"})
    with scopes_disabled():
        made = list(Booking.objects.select_related("room_type"))
    assert len(made) == 1
    won = made[0].room_type.slug
    by_status = Counter(status for status, _ in results)
    assert by_status == {201: 30, 409: 30}
    assert {p["reference"] for s, p in results if s == 201} == {made[0].reference}
    assert {p["room_type"] for s, p in results if s == 201} == {won}
    assert {p["code"] for s, p in results if s == 409} == {"request_key_reused"}


def in_another_connection(work):
    """Run ``work`` on a thread of its own, so on a database connection of its own; returns the thread."""
    def run():
        try:
            with scopes_disabled():
                work()
        finally:
            connection.close()
    thread = threading.Thread(target=run)
    thread.start()
    return thread


def wait_until(condition, seconds=10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def book_through_service(hotel, room_type, future):
    with scope(hotel=hotel):
        stay = stays.nightly(hotel, future, future + timedelta(days=1), now=timezone.now())
        return services.booking_create(hotel=hotel, room_type=room_type.slug, stay=stay, guests=1,
                                       guest=services.GuestDetails("Anna", "anna@example.com"))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_stay_written_between_the_check_and_the_insert_is_stopped_by_the_constraint(hotel, future):
    """The room-type lock covers every writer that goes through the service; a booking of another type
    placed in this type's room (an upgrade, say) does not take it. If that write commits while the
    service is inserting, the exclusion constraint stops the second stay and the guest gets a 409."""
    std = factories.make_room_type(hotel, slug="std", rooms=1)
    lux = factories.make_room_type(hotel, slug="lux", rooms=0)
    with scopes_disabled():
        room = std.rooms.get()
    upgrade_written, waited = threading.Event(), []

    def upgrade():
        with transaction.atomic():
            end = local(hotel, future + timedelta(days=1), 12)
            Booking.objects.create(
                hotel=hotel, reference="UPGRDE", room_type=lux, room=room, kind="NIGHTLY",
                check_in=future, check_out=future + timedelta(days=1), start=local(hotel, future, 14),
                end=end, blocks_from=local(hotel, future, 14), blocks_until=end,
                status=Status.CONFIRMED, guests=1, guest_name="Upgrade", guest_email="u@example.com",
                locale="en", currency="EUR", subtotal=0, tax=0, total=0, quote={})
            upgrade_written.set()
            # Commit only once the service's INSERT waits on this transaction: it is past its own check.
            # Only a session blocked by this one counts, not any waiting lock on the server (another
            # test run on the same PostgreSQL, say), which would let this commit before the check.
            with connection.cursor() as cursor:
                def service_waits():
                    cursor.execute("SELECT count(*) FROM pg_stat_activity"
                                   " WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))")
                    return cursor.fetchone()[0] > 0
                waited.append(wait_until(service_waits))

    thread = in_another_connection(upgrade)
    assert upgrade_written.wait(10)
    try:
        with pytest.raises(NoAvailability):
            book_through_service(hotel, std, future)
    finally:
        thread.join(15)
    assert waited == [True]
    with scopes_disabled():
        assert list(Booking.objects.values_list("reference", flat=True)) == ["UPGRDE"]
        assert not ActivityLog.objects.filter(subject_type="booking.Booking").exists()  # nothing half-written


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_room_type_locked_for_too_long_is_busy_and_a_503_to_try_again(hotel, future, settings):
    settings.INNKEEPER_BOOKING_LOCK_TIMEOUT_MS = 100
    std = factories.make_room_type(hotel, slug="std", rooms=1)
    locked, release = threading.Event(), threading.Event()

    def hold_the_room_type():
        with transaction.atomic():
            list(RoomType.objects.select_for_update().filter(pk=std.pk))
            locked.set()
            release.wait(30)

    thread = in_another_connection(hold_the_room_type)
    assert locked.wait(10)
    try:
        with pytest.raises(Busy):
            book_through_service(hotel, std, future)
        body = {"room_type": "std", "check_in": str(future), "check_out": str(future + timedelta(days=1)),
                "guests": 1, "guest": guest(1)}
        r = Client().post("/api/v1/hotels/moscow/bookings", json.dumps(body), content_type="application/json")
        assert (r.status_code, r.json()["code"], r["Retry-After"]) == (503, "busy", "1")
    finally:
        release.set()
        thread.join(15)
    with scopes_disabled():
        assert not Booking.objects.exists()
    assert book_through_service(hotel, std, future).status == Status.CONFIRMED  # free again: it books


@pytest.mark.django_db(transaction=True)
def test_on_sqlite_a_database_locked_too_long_is_busy_too(hotel, future, vendor):
    if vendor != "sqlite":
        pytest.skip("PostgreSQL's lock timeout is tested above")
    std = factories.make_room_type(hotel, slug="std", rooms=1)
    locked, release = threading.Event(), threading.Event()

    def hold_the_write_lock():
        with transaction.atomic():  # BEGIN IMMEDIATE: the one writer
            list(RoomType.objects.filter(pk=std.pk))
            locked.set()
            release.wait(30)

    options = connection.settings_dict["OPTIONS"]
    before = options.get("timeout")
    connection.close()
    options["timeout"] = 0.1  # this connection waits 0.1 s for the lock instead of 30
    thread = in_another_connection(hold_the_write_lock)
    try:
        assert locked.wait(10)
        with pytest.raises(Busy):
            book_through_service(hotel, std, future)
    finally:
        release.set()
        thread.join(15)
        connection.close()
        options["timeout"] = before
    with scopes_disabled():
        assert not Booking.objects.exists()
