"""TTLock app keys (eKeys) beside the PIN, through the key lifecycle, against the local fake TTLock cloud over
HTTP: sent at check-in for the PIN's window, moved with the stay (key/changePeriod), replaced for a new room,
deleted when the stay ends; a refusal leaves the PIN and the web key working and tells staff why."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from innkeeper.booking import services as booking_services
from innkeeper.booking import stays
from innkeeper.booking.models import Booking
from innkeeper.booking.states import Status
from innkeeper.checkin import services as checkin
from innkeeper.core.models import ActivityLog
from innkeeper.journey import services as journey
from innkeeper.locks import services
from innkeeper.locks.models import KeyMethod, KeyStatus, LockKey
from innkeeper.locks.providers import app_keys_for
from innkeeper.locks.providers.ttlock import forget_tokens
from innkeeper.locks.services import operations
from innkeeper.messaging.models import Message
from tests import factories
from tests.conftest import local
from tests.factories import PASSWORD as STAFF_PASSWORD
from tests.fakes.ttlock import CLIENT_ID, CLIENT_SECRET, PASSWORD, USERNAME, FakeTTLockServer
from tests.messaging_helpers import rendered

GRACE = timedelta(minutes=30)


@pytest.fixture
def cloud(settings):
    """The install's lock account is TTLock (the fake), with app keys on for every hotel that has no account
    of its own."""
    forget_tokens()
    with FakeTTLockServer() as (fake, base_url):
        settings.LOCK_PROVIDER = "ttlock"
        settings.TTLOCK = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "username": USERNAME,
                           "password": PASSWORD, "base_url": base_url, "timeout": 1.0}
        settings.TTLOCK_APP_KEYS, settings.TTLOCK_APP_KEYS_REMOTE_UNLOCK = True, False
        settings.OUTBOUND_ALLOW_PRIVATE_HOSTS = True  # a hotel's own account may point at the fake too
        fake.add_lock("L101")
        fake.add_lock("L102")
        fake.add_lock("L201")
        yield fake
    forget_tokens()
    assert fake.problems == []  # every request was well-formed


@pytest.fixture
def room_type(hotel, cloud):
    rt = factories.make_room_type(hotel, slug="double", turnover_minutes=60)
    factories.make_room(rt, number="101", lock_id="L101")
    factories.make_room(rt, number="102", lock_id="L102")
    return rt


def complete_check_in(hotel, room_type_slug, day, *, email="anna@example.com", phone="+7 916 123-45-67"):
    """A two-night booking whose guest completed online check-in (which queues the keys). ``email`` "": a
    booking that came without one (a PMS's)."""
    with scope(hotel=hotel):
        stay = stays.nightly(hotel, day, day + timedelta(days=2), now=timezone.now())
        booking = journey.booking_create(
            hotel=hotel, room_type=room_type_slug, stay=stay, guests=1, locale="en",
            guest=booking_services.GuestDetails("Anna Petrova", email or "anna@example.com", phone))
        if not email:
            Booking.objects.filter(pk=booking.pk).update(guest_email="")
            booking.refresh_from_db()
        identity = checkin.clean_identity(legal_name="Anna Petrova", date_of_birth="1990-05-17",
                                          document_number="751234567", nationality="RU", today=day)
        booking, _pin = journey.checkin_complete(booking=booking, identity=identity)
    return booking


@pytest.fixture
def checked_in(hotel, room_type, future):
    return complete_check_in(hotel, room_type.slug, future)


def keys(booking, method=None):
    with scopes_disabled():
        rows = LockKey.objects.filter(booking_id=booking.pk).order_by("method", "generation")
        return list(rows.filter(method=method) if method else rows)


def app_key(booking) -> LockKey:
    return keys(booking, KeyMethod.APP)[-1]


def pin_key(booking) -> LockKey:
    return keys(booking, KeyMethod.PIN)[-1]


def ms(moment):
    return int(moment.timestamp() * 1000)


def window_of(booking):
    """The key window (the stay window widened by the grace), read as the booking is now."""
    with scope(hotel=booking.hotel):
        booking = Booking.objects.get(pk=booking.pk)
        return services.key_window(booking), (booking.window.start, booking.window.end)


def access_messages(booking, occasion="key-1"):
    with scopes_disabled():
        return {m.channel: rendered(m) for m in Message.objects.filter(
            booking_id=booking.pk, type="ACCESS_INSTRUCTIONS", occasion=occasion)}


def verbs(booking):
    with scopes_disabled():
        return list(ActivityLog.objects.filter(subject_id=str(booking.pk), verb__startswith="booking.app_key")
                    .order_by("id").values_list("verb", flat=True))


def test_completing_check_in_sends_an_app_key_for_the_pins_window(cloud, checked_in, hotel):
    booking = checked_in
    queued_app, queued_pin = app_key(booking), pin_key(booking)
    assert (queued_app.status, queued_app.generation, queued_app.receiver) == (KeyStatus.PENDING, 1, "anna@example.com")
    assert queued_app.idempotency_key == f"{booking.pk}:app:1" and queued_pin.idempotency_key == f"{booking.pk}:1"
    assert queued_app.pk < queued_pin.pk  # written first, so a worker takes it first
    assert cloud.calls("/v3/key/send") == []  # a worker's job, never the guest's request

    assert services.keys_sweep() == 2
    app, pin = app_key(booking), pin_key(booking)
    assert (app.status, pin.status) == (KeyStatus.ACTIVE, KeyStatus.ACTIVE)
    [ekey] = cloud.live_ekeys("L101")
    [code] = cloud.live_passcodes("L101")
    window, stay = window_of(booking)
    assert window == (stay[0] - GRACE, stay[1] + GRACE)
    assert (ekey.start, ekey.end) == (code.start, code.end) == (ms(window[0]), ms(window[1]))
    assert (ekey.receiver, ekey.name, ekey.remote_enable) == ("anna@example.com", f"Moscow Inn {booking.reference}",
                                                              False)
    assert app.remote_id == str(ekey.id) and "anna@example.com" in cloud.app_users
    [sent] = cloud.calls("/v3/key/send")
    assert (sent["createUser"], sent["remoteEnable"]) == ("1", "2")
    assert verbs(booking) == ["booking.app_key_queued", "booking.app_key_active"]

    # The access instructions say how to open the door with the app, and the account's first password.
    messages = access_messages(booking)
    email, whatsapp = messages["EMAIL"].body_text, messages["WHATSAPP"].body_text
    assert ("Or open it with the TTLock app (from the App Store or Google Play): sign in as anna@example.com; "
            "your key to the room is there.") in email
    assert "its first password is the last six characters of that name (le.com). Please change it in the app." \
        in email
    assert "The PIN and the app key work from" in email
    assert "Or in the TTLock app: sign in as anna@example.com (new account: password le.com, change it)." in whatsapp
    assert whatsapp.count("http") == 1  # still one link: the web key's


def test_the_app_key_opens_remotely_only_when_the_hotel_allows_it(cloud, room_type, hotel, future, settings):
    settings.TTLOCK_APP_KEYS_REMOTE_UNLOCK = True
    booking = complete_check_in(hotel, room_type.slug, future)
    services.keys_sweep()
    assert app_key(booking).remote_unlock is True
    assert cloud.live_ekeys("L101")[0].remote_enable is True
    assert [p["remoteEnable"] for p in cloud.calls("/v3/key/send")] == ["1"]


def test_a_guest_without_an_e_mail_gets_the_key_on_their_phone_in_e164(cloud, room_type, hotel, future):
    booking = complete_check_in(hotel, room_type.slug, future, email="", phone="+7 (916) 123-45-67")
    assert app_key(booking).receiver == "+79161234567"
    services.keys_sweep()
    assert [k.receiver for k in cloud.live_ekeys()] == ["+79161234567"]
    assert "(new account: password 234567, change it)" in access_messages(booking)["WHATSAPP"].body_text


def test_a_guest_with_neither_gets_no_app_key_and_staff_are_told(cloud, room_type, hotel, future):
    booking = complete_check_in(hotel, room_type.slug, future, email="", phone="")
    assert keys(booking, KeyMethod.APP) == [] and pin_key(booking).status == KeyStatus.PENDING
    assert verbs(booking) == ["booking.app_key_skipped"]


def test_a_changed_stay_moves_the_app_key_instead_of_sending_another(cloud, checked_in, hotel, future, now):
    booking = checked_in
    services.keys_sweep()
    sent_id = app_key(booking).remote_id
    with scope(hotel=hotel):
        stay = stays.nightly(hotel, future + timedelta(days=1), future + timedelta(days=4), now=now)
        booking = journey.booking_change_stay(booking=booking, stay=stay, actor="staff")
    moving = app_key(booking)
    assert (moving.status, moving.generation, moving.remote_id) == (KeyStatus.MOVING, 1, sent_id)
    assert pin_key(booking).generation == 2  # the PIN is re-issued, the app key moves

    services.keys_sweep()
    app = app_key(booking)
    window, _stay = window_of(booking)
    assert (app.status, app.remote_id, (app.valid_from, app.valid_until)) == (KeyStatus.ACTIVE, sent_id, window)
    ekey = cloud.ekeys[int(sent_id)]
    assert (ekey.start, ekey.end, ekey.deleted) == (ms(window[0]), ms(window[1]), False)
    assert [p["keyId"] for p in cloud.calls("/v3/key/changePeriod")] == [sent_id]
    assert len(cloud.calls("/v3/key/send")) == 1 and len(cloud.live_ekeys()) == 1  # no second key was sent
    [code] = cloud.live_passcodes()
    assert (code.start, code.end) == (ekey.start, ekey.end)  # the new PIN and the moved key agree
    assert "sign in as anna@example.com" in access_messages(booking, "key-2")["EMAIL"].body_text
    assert verbs(booking)[-2:] == ["booking.app_key_move_queued", "booking.app_key_moved"]


def test_a_stay_changed_while_its_app_key_is_being_sent_moves_it_afterwards(cloud, checked_in, hotel, future):
    booking = checked_in
    now = timezone.now()
    with scopes_disabled():
        claimed = operations._claim(app_key(booking).pk, now)  # a worker took it and is talking to the cloud
    with scope(hotel=hotel):
        stay = stays.nightly(hotel, future, future + timedelta(days=3), now=now)
        booking = journey.booking_change_stay(booking=booking, stay=stay, actor="staff")
    assert app_key(booking).status == KeyStatus.PENDING  # left to the worker under way
    services.keys_process([claimed], now)  # it sends the times it read: the old ones
    assert app_key(booking).status == KeyStatus.MOVING
    services.keys_sweep()
    window, _stay = window_of(booking)
    [ekey] = cloud.live_ekeys()
    assert app_key(booking).status == KeyStatus.ACTIVE and (ekey.start, ekey.end) == (ms(window[0]), ms(window[1]))
    assert len(cloud.calls("/v3/key/send")) == 1


def test_a_new_room_deletes_the_app_key_and_sends_one_for_the_new_lock(cloud, checked_in, hotel):
    booking = checked_in
    services.keys_sweep()
    old = app_key(booking)
    with scope(hotel=hotel):
        journey.booking_move(booking=booking, room=booking.room_type.rooms.get(number="102"), actor="staff")
    first, second = keys(booking, KeyMethod.APP)
    assert (first.status, second.status, second.lock_id, second.generation) == (
        KeyStatus.REVOKING, KeyStatus.PENDING, "L102", 2)
    services.keys_sweep()
    assert [p["keyId"] for p in cloud.calls("/v3/key/delete")] == [old.remote_id]
    assert cloud.ekeys[int(old.remote_id)].deleted
    assert [(k.lock_id, k.receiver) for k in cloud.live_ekeys()] == [("L102", "anna@example.com")]
    assert (app_key(booking).status, keys(booking, KeyMethod.APP)[0].status) == (KeyStatus.ACTIVE, KeyStatus.REVOKED)
    assert cloud.calls("/v3/key/changePeriod") == []


def end_by_cancelling(booking, hotel):
    with scope(hotel=hotel):
        journey.booking_cancel(booking=booking, actor="staff")


def end_by_checking_out(booking, hotel):
    with scope(hotel=hotel):
        booking = journey.booking_transition(booking=booking, to=Status.CHECKED_IN, actor="staff")
        journey.booking_transition(booking=booking, to=Status.CHECKED_OUT, actor="staff")


def end_by_staff_revoking(booking, hotel):
    with scope(hotel=hotel):
        assert services.keys_revoke_by_staff(booking=booking, actor="staff") == 2


@pytest.mark.parametrize("end", [end_by_cancelling, end_by_checking_out, end_by_staff_revoking],
                         ids=["cancellation", "check-out", "staff revoke"])
def test_the_end_of_a_stay_deletes_the_app_key_with_the_pin(cloud, checked_in, hotel, end):
    booking = checked_in
    services.keys_sweep()
    sent_id = app_key(booking).remote_id
    end(booking, hotel)
    assert app_key(booking).status == KeyStatus.REVOKING
    services.keys_sweep()
    assert (app_key(booking).status, pin_key(booking).status) == (KeyStatus.REVOKED, KeyStatus.REVOKED)
    assert [p["keyId"] for p in cloud.calls("/v3/key/delete")] == [sent_id]
    assert cloud.live_ekeys() == [] and cloud.live_passcodes() == []
    assert verbs(booking)[-2:] == ["booking.app_key_revoke_queued", "booking.app_key_revoked"]


def test_a_refused_app_key_fails_for_good_while_the_pin_and_the_web_key_work(cloud, checked_in, hotel, future,
                                                                             client):
    booking = checked_in
    cloud.fail_next("/v3/key/send", 20006)  # the receiver has no TTLock account and none could be made
    services.keys_sweep()
    app, pin = app_key(booking), pin_key(booking)
    assert (app.status, app.next_attempt_at, app.remote_id) == (KeyStatus.FAILED, None, "")
    assert app.last_error == "20006: The guest has no TTLock account, and none could be created for them."
    assert pin.status == KeyStatus.ACTIVE and len(cloud.live_passcodes("L101")) == 1
    assert cloud.live_ekeys() == [] and len(cloud.calls("/v3/key/send")) == 1  # not tried again
    # The guest is not told about an app key that is not there; the PIN and the web key are theirs.
    email = access_messages(booking)["EMAIL"].body_text
    assert pin.pin in email and "TTLock" not in email and "The PIN works from" in email
    with scopes_disabled():
        link = services.access_details(LockKey.objects.select_related("booking__hotel", "room").get(pk=pin.pk))
    token = parse_qs(urlsplit(link["web_key_link"]).query)["token"][0]
    services.webkey_unlock(token=token, channel="web", now=local(hotel, future, 15))
    assert cloud.unlocks == ["L101"]

    # Staff see the app key's state beside the PIN's, and why it failed, in words.
    staff = factories.make_member(hotel, "STAFF", "desk@moscow.example")
    assert client.post("/panel/sign-in/", {"username": staff.email, "password": STAFF_PASSWORD}).status_code == 302
    page = client.get(f"/panel/bookings/{booking.reference}/").content.decode()
    assert "TTLock app key" in page and "Could not be created" in page and "anna@example.com" in page
    assert "The guest has no TTLock account, and none could be created for them. " \
           '<span class="muted">(code 20006)</span>' in page
    assert page.index('data-method="PIN"') < page.index('data-method="APP"')


def test_a_rate_limited_send_is_tried_again_until_the_key_is_there(cloud, checked_in):
    booking = checked_in
    cloud.fail_next("/v3/key/send", 30006)
    services.keys_sweep()
    app = app_key(booking)
    assert (app.status, app.attempts) == (KeyStatus.PENDING, 1)
    assert app.last_error.startswith("30006: ") and app.next_attempt_at > app.updated_at
    assert pin_key(booking).status == KeyStatus.ACTIVE  # the PIN did not wait for it
    app = services.key_process(key_id=app.pk, now=app.next_attempt_at)
    assert (app.status, app.last_error) == (KeyStatus.ACTIVE, "")
    assert len(cloud.calls("/v3/key/send")) == 2 and len(cloud.live_ekeys()) == 1
    # It was on its way when the PIN's message went, so the message told the guest about it.
    assert "sign in as anna@example.com" in access_messages(booking)["EMAIL"].body_text


def test_a_key_that_cannot_be_moved_fails_and_staff_send_it_again(cloud, checked_in, hotel, future, now):
    booking = checked_in
    services.keys_sweep()
    gone = app_key(booking).remote_id
    cloud.ekeys[int(gone)].deleted = True  # someone deleted it in the TTLock app
    with scope(hotel=hotel):
        stay = stays.nightly(hotel, future, future + timedelta(days=3), now=now)
        booking = journey.booking_change_stay(booking=booking, stay=stay, actor="staff")
    services.keys_sweep()
    app = app_key(booking)
    assert app.status == KeyStatus.FAILED and app.last_error
    with scope(hotel=hotel):
        services.key_retry(key=app, actor="staff")
    services.keys_sweep()
    app = app_key(booking)
    [ekey] = cloud.live_ekeys()
    assert (app.status, app.remote_id) == (KeyStatus.ACTIVE, str(ekey.id))
    assert ekey.end == ms(window_of(booking)[0][1])


def test_a_hotel_whose_lock_account_has_app_keys_off_gets_no_app_key(cloud, checked_in, hotel, other_hotel, future,
                                                                     settings):
    factories.make_lock_account(other_hotel, provider="ttlock", client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                                username=USERNAME, password=PASSWORD, base_url=settings.TTLOCK["base_url"],
                                app_keys=False)
    theirs = factories.make_room_type(other_hotel, slug="double", turnover_minutes=60)
    factories.make_room(theirs, number="201", lock_id="L201")
    guest = complete_check_in(other_hotel, "double", future, email="oleg@example.com")
    assert app_keys_for(other_hotel) is None and app_keys_for(hotel) is not None
    services.keys_sweep()
    assert keys(guest, KeyMethod.APP) == [] and pin_key(guest).status == KeyStatus.ACTIVE
    assert [k.lock_id for k in cloud.live_ekeys()] == ["L101"]  # only the first hotel's guest has one
    assert "TTLock" not in access_messages(guest)["EMAIL"].body_text


def test_the_install_switch_is_off_by_default_and_a_hotels_account_decides_for_itself(cloud, hotel, settings):
    settings.TTLOCK_APP_KEYS = False
    assert app_keys_for(hotel) is None
    account = factories.make_lock_account(hotel, provider="ttlock", client_id=CLIENT_ID, username=USERNAME,
                                          app_keys=True, app_keys_remote_unlock=True)
    assert app_keys_for(hotel).remote_unlock is True
    with scopes_disabled():
        account.config = {"client_id": CLIENT_ID, "username": USERNAME}  # saved before the switch existed
        account.save()
    assert app_keys_for(hotel) is None  # follows the install's
    settings.TTLOCK_APP_KEYS = True
    assert app_keys_for(hotel).remote_unlock is False


def test_a_booking_has_one_live_key_per_method(cloud, checked_in, hotel):
    booking = checked_in
    app = app_key(booking)
    with scope(hotel=hotel), transaction.atomic():
        assert services.keys_issue_for(booking=booking, now=booking.created_at) == pin_key(booking)
    assert keys(booking, KeyMethod.APP) == [app]  # asking again makes no second one
    with scopes_disabled(), pytest.raises(IntegrityError), transaction.atomic():
        LockKey.objects.create(hotel=hotel, booking=booking, room=booking.room, method=KeyMethod.APP, generation=2,
                               idempotency_key="x", window_from=app.window_from, window_until=app.window_until,
                               valid_from=app.valid_from, valid_until=app.valid_until)
    with scopes_disabled(), pytest.raises(IntegrityError), transaction.atomic():
        LockKey.objects.create(hotel=hotel, booking=booking, room=booking.room, method=KeyMethod.APP, generation=1,
                               idempotency_key="y", status=KeyStatus.REVOKED, window_from=app.window_from,
                               window_until=app.window_until, valid_from=app.valid_from, valid_until=app.valid_until)


def test_the_demos_simulated_lock_cloud_keeps_app_keys_too(hotel, other_hotel, future, now):
    """The simulator stands for TTLock in the demo: one app key per account and lock, moved and deleted."""
    from innkeeper.simulators.locks import simulated_lock_id
    from innkeeper.simulators.models import SimulatedAppKey

    factories.make_lock_account(hotel, provider="simulator", app_keys=True)
    factories.make_lock_account(other_hotel, provider="simulator", app_keys=False)
    for h in (hotel, other_hotel):
        rt = factories.make_room_type(h, slug="double", turnover_minutes=60)
        factories.make_room(rt, number="101", lock_id=simulated_lock_id(h, "101"))
    booking = complete_check_in(hotel, "double", future)
    theirs = complete_check_in(other_hotel, "double", future, email="oleg@example.com")
    services.keys_sweep()
    [row] = SimulatedAppKey.objects.filter(deleted_at=None)
    window, _stay = window_of(booking)
    assert (row.lock_id, row.receiver, row.valid_from, row.valid_until) == (
        "SIM-moscow-101", "anna@example.com", *window)
    assert app_key(booking).remote_id == str(row.pk) and keys(theirs, KeyMethod.APP) == []
    with scope(hotel=hotel):
        stay = stays.nightly(hotel, future, future + timedelta(days=3), now=now)
        booking = journey.booking_change_stay(booking=booking, stay=stay, actor="staff")
    services.keys_sweep()
    row.refresh_from_db()
    assert (row.valid_until, row.deleted_at) == (window_of(booking)[0][1], None)
    end_by_cancelling(booking, hotel)
    services.keys_sweep()
    row.refresh_from_db()
    assert row.deleted_at is not None and app_key(booking).status == KeyStatus.REVOKED
