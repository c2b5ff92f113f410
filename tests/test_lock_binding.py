"""Which lock a room opens. Locks come from the lock list of the hotel's lock-cloud account, each to one
room of one hotel: here both hotels share the install's TTLock account (the fake cloud, over HTTP), as
every hotel without an account of its own does. A worker reads the list (``read_locks`` here, or the task a
page queued); a room's lock is checked against the list as read, never by asking the cloud in a request."""

import html
import socket
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django_scopes import scope, scopes_disabled

from innkeeper.booking import services as booking_services
from innkeeper.booking.models import Booking
from innkeeper.booking.states import Status
from innkeeper.core.errors import Busy, InvalidInput
from innkeeper.hotels.models import Hotel, Room
from innkeeper.locks import binding, selectors, services
from innkeeper.locks.models import KeyStatus
from innkeeper.locks.providers.ttlock import forget_tokens
from tests import factories
from tests.factories import PASSWORD as PANEL_PASSWORD
from tests.fakes.ttlock import CLIENT_ID, CLIENT_SECRET, PASSWORD, USERNAME, FakeTTLockServer

INSTALL = f"ttlock:{CLIENT_ID}:{USERNAME}"  # the install's account, as rooms store it


def ttlock(base_url: str) -> dict:
    return {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "username": USERNAME,
            "password": PASSWORD, "base_url": base_url, "timeout": 1.0}


def nowhere() -> str:
    """The address of a lock cloud that is down: a local port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture
def cloud(settings):
    forget_tokens()
    with FakeTTLockServer() as (fake, base_url):
        settings.LOCK_PROVIDER, settings.TTLOCK = "ttlock", ttlock(base_url)
        yield fake
    forget_tokens()
    assert fake.problems == []  # every request was well-formed


@pytest.fixture
def cloud_down(settings):
    forget_tokens()
    settings.LOCK_PROVIDER, settings.TTLOCK = "ttlock", ttlock(nowhere())
    yield
    forget_tokens()


@pytest.fixture
def rooms(hotel, other_hotel):
    """Rooms 101 and 102 in each hotel, without a lock yet: rooms[slug][number]."""
    found = {}
    for each in (hotel, other_hotel):
        room_type = factories.make_room_type(each, slug="double", turnover_minutes=60)
        found[each.slug] = {number: factories.make_room(room_type, number=number)
                            for number in ("101", "102")}
    return found


def read_locks(*hotels):
    """The worker's part: each hotel's lock list read from its account and kept."""
    for each in hotels:
        binding.lock_list_refresh(hotel_id=each.pk)


def bind(hotel, room, lock_id):
    with scope(hotel=hotel):
        return binding.room_save(hotel=hotel, room=room, lock_id=lock_id)


def lock_of(room) -> tuple[str, str]:
    with scopes_disabled():
        room.refresh_from_db()
    return room.lock_id, room.lock_account_key


def owner_of(hotel, email) -> Client:
    client = Client()
    factories.make_member(hotel, "OWNER", email)
    assert client.post("/panel/sign-in/", {"username": email, "password": PANEL_PASSWORD}).status_code == 302
    return client


def room_form(room, lock_id, **changes) -> dict:
    return {"number": room.number, "room_type": room.room_type_id, "floor": "", "status": "AVAILABLE",
            "lock_id": lock_id, "notes": "", **changes}


def lock_error(response) -> str:
    """The error shown beside the lock field."""
    page = response.content.decode()
    return html.unescape(page.split('id="id_lock_id_error">', 1)[1].split("</p>", 1)[0])


# -- the rule, in the service ------------------------------------------------------------------------

def test_a_lock_of_the_account_goes_to_one_room_of_one_hotel(cloud, hotel, other_hotel, rooms):
    cloud.add_lock("501")
    cloud.add_lock("502")
    read_locks(hotel, other_hotel)
    theirs, mine, my_other = rooms["other"]["101"], rooms["moscow"]["101"], rooms["moscow"]["102"]
    bind(other_hotel, theirs, "501")
    assert lock_of(theirs) == ("501", INSTALL)

    # Hotel A cannot take hotel B's lock, though both hotels' locks are on one account.
    with pytest.raises(InvalidInput) as refused:
        bind(hotel, mine, "501")
    assert (refused.value.field, refused.value.code, refused.value.message) == (
        "lock_id", "lock_taken", "This lock is already used by another hotel.")
    assert lock_of(mine) == ("", "") and lock_of(theirs) == ("501", INSTALL)

    # Nor can one hotel put the same lock on two of its rooms.
    bind(hotel, mine, "502")
    with pytest.raises(InvalidInput) as twice:
        bind(hotel, my_other, "502")
    assert (twice.value.field, twice.value.message) == (
        "lock_id", "This lock is already the lock of room 101.")

    # A lock the account does not list is no lock of this hotel's.
    with pytest.raises(InvalidInput) as unknown:
        bind(hotel, my_other, "999")
    assert (unknown.value.field, unknown.value.code) == ("lock_id", "unknown_lock")
    assert lock_of(my_other) == ("", "")

    # The choice offers each room only what it may take.
    with scope(hotel=hotel):
        assert [lock.lock_id for lock in selectors.lock_choices(hotel=hotel, room=mine)] == ["502"]
        assert selectors.lock_choices(hotel=hotel, room=my_other) == []
    # Taking the lock off a room frees it.
    bind(hotel, mine, "")
    assert lock_of(mine) == ("", "")
    bind(hotel, my_other, "502")
    assert lock_of(my_other) == ("502", INSTALL)


def test_a_new_room_with_a_taken_lock_is_not_created_at_all(cloud, hotel, other_hotel, rooms):
    cloud.add_lock("501")
    read_locks(hotel, other_hotel)
    bind(other_hotel, rooms["other"]["101"], "501")
    with scope(hotel=hotel), pytest.raises(InvalidInput) as refused:
        binding.room_save(hotel=hotel, room_type=rooms["moscow"]["101"].room_type, number="103",
                          lock_id="501")
    assert refused.value.code == "lock_taken"
    with scopes_disabled():
        assert not Room.objects.filter(number="103").exists()


def test_the_database_holds_one_room_per_lock_of_an_account(hotel, other_hotel, rooms):
    mine, theirs = rooms["moscow"]["101"], rooms["other"]["101"]
    with scopes_disabled():
        Room.objects.filter(pk=mine.pk).update(lock_id="501", lock_account_key=INSTALL)
        with pytest.raises(IntegrityError), transaction.atomic():
            Room.objects.filter(pk=theirs.pk).update(lock_id="501", lock_account_key=INSTALL)
        with pytest.raises(IntegrityError), transaction.atomic():  # a lock id never goes without its account
            Room.objects.filter(pk=theirs.pk).update(lock_id="502")
        # Another account's lock 501 is another lock; rooms without a lock are many.
        Room.objects.filter(pk=theirs.pk).update(lock_id="501", lock_account_key="ttlock:another-app:someone")
        assert Room.objects.filter(lock_id="").count() == 2


def test_the_lock_list_is_read_page_by_page_and_holds_only_the_accounts_locks(cloud, hotel, other_hotel):
    cloud.max_page_size = 2  # the cloud serves fewer locks a page than asked for
    for n in range(5):
        cloud.add_lock(f"60{n}", alias=f"Door {n}")
    theirs = cloud.add_account("other-app", "other-secret", "other_user", "other-password")
    cloud.add_lock("700", owner=theirs)
    read_locks(hotel)
    with scope(hotel=hotel):
        locks = selectors.lock_choices(hotel=hotel)
    assert [(lock.lock_id, lock.name) for lock in locks] == [(f"60{n}", f"Door {n}") for n in range(5)]
    assert [(call["pageNo"], call["pageSize"]) for call in cloud.calls("/v3/lock/list")] == [
        ("1", "100"), ("2", "100"), ("3", "100")]


def test_an_unreachable_lock_cloud_refuses_a_new_lock_and_changes_nothing(cloud_down, hotel, other_hotel,
                                                                          rooms, worker):
    mine = rooms["moscow"]["101"]
    with pytest.raises(Busy) as waiting:  # no list read yet: a worker is asked to read it
        bind(hotel, mine, "501")
    assert (waiting.value.field, waiting.value.code) == ("lock_id", "lock_list_pending")
    assert worker.run("locks.lock_list_refresh") == ["locks.lock_list_refresh"]  # and it cannot
    with pytest.raises(Busy) as refused:
        bind(hotel, mine, "501")
    assert (refused.value.field, refused.value.code) == ("lock_id", "lock_cloud_unreachable")
    assert lock_of(mine) == ("", "")


# -- the panel -------------------------------------------------------------------------------------

def test_the_panel_offers_the_accounts_free_locks_and_refuses_another_hotels(cloud, hotel, other_hotel,
                                                                            rooms, worker):
    cloud.add_lock("501", alias="Their door")
    cloud.add_lock("502", alias="Our door")
    mine, theirs = rooms["moscow"]["101"], rooms["other"]["101"]
    them, client = owner_of(other_hotel, "owner@other.example"), owner_of(hotel, "owner@moscow.example")
    for owner, room in ((them, theirs), (client, mine)):  # each form asks a worker to read its hotel's locks
        assert owner.get(f"/panel/rooms/{room.pk}/").status_code == 200
    assert worker.run("locks.lock_list_refresh") == ["locks.lock_list_refresh"] * 2
    assert them.post(f"/panel/rooms/{theirs.pk}/", room_form(theirs, "501")).status_code == 302

    page = client.get(f"/panel/rooms/{mine.pk}/").content.decode()
    assert 'value="502">Our door (502)</option>' in page and 'value="501"' not in page
    refused = client.post(f"/panel/rooms/{mine.pk}/", room_form(mine, "501"))
    assert refused.status_code == 400 and lock_error(refused) == "This lock is already used by another hotel."
    russian = client.post(f"/panel/rooms/{mine.pk}/", room_form(mine, "501"), HTTP_ACCEPT_LANGUAGE="ru")
    assert russian.status_code == 400 and lock_error(russian) == "Этот замок уже занят другим отелем."
    unknown = client.post(f"/panel/rooms/{mine.pk}/", room_form(mine, "999"))
    assert unknown.status_code == 400 and lock_error(unknown) == (
        "This is not a lock of this hotel's lock account. Please choose one of its locks.")
    added = client.post("/panel/rooms/", room_form(mine, "501", number="103"))
    assert added.status_code == 400 and lock_error(added) == "This lock is already used by another hotel."
    with scopes_disabled():
        assert not Room.objects.filter(number="103").exists()
    assert lock_of(mine) == ("", "") and lock_of(theirs) == ("501", INSTALL)

    assert client.post(f"/panel/rooms/{mine.pk}/", room_form(mine, "502")).status_code == 302
    assert lock_of(mine) == ("502", INSTALL)
    my_other = rooms["moscow"]["102"]
    twice = client.post(f"/panel/rooms/{my_other.pk}/", room_form(my_other, "502"), HTTP_ACCEPT_LANGUAGE="ru")
    assert twice.status_code == 400 and lock_error(twice) == "Этот замок уже стоит на номере 101."


@pytest.mark.parametrize("outage", ["down", "server error"])
def test_an_unreachable_lock_cloud_is_said_in_the_form_not_a_500(request, outage, hotel, other_hotel, rooms,
                                                                 worker):
    if outage == "down":
        request.getfixturevalue("cloud_down")
    else:
        request.getfixturevalue("cloud").fail_next("/v3/lock/list", "5xx", times=10)
    client = owner_of(hotel, "owner@moscow.example")
    mine = rooms["moscow"]["101"]
    assert client.get("/panel/rooms/").status_code == 200  # asks a worker to read the lock list...
    assert worker.run("locks.lock_list_refresh") == ["locks.lock_list_refresh"]  # ...which cannot
    for page in (client.get("/panel/rooms/"), client.get(f"/panel/rooms/{mine.pk}/")):
        assert page.status_code == 200
        assert "The lock cloud could not be reached" in html.unescape(page.content.decode())
    refused = client.post(f"/panel/rooms/{mine.pk}/", room_form(mine, "501"))
    assert refused.status_code == 400
    assert lock_error(refused).startswith(
        "The lock cloud could not be reached, so the lock could not be checked")
    assert lock_of(mine) == ("", "")
    # What does not need the lock cloud still works: the room's other fields, its lock kept as it is.
    kept = client.post(f"/panel/rooms/{mine.pk}/", room_form(mine, "", status="MAINTENANCE"))
    assert kept.status_code == 302
    with scopes_disabled():
        assert Room.objects.get(pk=mine.pk).status == "MAINTENANCE"


# -- keys: defence in depth ------------------------------------------------------------------------

def test_no_key_is_made_or_opened_on_a_lock_that_is_not_the_hotels(cloud, settings, hotel, other_hotel, book,
                                                                   future):
    cloud.add_lock("501")
    room_type = factories.make_room_type(hotel, slug="single", turnover_minutes=60)
    # Written past the rule (an old row, a script): the lock id is another account's.
    room = factories.make_room(room_type, number="101", lock_id="501",
                               lock_account_key="ttlock:another-app:someone")
    booking = book(hotel, room_type, future, future + timedelta(days=1))
    with scope(hotel=hotel):
        booking = booking_services.booking_transition(booking=booking, to=Status.CHECKIN_COMPLETED,
                                                      actor="guest")
        with transaction.atomic():
            key = services.keys_issue_for(booking=booking, now=booking.created_at)
    key = services.key_process(key_id=key.pk)
    assert (key.status, key.last_error.split(":")[0]) == (KeyStatus.FAILED, "foreign_lock")
    assert cloud.calls("/v3/keyboardPwd/add") == [] and cloud.live_passcodes() == []

    # Bound by the rule, the key is made; once the hotel uses another account, the door stays shut.
    read_locks(hotel)
    bind(hotel, room, "501")
    with scope(hotel=hotel):
        key = services.key_retry(key=key, actor="staff")
    assert services.key_process(key_id=key.pk).status == KeyStatus.ACTIVE
    cloud.add_account("own-app", "own-secret", "own_user", "own-password")
    with scopes_disabled():
        factories.make_lock_account(hotel, provider="ttlock", client_id="own-app",
                                   client_secret="own-secret", username="own_user", password="own-password",
                                   base_url=settings.TTLOCK["base_url"])
    with pytest.raises(services.WebKeyRefused) as refused:
        services.webkey_unlock(token=services.webkey_token(key), channel="api",
                               now=key.valid_from + timedelta(hours=1))
    assert refused.value.params["lock_error"] == "foreign_lock" and cloud.unlocks == []


# -- seed_demo ---------------------------------------------------------------------------------------

DEMO_ROOMS = ["101", "102", "103", "104", "105", "106", "201", "202", "203", "204", "205", "301", "302"]


def test_seed_demo_binds_the_demo_rooms_to_the_ttlock_accounts_locks(cloud, other_hotel):
    for n, number in enumerate(DEMO_ROOMS):
        cloud.add_lock(f"91{n:02d}", alias=number)  # named after the demo hotel's rooms
    cloud.add_lock("9900")
    cloud.add_lock("9901")
    theirs = cloud.add_account("other-app", "other-secret", "other_user", "other-password")
    cloud.add_lock("9999", owner=theirs)
    # Another hotel has the lock named "101" already: the demo does not take it.
    other_room = factories.make_room(factories.make_room_type(other_hotel, slug="std"), number="1")
    read_locks(other_hotel)
    bind(other_hotel, other_room, "9100")
    out = StringIO()
    call_command("seed_demo", stdout=out)
    with scopes_disabled():
        demo, tbilisi = Hotel.objects.get(slug="demo"), Hotel.objects.get(slug="tbilisi")
        expected = {number: f"91{n:02d}" for n, number in enumerate(DEMO_ROOMS)} | {"101": "9900"}
        assert {room.number: room.lock_id for room in demo.rooms.all()} == expected
        assert {room.number: room.lock_id for room in tbilisi.rooms.all() if room.lock_id} == {"1": "9901"}
        assert set(Room.objects.exclude(lock_id="").values_list("lock_account_key", flat=True)) == {INSTALL}
        bound = list(Room.objects.order_by("pk").values_list("pk", "lock_id"))
    assert lock_of(other_room) == ("9100", INSTALL)
    assert "Old Town Inn Tbilisi: 1 of 10 rooms have a lock" in out.getvalue()
    # Demo bookings would put PINs on those real locks: the demo books none there.
    assert "Innkeeper Demo Hotel: no demo bookings, because its locks are on a real lock cloud" in out.getvalue()
    with scopes_disabled():
        assert not Booking.objects.exists()
    call_command("seed_demo", stdout=StringIO())
    with scopes_disabled():
        assert list(Room.objects.order_by("pk").values_list("pk", "lock_id")) == bound


def test_seed_demo_with_the_simulator_binds_every_room_to_its_own_door(settings, other_hotel):
    settings.LOCK_PROVIDER = "simulator"
    call_command("seed_demo", "--without-bookings", stdout=StringIO())
    call_command("seed_demo", "--without-bookings", stdout=StringIO())
    with scopes_disabled():
        rooms = list(Room.objects.select_related("hotel").filter(hotel__slug__in=["demo", "tbilisi"]))
    assert len(rooms) == 23
    assert all((room.lock_id, room.lock_account_key) == (f"SIM-{room.hotel.slug}-{room.number}", "simulator")
               for room in rooms)


def test_seed_demo_says_when_the_lock_cloud_cannot_list_the_locks(cloud_down, other_hotel):
    with pytest.raises(CommandError) as failed:
        call_command("seed_demo", stdout=StringIO())
    assert "The lock cloud could not list the locks" in str(failed.value)
    with scopes_disabled():
        assert Hotel.objects.filter(slug__in=["demo", "tbilisi"]).count() == 2
        assert not Room.objects.exclude(lock_id="").exists()


# -- rooms bound before this rule ----------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_the_migration_binds_existing_locks_to_their_account_once(settings, caplog):
    settings.LOCK_PROVIDER, settings.TTLOCK = "simulator", None  # the install's account
    a, b, own = (factories.make_hotel() for _ in range(3))
    rooms = {(hotel.pk, number): factories.make_room(factories.make_room_type(hotel), number=number)
             for hotel in (a, b, own) for number in ("1", "2")}
    before = [("hotels", "0005_domain_verification")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("hotels", "Room")
    # The hotel's own account as it was then: a LockAccount row (moved into IntegrationAccount later).
    then = executor.loader.project_state([*before, ("locks", "0002_unlock_attempt_indexes")]).apps
    then.get_model("locks", "LockAccount").objects.create(
        hotel_id=own.pk, provider="ttlock", client_id="own-app", client_secret="s", username="own_user",
        password="p")
    for (hotel_pk, number), lock_id in {(a.pk, "1"): "L1", (a.pk, "2"): "L2", (b.pk, "1"): "L1",
                                        (b.pk, "2"): "", (own.pk, "1"): "L1", (own.pk, "2"): "L2"}.items():
        old.objects.filter(pk=rooms[(hotel_pk, number)].pk).update(lock_id=lock_id)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    with scopes_disabled():
        now = {(room.hotel_id, room.number): (room.lock_id, room.lock_account_key)
               for room in Room.objects.all()}
    assert now == {
        (a.pk, "1"): ("L1", "simulator"), (a.pk, "2"): ("L2", "simulator"),
        (b.pk, "1"): ("", ""),  # the second holder of L1 on the install's account lost it
        (b.pk, "2"): ("", ""),
        (own.pk, "1"): ("L1", "ttlock:own-app:own_user"), (own.pk, "2"): ("L2", "ttlock:own-app:own_user"),
    }
    assert f"room {rooms[(b.pk, '1')].pk} (hotel {b.pk}) lost lock L1" in caplog.text
