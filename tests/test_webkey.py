"""The web key (page and API), the demo keypad, the automatic check-out, key rotation of encrypted data."""

from datetime import timedelta
from io import StringIO
from urllib.parse import parse_qs

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from innkeeper.booking.states import Status
from innkeeper.checkin import services as checkin
from innkeeper.core import crypto
from innkeeper.core.errors import TooManyRequests
from innkeeper.hotels.models import Room
from innkeeper.journey import services as journey
from innkeeper.locks import binding, services
from innkeeper.locks.models import KeyStatus, LockKey, UnlockAttempt
from innkeeper.locks.providers.ttlock import forget_tokens
from innkeeper.simulators.models import SimulatedUnlock
from tests import factories
from tests.fakes.ttlock import CLIENT_ID, CLIENT_SECRET, PASSWORD, USERNAME, FakeTTLockServer

HOST = {"HTTP_HOST": "moscow.localhost"}


@pytest.fixture
def room_type(hotel):
    rt = factories.make_room_type(hotel, slug="double", turnover_minutes=60)  # room for the 30 min grace
    factories.make_room(rt, number="101", lock_id="SIM-101")
    factories.make_room(rt, number="102", lock_id="SIM-102")
    return rt


@pytest.fixture
def keyed(hotel, room_type, book, future):
    """A booking checked in online whose key is ACTIVE (simulator), with its web-key token."""
    booking = book(hotel, room_type, future, future + timedelta(days=2))
    with scope(hotel=hotel):
        identity = checkin.clean_identity(legal_name="Anna Petrova", date_of_birth="1990-01-01",
                                          document_number="AB1234567", nationality="RU", today=future)
        booking, key = journey.checkin_complete(booking=booking, identity=identity)
    key = services.key_process(key_id=key.pk)
    assert key.status == KeyStatus.ACTIVE
    return booking, key, services.webkey_token(key)


def inside(booking):
    return time_machine.travel(booking.start + timedelta(hours=2), tick=False)


def attempts():
    with scopes_disabled():
        return list(UnlockAttempt.objects.order_by("id").values_list("channel", "ok", "code"))


def test_access_details_carry_pin_link_room_and_window(keyed, hotel):
    booking, key, token = keyed
    details = services.access_details(key)
    assert details["pin"] == key.pin and len(details["pin"]) == 6
    assert details["room_number"] == "101"
    base, _, query = details["web_key_link"].partition("?")
    assert base == "http://moscow.localhost:8000/en/webkey/"
    # One key, one link: made again a second later it is the same text, so the e-mail and the WhatsApp
    # message carry the same link.
    assert parse_qs(query)["token"] == [token]
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        assert services.access_details(key)["web_key_link"] == details["web_key_link"]
    assert details["valid_from"] == key.valid_from and details["valid_from"].tzinfo.key == "Europe/Moscow"


def test_open_door_on_the_page_unlocks_the_room_and_logs_it(client, keyed):
    booking, key, token = keyed
    with inside(booking):
        page = client.get(f"/en/webkey/?token={token}", **HOST)
        assert page.status_code == 200 and "Open door" in page.text and "101" in page.text
        opened = client.post(f"/en/webkey/?token={token}", **HOST)
    assert opened.status_code == 200 and "The door of room 101 is open" in opened.text
    assert list(SimulatedUnlock.objects.values_list("lock_id", "method")) == [("SIM-101", "remote")]
    assert attempts() == [("web", True, "")]


def test_the_door_code_is_on_the_web_key_page_while_the_key_works(client, keyed, hotel, other_hotel):
    booking, key, token = keyed
    code = f'<dd class="pin">{key.pin}</dd>'
    with time_machine.travel(key.valid_from - timedelta(minutes=5), tick=False):
        assert code in client.get(f"/en/webkey/?token={token}", **HOST).text  # before arrival too
    with inside(booking):
        assert code in client.get(f"/en/webkey/?token={token}", **HOST).text
        elsewhere = client.get(f"/en/webkey/?token={token}", HTTP_HOST="other.localhost")
        forged = client.get(f"/en/webkey/?token={token[:-3]}abc", **HOST)
    assert elsewhere.status_code == forged.status_code == 404
    assert key.pin not in elsewhere.text and key.pin not in forged.text
    with inside(booking), scope(hotel=hotel):
        journey.booking_transition(booking=booking, to=Status.CHECKED_IN, actor="staff")
        journey.booking_transition(booking=booking, to=Status.CHECKED_OUT, actor="staff")
    with inside(booking):
        after = client.get(f"/en/webkey/?token={token}", **HOST)
    assert after.status_code == 410 and key.pin not in after.text
    assert "You have checked out, so this door link no longer works." in after.text


def test_the_web_key_refuses_outside_its_window_and_after_check_out(client, keyed, hotel):
    booking, key, token = keyed
    with time_machine.travel(key.valid_from - timedelta(minutes=5), tick=False):
        waiting = client.get(f"/en/webkey/?token={token}", **HOST)
        early = client.post(f"/en/webkey/?token={token}", **HOST)
    local = key.valid_from.astimezone(hotel.tz)
    opens = f"{local:%a}, {local:%b} {local.day}, {local.year}, {local:%H:%M}"  # the page's one date format
    assert waiting.status_code == 200 and f"The door opens from {opens}." in waiting.text
    assert "Open door</button>" not in waiting.text
    assert early.status_code == 409 and "The door opens from" in early.text
    with inside(booking), scope(hotel=hotel):
        journey.booking_transition(booking=booking, to=Status.CHECKED_IN, actor="staff")
        journey.booking_transition(booking=booking, to=Status.CHECKED_OUT, actor="staff")
    with inside(booking):
        after = client.post(f"/en/webkey/?token={token}", **HOST)
    assert after.status_code == 410 and "You have checked out, so this door link no longer works." in after.text
    with time_machine.travel(key.valid_until + timedelta(minutes=1), tick=False):
        late = client.get(f"/en/webkey/?token={token}", **HOST)
    assert late.status_code == 410 and "no longer works" in late.text
    assert not SimulatedUnlock.objects.exists()
    assert attempts() == [("web", False, "too_early"), ("web", False, "booking_not_checked_in")]


def test_a_moved_booking_refuses_the_old_rooms_link(client, keyed, hotel):
    booking, key, token = keyed
    with scope(hotel=hotel):
        journey.booking_move(booking=booking, room=booking.room_type.rooms.get(number="102"), actor="staff")
    with inside(booking):
        moved = client.post(f"/en/webkey/?token={token}", **HOST)
    assert moved.status_code == 409 and "has been replaced" in moved.text


def test_links_are_bound_to_their_hotel_and_signature(client, keyed):
    booking, key, token = keyed
    with inside(booking):
        assert client.get(f"/en/webkey/?token={token}", HTTP_HOST="other.localhost").status_code == 404
        assert client.get(f"/en/webkey/?token={token[:-3]}abc", **HOST).status_code == 404
        forged = services.webkey_token(LockKey(pk=key.pk, booking_id=key.booking_id, room_id=key.room_id + 1,
                                               valid_until=key.valid_until))
        assert client.post("/api/v1/webkey/unlock", {"token": forged}, content_type="application/json"
                           ).status_code == 404


def test_unlocks_are_rate_limited(client, keyed, settings):
    settings.WEBKEY_UNLOCKS_PER_MINUTE = 3
    booking, key, token = keyed
    with inside(booking):
        codes = [client.post("/api/v1/webkey/unlock", {"token": token}, content_type="application/json").status_code
                 for _ in range(4)]
        limited = client.post(f"/en/webkey/?token={token}", **HOST)
    assert codes == [200, 200, 200, 429] and limited.status_code == 429
    assert "Too many attempts" in limited.text
    assert SimulatedUnlock.objects.count() == 3
    assert [a[2] for a in attempts()] == ["", "", "", "rate_limited", "rate_limited"]


def test_the_limit_is_kept_in_the_database_not_in_one_process(client, keyed, settings):
    """Presses logged by any process count: clearing this process's cache changes nothing, and presses
    another worker logged (rows in UnlockAttempt) count like this one's."""
    settings.WEBKEY_UNLOCKS_PER_MINUTE = 3
    booking, key, token = keyed
    with inside(booking) as moment:
        now = booking.start + timedelta(hours=2)
        with scopes_disabled():
            for seconds in (50, 30):  # two presses another web process logged in the last minute
                UnlockAttempt.objects.create(hotel=key.hotel, booking=booking, key=key, channel="web",
                                             ip="192.0.2.9", ok=True, at=now - timedelta(seconds=seconds))
            UnlockAttempt.objects.create(hotel=key.hotel, booking=booking, key=key, channel="web",  # too old
                                         ip="192.0.2.9", ok=True, at=now - timedelta(seconds=61))
        assert unlock(client, token).status_code == 200
        cache.clear()
        limited = unlock(client, token)
        assert limited.status_code == 429
        assert limited["Retry-After"] == "11"  # the press logged 50 s ago leaves the minute in 10 s
        moment.shift(timedelta(seconds=11))
        assert unlock(client, token).status_code == 200
    assert SimulatedUnlock.objects.count() == 2


def unlock(client, token, **meta):
    return client.post("/api/v1/webkey/unlock", {"token": token}, content_type="application/json", **meta)


def test_each_client_address_is_limited_also_for_made_up_links(client, keyed, settings):
    settings.WEBKEY_UNLOCKS_PER_MINUTE_PER_IP = 3
    booking, key, token = keyed
    with inside(booking):
        guessing = [unlock(client, f"guess-{n}", REMOTE_ADDR="203.0.113.7").status_code for n in range(4)]
        # The guesser's address is now refused even with a real link; the guest elsewhere is not.
        assert unlock(client, token, REMOTE_ADDR="203.0.113.7").status_code == 429
        assert unlock(client, token, REMOTE_ADDR="198.51.100.20").status_code == 200
    assert guessing == [404, 404, 404, 429]
    with scopes_disabled():
        assert list(UnlockAttempt.objects.filter(ip="203.0.113.7").values_list("code", flat=True)) == [
            "not_found", "not_found", "not_found", "rate_limited", "rate_limited"]


def test_x_forwarded_for_counts_only_behind_a_trusted_proxy(client, keyed, settings):
    settings.WEBKEY_UNLOCKS_PER_MINUTE_PER_IP = 2
    booking, key, token = keyed
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    with inside(booking):
        # No trusted proxy (the default): a made-up header changes nothing; the limit is per connection.
        settings.TRUSTED_PROXY_COUNT = 0
        spoofed = [unlock(client, "x", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}", **proxy).status_code
                   for n in range(3)]
        assert spoofed == [404, 404, 429]
        # One trusted proxy: each guest behind it has their own limit, read from the entry it added;
        # what a client wrote into the header itself (the left entries) is not believed.
        settings.TRUSTED_PROXY_COUNT = 1
        anna = [unlock(client, "x", HTTP_X_FORWARDED_FOR=f"6.6.6.{n}, 192.0.2.10", **proxy).status_code
                for n in range(3)]
        assert anna == [404, 404, 429]
        assert unlock(client, token, HTTP_X_FORWARDED_FOR="192.0.2.11", **proxy).status_code == 200
    with scopes_disabled():
        assert list(UnlockAttempt.objects.values_list("ip", flat=True)) == [
            "10.0.0.2"] * 3 + ["192.0.2.10"] * 3 + ["192.0.2.11"]


@pytest.mark.parametrize("count, forwarded, remote, expected", [
    (0, "198.51.100.1", "10.0.0.2", "10.0.0.2"),
    (1, "198.51.100.1", "10.0.0.2", "198.51.100.1"),
    (1, "6.6.6.6, 198.51.100.1", "10.0.0.2", "198.51.100.1"),
    (2, "6.6.6.6, 198.51.100.1, 10.0.0.9", "10.0.0.2", "198.51.100.1"),
    (2, "198.51.100.1", "10.0.0.2", "10.0.0.2"),  # fewer hops than proxies: the header is not ours
    (1, "not-an-address", "10.0.0.2", "10.0.0.2"),
    (1, "", "2001:db8::1", "2001:db8::1"),
])
def test_client_ip(rf, settings, count, forwarded, remote, expected):
    from innkeeper.core.http import client_ip

    settings.TRUSTED_PROXY_COUNT = count
    request = rf.get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR=remote)
    assert client_ip(request) == expected


def test_trusted_proxy_count_is_checked_at_start_up(tmp_path):
    from django.core.exceptions import ImproperlyConfigured

    from innkeeper import config

    assert config.load(tmp_path, {"TRUSTED_PROXY_COUNT": "1"}).trusted_proxy_count == 1
    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXY_COUNT is invalid"):
        config.load(tmp_path, {"TRUSTED_PROXY_COUNT": "-1"})


def test_the_api_has_the_same_checks(client, keyed, hotel):
    booking, key, token = keyed
    with inside(booking):
        ok = client.post("/api/v1/webkey/unlock", {"token": token}, content_type="application/json")
        assert ok.status_code == 200 and ok.json() == {"opened": True, "room": "101"}
        bad = client.post("/api/v1/webkey/unlock", {"token": "garbage"}, content_type="application/json")
        assert bad.status_code == 404
        assert client.post("/api/v1/webkey/unlock", {}, content_type="application/json").status_code == 422
        with scope(hotel=hotel):
            journey.booking_cancel(booking=booking, actor="staff")
        refused = client.post("/api/v1/webkey/unlock", {"token": token}, content_type="application/json")
    assert (refused.status_code, refused.json()["code"]) == (409, "booking_not_checked_in")
    assert attempts() == [("api", True, ""), ("api", False, "not_found"), ("api", False, "booking_not_checked_in")]


def test_the_web_key_reaches_the_ttlock_cloud(client, keyed, hotel, settings):
    booking, key, token = keyed
    forget_tokens()
    with FakeTTLockServer() as (cloud, base_url):
        settings.LOCK_PROVIDER = "ttlock"
        settings.TTLOCK = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "username": USERNAME,
                           "password": PASSWORD, "base_url": base_url, "timeout": 1.0}
        cloud.add_lock("SIM-101")
        binding.lock_list_refresh(hotel_id=hotel.pk)  # a worker reads the TTLock account's locks
        with scope(hotel=hotel):  # the install's account is now TTLock's: the room takes its lock from it
            binding.room_save(hotel=hotel, room=Room.objects.get(number="101"), lock_id="SIM-101")
        with inside(booking):
            assert client.post("/api/v1/webkey/unlock", {"token": token},
                               content_type="application/json").status_code == 200
            cloud.locks["SIM-101"].has_gateway = False
            offline = client.post(f"/en/webkey/?token={token}", **HOST)
        assert cloud.unlocks == ["SIM-101"] and cloud.problems == []
    forget_tokens()
    assert offline.status_code == 409 and "use your PIN on the keypad" in offline.text
    with scopes_disabled():
        assert UnlockAttempt.objects.order_by("id").last().detail == "-2012"


def test_the_demo_keypad_opens_with_the_pin_until_it_is_revoked(client, keyed, hotel):
    booking, key, token = keyed
    with inside(booking):
        assert "Keypad of room 101" in client.get("/en/demo/keypad/101/", **HOST).text
        assert client.post("/en/demo/keypad/101/", {"pin": "000000" if key.pin != "000000" else "111111"},
                           **HOST).status_code == 403
        assert client.post("/en/demo/keypad/102/", {"pin": key.pin}, **HOST).status_code == 403
        opened = client.post("/en/demo/keypad/101/", {"pin": key.pin}, **HOST)
        assert opened.status_code == 200 and "the door is open" in opened.text
        with scope(hotel=hotel):
            journey.booking_cancel(booking=booking, actor="staff")
        services.keys_sweep()
        assert client.post("/en/demo/keypad/101/", {"pin": key.pin}, **HOST).status_code == 403
    assert client.get("/en/demo/keypad/999/", **HOST).status_code == 404


def test_automatic_check_out_revokes_keys_nobody_revoked(keyed, settings):
    booking, key, token = keyed
    assert journey.stays_check_out(now=booking.end) == 0  # not yet: an hour after the end
    assert journey.stays_check_out(now=booking.end + timedelta(minutes=61)) == 1
    with scopes_disabled():
        booking.refresh_from_db()
        key.refresh_from_db()
    assert booking.status == Status.CHECKED_OUT and key.status == KeyStatus.REVOKING
    services.keys_sweep(now=booking.end + timedelta(minutes=61))
    key.refresh_from_db()
    assert key.status == KeyStatus.REVOKED
    settings.LOCKS_AUTO_CHECK_OUT = False
    assert journey.stays_check_out(now=booking.end + timedelta(days=3)) == 0


def test_automatic_check_out_waits_for_a_paid_late_check_out(hotel, room_type, book, future, settings):
    factories.make_add_on(hotel, "late-check-out", "15")
    booking = book(hotel, room_type, future, future + timedelta(days=2))
    with scope(hotel=hotel):
        identity = checkin.clean_identity(legal_name="Anna Petrova", date_of_birth="1990-01-01",
                                          document_number="AB1234567", nationality="RU", today=future)
        booking, key = journey.checkin_complete(booking=booking, identity=identity, add_ons=["late-check-out"])
    key = services.key_process(key_id=key.pk)
    late = timedelta(minutes=settings.LOCKS_LATE_CHECK_OUT_MINUTES)
    delay = timedelta(minutes=settings.LOCKS_AUTO_CHECK_OUT_AFTER_MINUTES)
    assert key.valid_until > booking.end + late  # the PIN works until the late check-out (and the grace)
    # An hour after the ordinary check-out the guest is still in the room they paid for until later.
    with CaptureQueriesContext(connection) as looked:
        assert journey.stays_check_out(now=booking.end + delay + timedelta(minutes=1)) == 0
    assert len(looked) == 2  # the candidates and their extras, however many stays wait for a late check-out
    assert journey.stays_check_out(now=booking.end + late + delay - timedelta(minutes=1)) == 0
    with scopes_disabled():
        assert LockKey.objects.get(pk=key.pk).status == KeyStatus.ACTIVE
    assert journey.stays_check_out(now=booking.end + late + delay) == 1
    with scopes_disabled():
        booking.refresh_from_db()
        assert booking.status == Status.CHECKED_OUT
        assert LockKey.objects.get(pk=key.pk).status == KeyStatus.REVOKING


def test_the_beat_schedule_sweeps_keys_and_checks_out_ended_stays(keyed, django_capture_on_commit_callbacks):
    from innkeeper import celery_app

    celery_app.loader.import_default_modules()  # what a worker does at start: find every app's tasks
    schedule = celery_app.conf.beat_schedule
    assert {name: (schedule[name]["task"], schedule[name]["schedule"])
            for name in ("locks-keys-sweep", "journey-auto-check-out")} == {
        "locks-keys-sweep": ("locks.keys_sweep", 60.0), "journey-auto-check-out": ("journey.auto_check_out", 900.0)}
    assert "locks.key_process" in celery_app.tasks
    booking, key, _token = keyed
    with time_machine.travel(booking.end + timedelta(minutes=61), tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        celery_app.tasks[schedule["journey-auto-check-out"]["task"]]()  # what the worker runs when beat fires
        with scopes_disabled():
            # The check-out rang the outbox's doorbell; the lock call is the next task's job.
            assert LockKey.objects.get(pk=key.pk).status == KeyStatus.REVOKING
        celery_app.tasks["core.outbox_process"]("lock_key", [key.pk])  # the task the doorbell queued
    with scopes_disabled():
        booking.refresh_from_db()
        assert (booking.status, LockKey.objects.get(pk=key.pk).status) == (Status.CHECKED_OUT, KeyStatus.REVOKED)


def test_rotating_the_encryption_key_keeps_every_secret_readable(keyed, settings):
    from cryptography.fernet import Fernet

    booking, key, token = keyed
    old = settings.FIELD_ENCRYPTION_KEYS[0]
    new = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    call_command("reencrypt_fields", stdout=StringIO())
    settings.FIELD_ENCRYPTION_KEYS = [new]  # the old key is gone
    with scopes_disabled():
        assert LockKey.objects.get(pk=key.pk).pin == key.pin
        assert booking.guest_identity.__class__.objects.get(booking=booking).document_number == "AB1234567"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pin FROM locks_lockkey WHERE id = %s", [key.pk])
        assert Fernet(new).decrypt(cursor.fetchone()[0].encode()).decode() == key.pin
    settings.FIELD_ENCRYPTION_KEYS = [old]
    with pytest.raises(ValueError), scopes_disabled():
        LockKey.objects.get(pk=key.pk)
    assert crypto.mask("AB1234567") == "••••••567"


def test_the_task_wrappers_call_the_services(keyed, hotel):
    from innkeeper.locks import tasks

    booking, key, _token = keyed
    with scope(hotel=hotel):
        journey.booking_cancel(booking=booking, actor="staff")
    tasks.key_process_task(key.pk)  # the task body, run here as a worker would
    key.refresh_from_db()
    assert key.status == KeyStatus.REVOKED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_presses_at_once_open_the_door_exactly_as_often_as_the_limit(keyed, other_hotel, settings):
    """Each press on a thread and database connection of its own, all let go at once."""
    import threading

    from django.db import connection as thread_connection

    settings.WEBKEY_UNLOCKS_PER_MINUTE = 5
    booking, key, token = keyed
    theirs = factories.make_room_type(other_hotel, slug="double")
    factories.make_room(theirs, number="101", lock_id="SIM-OTHER-101")
    gate, results = threading.Barrier(20), []

    def press(n):
        try:
            gate.wait()
            services.webkey_unlock(token=token, channel="api", ip=f"198.51.100.{n}")
            results.append("opened")
        except TooManyRequests:
            results.append("limited")
        finally:
            thread_connection.close()

    with time_machine.travel(booking.start + timedelta(hours=2), tick=True):
        threads = [threading.Thread(target=press, args=(n,)) for n in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert sorted(results) == ["limited"] * 15 + ["opened"] * 5
    assert SimulatedUnlock.objects.filter(lock_id="SIM-101").count() == 5
    with scopes_disabled():
        codes = sorted(UnlockAttempt.objects.filter(key=key).values_list("code", flat=True))
        assert codes == [""] * 5 + ["rate_limited"] * 15
        assert not UnlockAttempt.objects.filter(hotel=other_hotel).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_press_that_waits_too_long_for_its_key_is_503_on_the_page_and_the_api(client, keyed, other_hotel,
                                                                              settings):
    from tests.conftest import locked_elsewhere

    settings.INNKEEPER_BOOKING_LOCK_TIMEOUT_MS = 200
    booking, key, token = keyed
    with inside(booking), locked_elsewhere(lambda: LockKey.objects.select_for_update().filter(pk=key.pk)):
        page = client.post(f"/en/webkey/?token={token}", **HOST)
        api = unlock(client, token)
    assert page.status_code == 503 and "very busy" in page.text
    assert (api.status_code, api["Retry-After"], api.json()["code"]) == (503, "1", "busy")
    assert not SimulatedUnlock.objects.exists()
    with inside(booking):
        assert unlock(client, token).status_code == 200  # once the key is free, the press goes through


def test_a_key_still_being_made_shows_as_being_prepared_and_the_page_refreshes_itself(
        client, hotel, other_hotel, room_type, book, future):
    booking = book(hotel, room_type, future, future + timedelta(days=2))
    with scope(hotel=hotel):
        identity = checkin.clean_identity(legal_name="Anna Petrova", date_of_birth="1990-01-01",
                                          document_number="AB1234567", nationality="RU", today=future)
        booking, key = journey.checkin_complete(booking=booking, identity=identity)
    token = services.webkey_token(key)
    with inside(booking):
        waiting = client.get(f"/en/webkey/?token={token}", **HOST)
        elsewhere = client.get(f"/en/webkey/?token={token}", HTTP_HOST="other.localhost")
    assert waiting.status_code == 200 and "Your door code is being prepared." in waiting.text
    assert '<meta http-equiv="refresh" content="5">' in waiting.text
    assert "Open door" not in waiting.text and key.pin not in waiting.text and "replaced" not in waiting.text
    assert elsewhere.status_code == 404 and "being prepared" not in elsewhere.text
    services.key_process(key_id=key.pk)  # the worker's turn
    with inside(booking):
        ready = client.get(f"/en/webkey/?token={token}", **HOST)
    assert ready.status_code == 200 and "Open door" in ready.text and 'http-equiv="refresh"' not in ready.text
    assert f'<dd class="pin">{key.pin}</dd>' in ready.text
