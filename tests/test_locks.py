"""Keys against a local fake TTLock cloud over HTTP: issue, offline fallback, retries, revoke, re-issue."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django_scopes import scope, scopes_disabled

from innkeeper.booking import selectors, stays
from innkeeper.booking import services as booking_services
from innkeeper.booking.states import Status
from innkeeper.core import activity, dates
from innkeeper.hotels.models import Room
from innkeeper.journey import services as journey
from innkeeper.locks import binding, services
from innkeeper.locks.models import KeyKind, KeyStatus, LockKey
from innkeeper.locks.providers import provider_for
from innkeeper.locks.providers.ttlock import TTLockAccount, TTLockProvider, forget_tokens
from innkeeper.locks.services import operations
from tests import factories
from tests.conftest import local
from tests.fakes.ttlock import CLIENT_ID, CLIENT_SECRET, PASSWORD, USERNAME, FakeTTLockServer
from tests.messaging_helpers import rendered


@pytest.fixture
def cloud(settings):
    forget_tokens()
    with FakeTTLockServer() as (fake, base_url):
        settings.LOCK_PROVIDER = "ttlock"
        settings.TTLOCK = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "username": USERNAME,
                           "password": PASSWORD, "base_url": base_url, "timeout": 1.0}
        yield fake
    forget_tokens()
    assert fake.problems == []  # every request was well-formed


@pytest.fixture
def room_type(hotel):
    rt = factories.make_room_type(hotel, slug="double", turnover_minutes=60)  # room for the 30 min grace
    factories.make_room(rt, number="101", lock_id="L101")
    factories.make_room(rt, number="102", lock_id="L102")
    return rt


@pytest.fixture
def checked_in(hotel, room_type, book, future):
    """A booking whose online check-in is done, with its key queued (not yet processed)."""
    def make(add_ons=(), at=None):
        booking = book(hotel, room_type, future, future + timedelta(days=2), add_ons=add_ons, at=at)
        with scope(hotel=hotel):
            booking = journey.booking_transition(booking=booking, to=Status.CHECKIN_COMPLETED,
                                                          actor="guest")
            with transaction.atomic():
                key = services.keys_issue_for(booking=booking, now=booking.created_at)
        return booking, key
    return make


def process(key, now=None):
    return services.key_process(key_id=key.pk, now=now)


def ms(moment):
    return int(moment.timestamp() * 1000)


def test_a_key_is_created_on_the_lock_through_the_gateway(cloud, checked_in, hotel):
    cloud.add_lock("L101")
    booking, key = checked_in()
    key = process(key)
    assert key.status == KeyStatus.ACTIVE and key.kind == KeyKind.CUSTOM
    [code] = cloud.live_passcodes("L101")
    assert (code.pin, code.name, code.on_lock) == (key.pin, f"{booking.pk}:1", True)
    assert str(code.id) == key.remote_id
    # The window is the stay (14:00 → 12:00 local) widened by the grace, sent in milliseconds.
    assert (code.start, code.end) == (ms(booking.start - timedelta(minutes=30)), ms(booking.end + timedelta(minutes=30)))
    assert key.instructions_due_at is not None
    assert [p["addType"] for p in cloud.calls("/v3/keyboardPwd/add")] == ["2"]
    assert cloud.logins == 1
    # The PIN is stored encrypted, never in clear.
    with scopes_disabled():
        raw = LockKey.objects.filter(pk=key.pk).values_list("pin", flat=True)
        from django.db import connection
        with connection.cursor() as cursor:
            cursor.execute("SELECT pin FROM locks_lockkey WHERE id = %s", [key.pk])
            stored = cursor.fetchone()[0]
    assert key.pin not in stored and list(raw) == [key.pin]


def test_an_active_key_sends_access_instructions_with_the_pin_kept_encrypted(cloud, checked_in, hotel):
    from django.db import connection

    from innkeeper.messaging.models import Message
    cloud.add_lock("L101")
    booking, key = checked_in()
    key = process(key)
    with scopes_disabled():
        sent = {m.channel: rendered(m) for m in Message.objects.filter(booking=booking, type="ACCESS_INSTRUCTIONS")}
    email = sent["EMAIL"]
    assert key.pin in email.body_text and "101" in email.body_text and "/webkey/?token=" in email.body_text
    assert email.variables["pin"] == key.pin and email.occasion == "key-1"
    with connection.cursor() as cursor:
        cursor.execute("SELECT body_text, body_html, variables FROM messaging_message WHERE id = %s", [email.pk])
        row = cursor.fetchone()
    assert all(key.pin not in (column or "") for column in row)  # the outbox keeps the PIN encrypted too


def test_the_locks_app_only_records_a_working_key_and_the_journey_sends_its_instructions(cloud, checked_in, hotel):
    """What follows a key's outcome is the journey's: the keys' outbox kind is registered with its steps, and
    the locks app alone (no steps after it) queues no message."""
    from innkeeper.core import outbox
    from innkeeper.journey.steps import STEPS
    from innkeeper.messaging.models import Message

    cloud.add_lock("L101")
    booking, key = checked_in()
    with scopes_disabled():
        services.keys_process([operations._claim(key.pk, booking.created_at)], booking.created_at)
        key = LockKey.objects.get(pk=key.pk)
        assert (key.status, key.instructions_due_at) == (KeyStatus.ACTIVE, booking.created_at)
        assert not Message.objects.filter(booking=booking).exclude(type="BOOKING_CONFIRMATION").exists()
    assert outbox.kind("lock_key").deliver.keywords == {"then": STEPS}


def test_early_check_in_and_late_check_out_widen_the_window(cloud, checked_in, hotel, settings):
    factories.make_add_on(hotel, "early-check-in", "10")
    factories.make_add_on(hotel, "late-check-out", "10")
    cloud.add_lock("L101")
    booking, key = checked_in(add_ons=["early-check-in", "late-check-out"])
    assert key.valid_from == booking.start - timedelta(minutes=240 + 30)
    assert key.valid_until == booking.end + timedelta(minutes=240 + 30)
    local = key.valid_from.astimezone(hotel.tz)
    assert (local.hour, local.minute) == (9, 30)  # 14:00 check-in, 4 h earlier, 30 min grace


def test_gateway_offline_falls_back_to_an_offline_period_passcode_on_whole_hours(cloud, checked_in, hotel):
    cloud.add_lock("L101", has_gateway=False)
    booking, key = checked_in()
    key = process(key)
    assert key.status == KeyStatus.ACTIVE and key.kind == KeyKind.OFFLINE
    assert "offline period passcode" in key.note and "-2012" in key.note
    [code] = cloud.live_passcodes("L101")
    assert code.custom is False and code.pin == key.pin
    # Starts on the check-in hour (13:30 local with the grace → 13:00), ends on the next whole hour.
    assert (key.valid_from.astimezone(hotel.tz).hour, key.valid_from.minute) == (13, 0)
    assert key.valid_until == booking.end + timedelta(minutes=30) + timedelta(minutes=30)
    assert code.start == ms(key.valid_from) and code.end == ms(key.valid_until)
    assert code.start % 3_600_000 == 0 and code.end % 3_600_000 == 0


def test_a_lock_without_custom_codes_also_gets_an_offline_passcode(cloud, checked_in):
    cloud.add_lock("L101", passcode_version=3)
    _booking, key = checked_in()
    key = process(key)
    assert (key.status, key.kind) == (KeyStatus.ACTIVE, KeyKind.OFFLINE)


def test_a_timeout_after_the_pin_was_made_never_makes_a_second_pin(cloud, checked_in):
    cloud.add_lock("L101")
    cloud.fail_next("/v3/keyboardPwd/add", "timeout")
    booking, key = checked_in()
    key = process(key)
    assert key.status == KeyStatus.PENDING and key.last_error.startswith("timeout")
    assert len(cloud.live_passcodes("L101")) == 1  # it was made; the answer was lost
    assert services.key_process(key_id=key.pk, now=key.next_attempt_at - timedelta(seconds=1)).attempts == 1
    key = process(key, now=key.next_attempt_at)
    assert key.status == KeyStatus.ACTIVE
    [code] = cloud.live_passcodes("L101")
    assert str(code.id) == key.remote_id
    assert len(cloud.calls("/v3/keyboardPwd/add")) == 1  # found by name instead of added again


def test_server_errors_are_retried_with_backoff_until_the_key_is_active(cloud, checked_in):
    cloud.add_lock("L101")
    cloud.fail_next("/v3/keyboardPwd/add", "5xx", times=2)
    _booking, key = checked_in()
    first = process(key)
    assert (first.status, first.attempts, first.last_error) == (KeyStatus.PENDING, 1, "http_502: The lock cloud "
                                                                                      "answered with an error.")
    second = process(key, now=first.next_attempt_at)
    # The outbox's one backoff: 30 s, then 60 s, each with full jitter in [1/2, 1]x.
    assert timedelta(seconds=30) <= second.next_attempt_at - first.next_attempt_at <= timedelta(seconds=60)
    key = process(key, now=second.next_attempt_at)
    assert (key.status, key.attempts, key.last_error) == (KeyStatus.ACTIVE, 3, "")
    assert len(cloud.live_passcodes()) == 1


def test_retryable_failures_end_failed_with_the_reason_after_the_last_attempt(cloud, checked_in, settings):
    settings.LOCKS_MAX_ATTEMPTS = 3
    cloud.add_lock("L101")
    cloud.fail_next("/v3/keyboardPwd/add", -3003, times=5)  # gateway busy
    booking, key = checked_in()
    now = None
    for _ in range(3):
        key = process(key, now=now)
        now = key.next_attempt_at
    assert key.status == KeyStatus.FAILED and key.last_error == "-3003: The gateway is busy."
    assert cloud.live_passcodes() == []
    with scope(hotel=booking.hotel):
        assert activity.history(booking).filter(verb="booking.key_failed").count() == 1
        # Staff try again: the key is made this time.
        key = services.key_retry(key=key, actor="staff@example.com")
    cloud._failures.clear()
    key = process(key)
    assert key.status == KeyStatus.ACTIVE and len(cloud.live_passcodes()) == 1


def test_permanent_errors_fail_at_once(cloud, checked_in):
    cloud.add_lock("L101")
    cloud.fail_next("/v3/keyboardPwd/add", 20002)  # not lock admin
    _booking, key = checked_in()
    key = process(key)
    assert (key.status, key.attempts) == (KeyStatus.FAILED, 1)
    assert key.last_error.startswith("20002")


def test_an_expired_token_is_refreshed_and_the_call_repeated(cloud, checked_in):
    cloud.add_lock("L101")
    _booking, key = checked_in()
    provider = TTLockProvider(TTLockAccount(**__import__("django.conf").conf.settings.TTLOCK))
    provider.find_pin(lock_id="L101", name="nothing")  # logs in
    cloud.expire_tokens()
    key = process(key)
    assert key.status == KeyStatus.ACTIVE
    assert (cloud.logins, cloud.refreshes) == (1, 1)
    cloud.fail_next("/v3/lock/unlock", "expired_token")
    provider.unlock(lock_id="L101")
    assert cloud.unlocks == ["L101"] and cloud.refreshes == 2


def test_each_account_logs_in_for_itself_and_a_token_opens_only_its_users_locks(cloud, hotel, other_hotel,
                                                                                 settings):
    """Two hotels' accounts on one lock cloud, or one account whose password or app secret changed, never
    share a cached token."""
    settings.OUTBOUND_ALLOW_PRIVATE_HOSTS = True  # the hotel's own account points at the local fake cloud
    from innkeeper.locks.providers import LockError, provider_for

    theirs = cloud.add_account("own-app", "own-secret", "own_user", "own-password")
    cloud.add_lock("L101")
    cloud.add_lock("L201", owner=theirs)
    with scopes_disabled():
        account = factories.make_lock_account(hotel, provider="ttlock", client_id="own-app",
                                             client_secret="own-secret", username="own_user",
                                             password="own-password", base_url=settings.TTLOCK["base_url"])
    provider_for(hotel).unlock(lock_id="L201")
    provider_for(other_hotel).unlock(lock_id="L101")  # the install's account
    assert cloud.unlocks == ["L201", "L101"] and cloud.logins == 2
    assert sorted(cloud.grants.values()) == [(CLIENT_ID, USERNAME), ("own-app", "own_user")]
    with pytest.raises(LockError) as foreign:  # a token is its user's: the other account's lock stays shut
        provider_for(other_hotel).unlock(lock_id="L201")
    assert foreign.value.code == "20002" and cloud.unlocks == ["L201", "L101"]

    # The same app and user with another password, then another app secret: each logs in again, and is
    # refused, instead of riding on the token the right credentials got.
    for field, refusal in (("password", "10007"), ("client_secret", "10001")):
        kept = account.config[field]
        account.config = {**account.config, field: "changed"}
        account.save()
        with pytest.raises(LockError) as refused:
            provider_for(hotel).unlock(lock_id="L201")
        assert refused.value.code == refusal
        account.config = {**account.config, field: kept}
        account.save()
    assert cloud.unlocks == ["L201", "L101"] and cloud.logins == 2


def test_cancelling_revokes_the_pin_on_the_lock(cloud, checked_in, hotel):
    cloud.add_lock("L101")
    booking, key = checked_in()
    process(key)
    with scope(hotel=hotel):
        journey.booking_cancel(booking=booking, actor="staff")
    key.refresh_from_db()
    assert key.status == KeyStatus.REVOKING and key.revoke_reason == "cancelled"
    key = process(key)
    assert key.status == KeyStatus.REVOKED and cloud.live_passcodes() == []
    assert [p["deleteType"] for p in cloud.calls("/v3/keyboardPwd/delete")] == ["2"]


def test_a_failed_revocation_is_retried_then_recorded(cloud, checked_in, hotel, settings):
    settings.LOCKS_MAX_ATTEMPTS = 2
    cloud.add_lock("L101")
    booking, key = checked_in()
    process(key)
    cloud.locks["L101"].has_gateway = False
    with scope(hotel=hotel):
        journey.booking_transition(booking=booking, to=Status.CHECKED_IN, actor="staff")
        journey.booking_transition(booking=booking, to=Status.CHECKED_OUT, actor="staff")
    key = process(key)
    assert key.status == KeyStatus.REVOKING and key.last_error.startswith("-2012")
    key = process(key, now=key.next_attempt_at)
    assert key.status == KeyStatus.REVOKE_FAILED
    cloud.locks["L101"].has_gateway = True
    with scope(hotel=hotel):
        key = services.key_retry(key=key, actor="staff")
    key = process(key)
    assert key.status == KeyStatus.REVOKED and cloud.live_passcodes() == []


def test_a_new_room_gets_a_new_pin_and_the_old_one_is_removed(cloud, checked_in, hotel):
    cloud.add_lock("L101")
    cloud.add_lock("L102")
    booking, key = checked_in()
    process(key)
    with scope(hotel=hotel):
        other = booking.room_type.rooms.get(number="102")
        journey.booking_move(booking=booking, room=other, actor="staff")
        old, new = LockKey.objects.filter(booking=booking).order_by("generation")
    assert (old.status, new.status, new.lock_id, new.generation) == (KeyStatus.REVOKING, KeyStatus.PENDING, "L102", 2)
    services.keys_sweep()
    assert [p.lock_id for p in cloud.live_passcodes()] == ["L102"]
    with scopes_disabled():
        assert LockKey.objects.get(pk=new.pk).status == KeyStatus.ACTIVE


def test_new_dates_reissue_the_key_with_the_new_window(cloud, checked_in, hotel, future, now):
    from innkeeper.booking import stays

    cloud.add_lock("L101")
    booking, key = checked_in()
    process(key)
    with scope(hotel=hotel):
        stay = stays.nightly(hotel, future + timedelta(days=1), future + timedelta(days=4), now=now)
        booking = journey.booking_change_stay(booking=booking, stay=stay, actor="staff")
    services.keys_sweep()
    [code] = cloud.live_passcodes()
    assert code.end == ms(booking.end + timedelta(minutes=30))


@pytest.mark.parametrize("gateway", [True, False], ids=["custom PIN", "offline passcode"])
def test_the_same_dates_do_not_reissue(cloud, checked_in, hotel, future, now, gateway):
    from innkeeper.booking import stays

    cloud.add_lock("L101", has_gateway=gateway)
    booking, key = checked_in()
    process(key)
    with scope(hotel=hotel):
        stay = stays.nightly(hotel, future, future + timedelta(days=2), now=now)
        journey.booking_change_stay(booking=booking, stay=stay, guests=2, actor="staff")
        assert LockKey.objects.filter(booking=booking).count() == 1


def test_a_booking_never_has_two_live_keys(cloud, checked_in, hotel):
    booking, key = checked_in()
    with scope(hotel=hotel), transaction.atomic():
        assert services.keys_issue_for(booking=booking, now=booking.created_at) == key
    with scopes_disabled(), pytest.raises(IntegrityError), transaction.atomic():
        LockKey.objects.create(hotel=hotel, booking=booking, room=booking.room, generation=2, idempotency_key="x",
                               window_from=key.window_from, window_until=key.window_until,
                               valid_from=key.valid_from, valid_until=key.valid_until)
    with scopes_disabled(), transaction.atomic():  # the same row is fine once the first key is gone
        LockKey.objects.filter(pk=key.pk).update(status=KeyStatus.REVOKED)
        LockKey.objects.create(hotel=hotel, booking=booking, room=booking.room, generation=2, idempotency_key="x",
                               window_from=key.window_from, window_until=key.window_until,
                               valid_from=key.valid_from, valid_until=key.valid_until)


def test_revoked_while_being_made_removes_the_pin_it_made(cloud, checked_in, hotel):
    cloud.add_lock("L101")
    booking, key = checked_in()
    with scopes_disabled():  # the worker's steps, one by one
        claimed = operations._claim(key.pk, booking.created_at)
        provider = provider_for(hotel)
        outcome = operations._issue(provider, claimed, booking.created_at)  # the PIN is on the lock now...
    with scope(hotel=hotel):
        journey.booking_cancel(booking=booking, actor="staff")  # ...when the booking is cancelled
    with scopes_disabled():
        key = operations._record(key.pk, KeyStatus.PENDING, outcome, None, provider.name, booking.created_at)
    assert key.status == KeyStatus.REVOKING and key.remote_id
    key = process(key)
    assert key.status == KeyStatus.REVOKED and cloud.live_passcodes() == []


def test_offline_window_is_whole_hours_from_the_check_in_hour():
    start = datetime(2027, 3, 10, 10, 30, tzinfo=UTC)
    end = datetime(2027, 3, 12, 9, 30, tzinfo=UTC)
    assert services.offline_window(start, end, start - timedelta(days=3)) == (
        datetime(2027, 3, 10, 10, tzinfo=UTC), datetime(2027, 3, 12, 10, tzinfo=UTC))
    # Checked in late: the code starts this hour, so the 24-hour first-use rule cannot kill it.
    now = datetime(2027, 3, 10, 18, 45, tzinfo=UTC)
    assert services.offline_window(start, end, now)[0] == datetime(2027, 3, 10, 18, tzinfo=UTC)


def test_offline_window_is_whole_hours_on_the_locks_clock_in_a_half_hour_zone():
    from zoneinfo import ZoneInfo

    kolkata = ZoneInfo("Asia/Kolkata")  # UTC+05:30
    start = datetime(2027, 3, 10, 13, 30, tzinfo=kolkata)  # 14:00 check-in, 30 min grace
    end = datetime(2027, 3, 12, 12, 30, tzinfo=kolkata)
    got = services.offline_window(start, end, start - timedelta(days=3), kolkata)
    assert got == (datetime(2027, 3, 10, 13, tzinfo=kolkata), datetime(2027, 3, 12, 13, tzinfo=kolkata))
    assert [moment.astimezone(UTC).minute for moment in got] == [30, 30]  # half past in UTC, whole hours locally


def test_an_offline_passcode_in_a_half_hour_zone_starts_on_a_local_hour(db, cloud, book, now):
    hotel = factories.make_hotel(name="Goa Inn", slug="goa", time_zone="Asia/Kolkata")
    rt = factories.make_room_type(hotel, slug="double", turnover_minutes=60)
    factories.make_room(rt, number="101", lock_id="L-GOA")
    cloud.add_lock("L-GOA", has_gateway=False, timezone_raw_offset=int(5.5 * 3_600_000))
    day = (now + timedelta(days=30)).date()
    booking = book(hotel, rt, day, day + timedelta(days=2))
    with scope(hotel=hotel):
        booking = journey.booking_transition(booking=booking, to=Status.CHECKIN_COMPLETED, actor="guest")
        with transaction.atomic():
            key = services.keys_issue_for(booking=booking, now=now)
    key = process(key)
    assert (key.status, key.kind) == (KeyStatus.ACTIVE, KeyKind.OFFLINE)  # the fake took the bounds
    local_start, local_end = (moment.astimezone(hotel.tz) for moment in (key.valid_from, key.valid_until))
    assert (local_start.hour, local_start.minute, local_end.hour, local_end.minute) == (13, 0, 13, 0)


def test_a_hotels_own_lock_account_overrides_the_install(settings, checked_in, hotel, other_hotel):
    from innkeeper.core.models import IntegrationAccount
    from innkeeper.locks.providers import provider_for
    from innkeeper.simulators.locks import SimulatorProvider

    settings.LOCK_PROVIDER, settings.TTLOCK = "simulator", None
    settings.OUTBOUND_ALLOW_PRIVATE_HOSTS = True  # the hotel's lock cloud is a fake on this machine
    forget_tokens()
    with FakeTTLockServer() as (fake, base_url):
        fake.add_lock("L101")
        with scopes_disabled():
            account = factories.make_lock_account(hotel, provider="ttlock", client_id=CLIENT_ID,
                                                 client_secret=CLIENT_SECRET, username=USERNAME,
                                                 password=PASSWORD, base_url=base_url)
            assert IntegrationAccount.objects.get(kind="lock").config["password"] == PASSWORD
        assert isinstance(provider_for(other_hotel), SimulatorProvider)
        binding.lock_list_refresh(hotel_id=hotel.pk)  # a worker reads the own account's locks
        with scope(hotel=hotel):  # the room takes its lock again, from the hotel's own account
            binding.room_save(hotel=hotel, room=Room.objects.get(number="101"), lock_id="L101")
        _booking, key = checked_in()
        key = process(key)
        assert (key.status, key.provider) == (KeyStatus.ACTIVE, "ttlock")
        assert len(fake.live_passcodes("L101")) == 1 and fake.problems == []
        with connection.cursor() as cursor:
            cursor.execute("SELECT config FROM core_integrationaccount WHERE id = %s", [account.pk])
            assert PASSWORD not in cursor.fetchone()[0]
    forget_tokens()


def test_the_sweep_command_retries_due_keys(cloud, checked_in):
    from io import StringIO

    from django.core.management import call_command

    cloud.add_lock("L101")
    cloud.fail_next("/v3/keyboardPwd/add", "5xx")
    _booking, key = checked_in()
    key = process(key)
    assert key.status == KeyStatus.PENDING
    with scopes_disabled():
        LockKey.objects.filter(pk=key.pk).update(next_attempt_at=key.next_attempt_at - timedelta(minutes=5))
    out = StringIO()
    call_command("keys_sweep", stdout=out)
    assert "1 key operations processed" in out.getvalue()
    key.refresh_from_db()
    assert key.status == KeyStatus.ACTIVE and len(cloud.live_passcodes()) == 1


@pytest.mark.django_db(transaction=True)
def test_workers_racing_for_one_key_make_one_pin(cloud, checked_in):
    import threading

    from django.db import connections

    cloud.add_lock("L101")
    cloud.latency = 0.3  # every worker is inside its lock-cloud call at the same time
    _booking, key = checked_in()
    results, barrier = [], threading.Barrier(4)

    def worker():
        try:
            barrier.wait()
            results.append(services.key_process(key_id=key.pk))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(results) == 4
    with scopes_disabled():
        key = LockKey.objects.get(pk=key.pk)
    assert (key.status, key.attempts) == (KeyStatus.ACTIVE, 1)
    assert len(cloud.calls("/v3/keyboardPwd/add")) == 1 and len(cloud.live_passcodes()) == 1


def test_an_hourly_stay_opens_for_its_hours_plus_the_grace(hotel, room_type, book, future, in_scope):
    from tests.conftest import local

    booking = book(hotel, room_type, start=local(hotel, future, 10).replace(tzinfo=None), hours=3)
    with scope(hotel=hotel):
        start, end = services.key_window(booking)
    assert (start.astimezone(hotel.tz).hour, start.astimezone(hotel.tz).minute) == (9, 30)
    assert end - start == timedelta(hours=4)


# -- the time a stay holds its room: add-ons count, and keys follow ----------------------------------

@pytest.fixture
def one_room(hotel):
    """A room type with a single room, so a stay that does not fit cannot move elsewhere."""
    rt = factories.make_room_type(hotel, slug="single")
    factories.make_room(rt, number="301", lock_id="L301")
    factories.make_add_on(hotel, "early-check-in", "10")
    factories.make_add_on(hotel, "late-check-out", "10")
    return rt


def test_the_next_guest_cannot_book_over_a_late_check_out(hotel, one_room, book, future):
    from innkeeper.booking.errors import NoAvailability

    first = book(hotel, one_room, future, future + timedelta(days=2), add_ons=["late-check-out"])
    # Check-out 12:00, late check-out until 16:00: the room is held until then.
    assert first.blocks_until == first.end + timedelta(hours=4)
    with pytest.raises(NoAvailability):
        book(hotel, one_room, future + timedelta(days=2), future + timedelta(days=3), email="next@example.com")
    with pytest.raises(NoAvailability):  # nor an hourly stay in the afternoon of the late check-out
        book(hotel, one_room, start=local(hotel, future + timedelta(days=2), 14).replace(tzinfo=None), hours=2)
    with scope(hotel=hotel):
        stay = stays.nightly(hotel, future + timedelta(days=2), future + timedelta(days=3), now=first.created_at)
        [offer] = selectors.availability(hotel=hotel, stay=stay, guests=1, now=first.created_at)
    assert (offer.room_type, offer.available) == (one_room, 0)
    # From the end of the late check-out on, the room is free again.
    later = book(hotel, one_room, start=local(hotel, future + timedelta(days=2), 16).replace(tzinfo=None), hours=2)
    assert later.room_id == first.room_id


def test_an_early_check_in_needs_the_room_free_before_the_stay(hotel, one_room, book, future):
    from innkeeper.booking.errors import AddOnUnavailable

    book(hotel, one_room, start=local(hotel, future, 9).replace(tzinfo=None), hours=3)  # until 12:00
    # From 10:00 with early check-in: the stay itself fits, so the guest is told it is the extra that does not.
    with pytest.raises(AddOnUnavailable) as refused:
        book(hotel, one_room, future, future + timedelta(days=1), add_ons=["early-check-in"], email="e@example.com")
    assert refused.value.code == "add_on_unavailable"
    without = book(hotel, one_room, future, future + timedelta(days=1), email="e@example.com")
    assert without.blocks_from == without.start


def test_the_database_refuses_a_stay_over_another_guests_late_check_out(hotel, one_room, book, future):
    """The no-overlap guard watches [blocks_from, blocks_until), whatever the code above does."""
    first = book(hotel, one_room, future, future + timedelta(days=2), add_ons=["late-check-out"])
    second_start = first.end + timedelta(hours=2)  # 14:00, inside the late check-out
    with scopes_disabled(), pytest.raises(IntegrityError), transaction.atomic():
        from innkeeper.booking.models import Booking
        Booking.objects.create(
            hotel=hotel, reference="ZZZZZZ", room_type=one_room, room=first.room, kind="HOURLY",
            check_in=second_start.date(), hours=2, start=second_start, end=second_start + timedelta(hours=2),
            blocks_from=second_start, blocks_until=second_start + timedelta(hours=2), status=Status.CONFIRMED,
            guests=1, guest_name="x", guest_email="x@example.com", locale="en", currency="EUR", subtotal=0, tax=0,
            total=0, quote={})


@pytest.mark.parametrize("turnover", [0, 30, 60, 120])
def test_two_keys_on_one_lock_never_overlap(cloud, hotel, book, future, turnover):
    """Back-to-back guests on one door, the first with a late check-out: the lock never holds two working
    PINs at one moment, whatever the turnover (the grace is at most half of it)."""
    hotel.hourly_start_hour = 0  # room for an early hourly stay before an early check-in
    hotel.save(update_fields=["hourly_start_hour"])
    rt = factories.make_room_type(hotel, slug="tight", turnover_minutes=turnover)
    factories.make_room(rt, number="401", lock_id="L401")
    factories.make_add_on(hotel, "late-check-out", "10")
    factories.make_add_on(hotel, "early-check-in", "10")
    cloud.add_lock("L401")
    first = book(hotel, rt, future, future + timedelta(days=1), add_ons=["late-check-out"])
    after = (first.blocks_until.astimezone(hotel.tz)).replace(tzinfo=None)  # the first moment the room is free
    second = book(hotel, rt, start=after, hours=2, email="second@example.com")
    third = book(hotel, rt, future + timedelta(days=2), future + timedelta(days=3), add_ons=["early-check-in"],
                 email="third@example.com")
    third_hourly_end = (third.blocks_from - timedelta(minutes=turnover)).astimezone(hotel.tz).replace(tzinfo=None)
    fourth = book(hotel, rt, start=third_hourly_end - timedelta(hours=2), hours=2, email="fourth@example.com")
    keys = []
    for booking in (first, second, fourth, third):
        with scope(hotel=hotel):
            booking = journey.booking_transition(booking=booking, to=Status.CHECKIN_COMPLETED,
                                                          actor="guest")
            with transaction.atomic():
                keys.append(services.keys_issue_for(booking=booking, now=booking.created_at))
    for key in keys:
        assert process(key).status == KeyStatus.ACTIVE
    codes = sorted(cloud.live_passcodes("L401"), key=lambda c: c.start)
    assert len(codes) == 4
    for before, after in zip(codes, codes[1:], strict=False):
        assert before.end <= after.start, (before, after)
    grace = min(30, turnover / 2)
    assert codes[0].end == ms(first.end + timedelta(hours=4, minutes=grace))  # the late check-out, then grace


def test_a_longer_late_check_out_set_after_booking_does_not_reach_the_next_guests_key(hotel, book, future, settings):
    rt = factories.make_room_type(hotel, slug="tight", turnover_minutes=60)
    factories.make_room(rt, number="401", lock_id="L401")
    factories.make_add_on(hotel, "late-check-out", "10")
    factories.make_add_on(hotel, "early-check-in", "10")
    first = book(hotel, rt, future, future + timedelta(days=1), add_ons=["late-check-out"])
    second = book(hotel, rt, start=first.blocks_until.astimezone(hotel.tz).replace(tzinfo=None), hours=2,
                  email="second@example.com")
    third = book(hotel, rt, future + timedelta(days=2), future + timedelta(days=3), add_ons=["early-check-in"],
                 email="third@example.com")
    with scope(hotel=hotel):
        as_booked = [services.key_window(b) for b in (first, second, third)]
        settings.LOCKS_LATE_CHECK_OUT_MINUTES += 180  # the operator lengthens both after the bookings were made
        settings.LOCKS_EARLY_CHECK_IN_MINUTES += 180
        now_set = [services.key_window(b) for b in (first, second, third)]
    assert now_set == as_booked  # each window is what its booking holds: the room was not held longer
    assert now_set[0][1] == first.blocks_until - timedelta(minutes=30) <= now_set[1][0]
    assert now_set[1][1] <= now_set[2][0]


# -- what the guest is told ---------------------------------------------------------------------------

@pytest.fixture
def guest_booking(hotel, room_type, future, now):
    """A booking with a phone number in the guest's language, checked in online, its key queued."""
    def make(locale):
        with scope(hotel=hotel):
            stay = stays.nightly(hotel, future, future + timedelta(days=2), now=now)
            booking = journey.booking_create(
                hotel=hotel, room_type=room_type.slug, stay=stay, guests=1, locale=locale,
                guest=booking_services.GuestDetails("Анна Петрова", "anna@example.com", "+7 916 123-45-67"), now=now)
            booking = journey.booking_transition(booking=booking, to=Status.CHECKIN_COMPLETED, actor="guest")
            with transaction.atomic():
                key = services.keys_issue_for(booking=booking, now=now)
        return booking, key
    return make


def instructions(booking):
    from innkeeper.messaging.models import Message

    with scopes_disabled():
        return {m.channel: rendered(m) for m in Message.objects.filter(booking=booking, type="ACCESS_INSTRUCTIONS")}


@pytest.mark.parametrize("locale, email_says, whatsapp_says", [
    ("en", ["Your room is 101.", "The door PIN is {pin}.", "You can also open the door from your phone: {link}"],
     ["Moscow Inn: room 101.", "Door PIN {pin}.", "Open from your phone: {link}"]),
    ("ru", ["Ваш номер — 101.", "Код двери: {pin}.", "Дверь можно открыть и с телефона: {link}"],
     ["Moscow Inn: номер 101.", "Код двери {pin}.", "Открыть с телефона: {link}"]),
])
def test_access_instructions_by_email_and_whatsapp_in_the_guests_language(cloud, guest_booking, locale, email_says,
                                                                         whatsapp_says):
    cloud.add_lock("L101")
    booking, key = guest_booking(locale)
    key = process(key)
    link = services.access_details(key)["web_key_link"]
    assert link.startswith(f"http://moscow.localhost:8000/{locale}/webkey/?token=")
    sent = instructions(booking)
    assert sorted(sent) == ["EMAIL", "WHATSAPP"]
    email, whatsapp = sent["EMAIL"], sent["WHATSAPP"]
    assert (email.locale, whatsapp.locale, whatsapp.recipient) == (locale, locale, "+79161234567")
    assert whatsapp.status != "SKIPPED", whatsapp.last_error
    for text in email_says:
        assert text.format(pin=key.pin, link=link) in email.body_text, email.body_text
    for text in whatsapp_says:
        assert text.format(pin=key.pin, link=link) in whatsapp.body_text, whatsapp.body_text
    # A PIN the guest chose nothing about, made through the gateway: no first-use deadline to tell.
    assert "first time" not in email.body_text + whatsapp.body_text and "Впервые" not in whatsapp.body_text




@pytest.mark.parametrize("locale, email_says, whatsapp_says", [
    ("en", "Important: type the PIN on the door's keypad for the first time before {by}, otherwise it stops working.",
     "Type it on the keypad for the first time before {by}, or it stops working."),
    ("ru", "Важно: впервые введите код на клавиатуре двери до {by}, иначе он перестанет действовать.",
     "Впервые введите его на клавиатуре до {by}, иначе он перестанет действовать."),
])
def test_an_offline_passcode_is_sent_with_its_24_hour_first_use_rule(cloud, guest_booking, hotel, locale, email_says,
                                                                    whatsapp_says):
    cloud.add_lock("L101", has_gateway=False)
    booking, key = guest_booking(locale)
    key = process(key)
    assert key.kind == KeyKind.OFFLINE
    deadline = (key.valid_from + timedelta(hours=24)).astimezone(hotel.tz)
    assert (deadline.hour, deadline.minute, deadline.date()) == (13, 0, booking.check_in + timedelta(days=1))
    by = {"en": f"{deadline:%a}, {deadline:%b} {deadline.day}, {deadline.year}, 13:00",  # as core.dates writes it
          "ru": dates.format_moment(deadline, "ru", tz=hotel.tz)}
    sent = instructions(booking)
    assert email_says.format(by=by[locale]) in sent["EMAIL"].body_text, sent["EMAIL"].body_text
    assert whatsapp_says.format(by=by[locale]) in sent["WHATSAPP"].body_text, sent["WHATSAPP"].body_text
    assert key.pin in sent["WHATSAPP"].body_text
