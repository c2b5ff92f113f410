"""The panel's checks that call a provider run in a worker, never in the owner's request: the room form's lock
list (TTLock lock/list), "Test connection" and a domain's "Check now" (DNS). Each answers before the fake
server sees anything, or while it hangs; after a worker's turn the page shows what was found. Both hotels
are there: one hotel's checks never touch the other's."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from django_scopes import scopes_disabled

from innkeeper.core.models import ActivityLog, ConnectionCheck
from innkeeper.hotels.models import HotelDomain, Room
from innkeeper.locks.models import LockList
from innkeeper.locks.providers.ttlock import forget_tokens
from tests import factories
from tests.factories import PASSWORD as PANEL_PASSWORD
from tests.fakes.ttlock import CLIENT_ID, CLIENT_SECRET, PASSWORD, USERNAME, FakeTTLockServer

INSTALL = f"ttlock:{CLIENT_ID}:{USERNAME}"
OWN = ("own-app", "own-secret", "own_user", "own-password")  # the hotel's own TTLock account
READ = "locks.lock_list_refresh"


@pytest.fixture
def cloud(settings):
    """The fake TTLock cloud as the install's lock account, shared by both hotels."""
    forget_tokens()
    settings.OUTBOUND_ALLOW_PRIVATE_HOSTS = True  # a hotel's own account on the fake, on this machine
    with FakeTTLockServer() as (fake, base_url):
        settings.LOCK_PROVIDER = "ttlock"
        settings.TTLOCK = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "username": USERNAME,
                           "password": PASSWORD, "base_url": base_url, "timeout": 1.0}
        fake.base_url = base_url
        yield fake
    forget_tokens()
    assert fake.problems == []


@pytest.fixture
def rooms(hotel, other_hotel):
    """Room 101 in each hotel, without a lock: rooms[slug]."""
    return {each.slug: factories.make_room(factories.make_room_type(each, slug="double"), number="101")
            for each in (hotel, other_hotel)}


def owner_of(hotel, email) -> Client:
    client = Client()
    factories.make_member(hotel, "OWNER", email)
    assert client.post("/panel/sign-in/", {"username": email, "password": PANEL_PASSWORD}).status_code == 302
    return client


def room_form(room, lock_id) -> dict:
    return {"number": room.number, "room_type": room.room_type_id, "floor": "", "status": "AVAILABLE",
            "lock_id": lock_id, "notes": ""}


def text(response) -> str:
    return html.unescape(response.content.decode())


def lock_help(response) -> str:
    """What the room form says beside the lock field."""
    return text(response).split('id="id_lock_id_helptext">', 1)[1].split("</p>", 1)[0]


def lock_error(response) -> str:
    return text(response).split('id="id_lock_id_error">', 1)[1].split("</p>", 1)[0]


def lock_of(room) -> tuple[str, str]:
    with scopes_disabled():
        room.refresh_from_db()
    return room.lock_id, room.lock_account_key


# -- the room form's lock list -------------------------------------------------------------------------

def test_the_room_form_asks_no_lock_cloud_and_shows_the_list_a_worker_read(cloud, hotel, other_hotel, rooms,
                                                                          worker):
    cloud.add_lock("501", alias="Garden door")
    client, room = owner_of(hotel, "owner@moscow.example"), rooms["moscow"]
    first = client.get(f"/panel/rooms/{room.pk}/")
    assert first.status_code == 200 and cloud.requests == []  # the page answered without the lock cloud
    assert lock_help(first) == ("The locks of this hotel's lock account are being read from the lock cloud; "
                                "they appear here in a moment.")
    assert '<select name="lock_id" data-waiting=""' in first.content.decode()  # the page's script waits
    assert "Garden door" not in text(first)

    assert worker.run(READ) == [READ]  # the worker reads the list from the cloud
    assert [params["pageNo"] for params in cloud.calls("/v3/lock/list")] == ["1"]
    seen = len(cloud.requests)
    page = client.get(f"/panel/rooms/{room.pk}/")
    assert len(cloud.requests) == seen and lock_help(page) == "Locks as the lock cloud listed them just now."
    assert '<option value="501">Garden door (501)</option>' in page.content.decode()
    assert "data-waiting" not in page.content.decode()
    with scopes_disabled():  # the other hotel's list is its own, not read yet
        assert list(LockList.objects.values_list("hotel_id", flat=True)) == [hotel.pk]
    theirs = owner_of(other_hotel, "owner@other.example").get(f"/panel/rooms/{rooms['other'].pk}/")
    assert lock_help(theirs).startswith("The locks of this hotel's lock account are being read")
    assert worker.run(READ) == [READ] and len(cloud.calls("/v3/lock/list")) == 2
    seen = len(cloud.requests)

    # Ten minutes on, the form shows the list it has and asks a worker for a new one.
    cloud.add_lock("502", alias="Pool door")
    with time_machine.travel(timezone.now() + timedelta(minutes=11), tick=False):
        later = client.get(f"/panel/rooms/{room.pk}/")
        assert len(cloud.requests) == seen
        assert lock_help(later) == ("Locks as the lock cloud listed them 11\xa0minutes ago. The list is being read "
                                    "again now.")
        assert "Garden door (501)" in text(later) and "Pool door" not in text(later)
        assert worker.run(READ) == [READ]
        assert "Pool door (502)" in text(client.get(f"/panel/rooms/{room.pk}/"))


def test_a_hanging_lock_cloud_holds_up_no_room_form(cloud, hotel, other_hotel, rooms, worker):
    cloud.add_lock("501")
    client, room = owner_of(hotel, "owner@moscow.example"), rooms["moscow"]
    client.get(f"/panel/rooms/{room.pk}/")
    worker.run(READ)
    cloud.latency = 5.0  # every /v3 answer from now on takes 5 s
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):  # the list is old: a read is due
        asked = len(cloud.requests)
        assert client.get(f"/panel/rooms/{room.pk}/").status_code == 200
        assert client.post(f"/panel/rooms/{room.pk}/", room_form(room, "501")).status_code == 302
        assert len(cloud.requests) == asked  # neither request waited for the lock cloud: it was not asked
    assert lock_of(room) == ("501", INSTALL)


def test_refresh_lock_list_asks_a_worker_and_comes_back_to_the_form(cloud, hotel, other_hotel, rooms, worker):
    client, room = owner_of(hotel, "owner@moscow.example"), rooms["moscow"]
    client.get(f"/panel/rooms/{room.pk}/")
    worker.run(READ)
    cloud.add_lock("503", alias="New door")  # fitted since the list was read
    seen = len(cloud.requests)
    answer = client.post("/panel/rooms/locks/refresh/", {"next": f"/panel/rooms/{room.pk}/"})
    assert answer.status_code == 302 and answer["Location"] == f"/panel/rooms/{room.pk}/"
    page = client.get(answer["Location"])
    assert len(cloud.requests) == seen and "New door" not in text(page)
    assert lock_help(page).endswith("The list is being read again now.")
    assert client.post("/panel/rooms/locks/refresh/", {"next": "https://elsewhere.example/"})["Location"] == (
        "/panel/rooms/")  # only back to a page of this site; a second press while reading queues nothing
    assert worker.run(READ) == [READ]
    assert '<option value="503">New door (503)</option>' in client.get(f"/panel/rooms/{room.pk}/").content.decode()
    with scopes_disabled():
        assert not LockList.objects.filter(hotel=other_hotel).exists()


def test_a_kept_lock_list_vouches_only_for_the_account_it_was_read_from(cloud, hotel, other_hotel, rooms, worker):
    """F1 on the kept list: another hotel's lock on the shared account is refused as before, and once the
    hotel uses another account, the old account's list no longer lets a lock through."""
    cloud.add_lock("501")
    cloud.add_lock("502")
    own = cloud.add_account(*OWN)
    cloud.add_lock("800", owner=own)
    mine, theirs = rooms["moscow"], rooms["other"]
    client, them = owner_of(hotel, "owner@moscow.example"), owner_of(other_hotel, "owner@other.example")
    client.get(f"/panel/rooms/{mine.pk}/")
    them.get(f"/panel/rooms/{theirs.pk}/")
    assert worker.run(READ) == [READ, READ]
    assert them.post(f"/panel/rooms/{theirs.pk}/", room_form(theirs, "501")).status_code == 302
    seen = len(cloud.requests)
    refused = client.post(f"/panel/rooms/{mine.pk}/", room_form(mine, "501"))
    assert refused.status_code == 400 and lock_error(refused) == "This lock is already used by another hotel."
    assert len(cloud.requests) == seen  # checked against the kept list and the database: no cloud call

    saved = client.post("/panel/settings/locks/", {
        "lock-provider": "ttlock", "lock-client_id": OWN[0], "lock-client_secret": OWN[1],
        "lock-username": OWN[2], "lock-password": OWN[3], "lock-base_url": cloud.base_url,
        "lock-is_active": "on"})
    assert saved.status_code == 302 and len(cloud.requests) == seen
    waiting = client.post(f"/panel/rooms/{mine.pk}/", room_form(mine, "502"))  # in the old account's list
    assert waiting.status_code == 400 and lock_error(waiting) == (
        "The locks of this hotel's lock account are being read from the lock cloud, so the lock could not be "
        "checked yet. Please try again in a moment.")
    assert worker.run(READ) == [READ]  # the saved account's list, asked for when it was saved
    unknown = client.post(f"/panel/rooms/{mine.pk}/", room_form(mine, "502"))
    assert unknown.status_code == 400 and lock_error(unknown) == (
        "This is not a lock of this hotel's lock account. Please choose one of its locks.")
    assert client.post(f"/panel/rooms/{mine.pk}/", room_form(mine, "800")).status_code == 302
    assert lock_of(mine) == ("800", "ttlock:own-app:own_user") and lock_of(theirs) == ("501", INSTALL)


def test_the_simulators_locks_are_offered_at_once(settings, hotel, other_hotel, rooms, worker):
    settings.LOCK_PROVIDER = "simulator"
    client, room = owner_of(hotel, "owner@moscow.example"), rooms["moscow"]
    page = client.get(f"/panel/rooms/{room.pk}/")
    assert 'value="SIM-moscow-101">101 (SIM-moscow-101)</option>' in page.content.decode()
    assert "Refresh lock list" not in text(page) and "SIM-other" not in text(page)
    assert client.post(f"/panel/rooms/{room.pk}/", room_form(room, "SIM-moscow-101")).status_code == 302
    assert worker.run(READ) == []  # nothing to read: the simulator's locks are this database's rooms


# -- "Test connection" -------------------------------------------------------------------------------

def test_test_connection_answers_while_the_lock_cloud_hangs(cloud, hotel, other_hotel, worker):
    own = cloud.add_account(*OWN)
    cloud.add_lock("800", owner=own)
    factories.make_lock_account(hotel, client_id=OWN[0], client_secret=OWN[1], username=OWN[2],
                                password=OWN[3], base_url=cloud.base_url)
    client = owner_of(hotel, "owner@moscow.example")
    cloud.latency = 1.0
    answer = client.post("/panel/settings/lock/verify/", follow=True, HTTP_ACCEPT_LANGUAGE="ru")
    assert cloud.requests == []  # the request did not wait for the lock cloud: it was not asked
    assert '<p class="muted" role="status">Проверяем подключение…</p>' in answer.content.decode()
    # Pressed again while it runs: nothing more is queued.
    client.post("/panel/settings/lock/verify/", HTTP_ACCEPT_LANGUAGE="ru")
    assert worker.run("core.connection_check") == ["core.connection_check"]
    page = text(client.get("/panel/settings/", HTTP_ACCEPT_LANGUAGE="ru"))
    assert '<p class="alert success" role="status">Подключено: в аккаунте замков 1 замок.</p>' in page
    assert "Проверено только что." in page
    with scopes_disabled():
        assert list(ConnectionCheck.objects.values_list("hotel_id", "kind", "ok")) == [(hotel.pk, "lock", True)]


def test_a_test_whose_worker_never_came_says_so_and_can_be_asked_again(cloud, hotel, other_hotel, worker):
    client = owner_of(hotel, "owner@moscow.example")
    client.post("/panel/settings/lock/verify/")
    worker.commit()
    worker.purge()  # the task is lost (a broker that was down, a worker that died)
    with time_machine.travel(timezone.now() + timedelta(minutes=3)):
        page = text(client.get("/panel/settings/"))
        assert "The test did not finish. Please press “Test connection” again." in page
        client.post("/panel/settings/lock/verify/")
        assert worker.run("core.connection_check") == ["core.connection_check"]
        assert "Connected: the lock account has 0 locks." in text(client.get("/panel/settings/"))


# -- a domain's "Check now" ------------------------------------------------------------------------------

def test_check_now_answers_before_the_dns_lookup_and_the_row_says_what_was_found(client, hotel, other_hotel,
                                                                                fake_dns, worker):
    owner = factories.make_member(hotel, "OWNER", "owner@moscow.example")
    client.force_login(owner)
    with scopes_disabled():
        mine = HotelDomain.objects.create(hotel=hotel, domain="moscow-inn.example")
        theirs = HotelDomain.objects.create(hotel=other_hotel, domain="other-inn.example")
    fake_dns.silent.add("_innkeeper.moscow-inn.example")  # the lookup will wait its full second
    answer = client.post(f"/panel/domains/{mine.pk}/check/", follow=True).content.decode()
    assert fake_dns.queries == []  # the request did not wait for the DNS server: it was not asked
    assert (f'<li data-domain="moscow-inn.example" id="domain-{mine.pk}" data-waiting="/panel/domains/">'
            "moscow-inn.example · <strong data-checking>checking the DNS record…</strong>") in answer
    assert f'action="/panel/domains/{mine.pk}/check/"' not in answer  # no second press while it runs
    assert worker.run("hotels.domain_check") == ["hotels.domain_check"]
    page = text(client.get("/panel/domains/"))
    assert "moscow-inn.example · <strong data-pending>not verified</strong>" in page
    assert ("Last check (just now): The DNS servers did not answer within 1 seconds; the domain will be "
            "checked again later.") in page

    fake_dns.silent.clear()
    fake_dns.publish("_innkeeper.moscow-inn.example", f"innkeeper-verify={mine.verification_token}")
    client.post(f"/panel/domains/{mine.pk}/check/", HTTP_ACCEPT_LANGUAGE="ru")
    assert worker.run("hotels.domain_check") == ["hotels.domain_check"]
    assert "moscow-inn.example · verified" in text(client.get("/panel/domains/"))
    with scopes_disabled():
        theirs.refresh_from_db()
        entry = ActivityLog.objects.get(verb="hoteldomain.verify")
    assert (theirs.check_requested_at, theirs.checked_at) == (None, None)
    assert (entry.hotel_id, entry.actor_id) == (hotel.pk, str(owner.pk))
    assert [name for name, _type in fake_dns.queries] == ["_innkeeper.moscow-inn.example"] * 2


def test_a_room_form_post_for_another_hotels_room_reads_nothing(cloud, hotel, other_hotel, rooms, worker):
    client = owner_of(hotel, "owner@moscow.example")
    assert client.get(f"/panel/rooms/{rooms['other'].pk}/").status_code == 404
    assert client.post(f"/panel/rooms/{rooms['other'].pk}/", room_form(rooms["other"], "501")).status_code == 404
    assert worker.run(READ) == [] and cloud.requests == []
    with scopes_disabled():
        assert not LockList.objects.exists() and Room.objects.get(pk=rooms["other"].pk).lock_id == ""
