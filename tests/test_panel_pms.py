"""The panel's PMS pages: connect (tested by a worker), "Sync now" (a worker's; the page shows the result), the
steps PMS reservations set off, the mapping page that unblocks a reservation, and the problems list."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from innkeeper.booking.models import Booking
from innkeeper.core.models import IntegrationAccount
from innkeeper.journey import pms as journey_pms
from innkeeper.pms import services as sync
from innkeeper.pms.models import RoomMapping, SyncState
from tests import factories
from tests import pms_fake_adapter as fake
from tests.factories import PASSWORD


@pytest.fixture
def pms():
    yield fake.store("moscow")
    fake.STORES.clear()


@pytest.fixture
def owner(client, hotel):
    user = factories.make_member(hotel, "OWNER", "owner@moscow.example")
    assert client.post("/panel/sign-in/", {"username": user.email, "password": PASSWORD}).status_code == 302
    return user


@pytest.fixture
def rooms(hotel, other_hotel):
    rt = factories.make_room_type(hotel, slug="standard", name="Standard")
    mine = {n: factories.make_room(rt, number=n) for n in ("101", "102")}
    theirs = factories.make_room(factories.make_room_type(other_hotel, slug="standard", name="Standard"),
                                 number="201")
    return mine, theirs


def test_connect_sync_now_and_fix_a_room_on_the_mapping_page(client, hotel, other_hotel, owner, pms, rooms,
                                                              worker, future):
    mine, theirs = rooms
    pms.book("R1", future, future + timedelta(days=1), room="101")
    pms.book("R2", future, future + timedelta(days=1), room="Suite 7")
    page = client.get("/panel/pms/").content.decode()
    assert "Connect your PMS" in page and "fakepms" in page
    r = client.post("/panel/pms/connect/", {"provider": "fakepms", "pms-url": "fake://moscow", "pms-key": "secret-key"})
    assert r.status_code == 302
    assert worker.run("core.connection_check") == ["core.connection_check"]
    page = client.get("/panel/pms/").content.decode()
    assert "Connected." in page and "Connected to fakepms" in page
    assert pms.calls == ["verify"]  # the request itself never called the PMS

    r = client.post("/panel/pms/sync/", follow=True)
    assert 'data-sync="asked"' in r.content.decode() and pms.calls == ["verify"]
    assert worker.run("pms.sync_account") == ["pms.sync_account"]
    page = client.get("/panel/pms/").content.decode()
    assert "2 read, 1 new, 0 changed, 0 cancelled, 1 need your attention." in page
    assert 'data-problem="unmatched_room"' in page and "Suite 7" in page and "mapping page" in page

    with scopes_disabled():
        suite = RoomMapping.objects.get(hotel=hotel, number="Suite 7")
    # Another hotel's room is refused; this hotel's is taken.
    r = client.post("/panel/pms/mapping/", {f"room-{suite.pk}": str(theirs.pk)}, follow=True)
    assert "Choose one of this hotel&#x27;s rooms." in r.content.decode()
    r = client.post("/panel/pms/mapping/", {f"room-{suite.pk}": str(mine["102"].pk)}, follow=True)
    assert r.status_code == 200
    client.post("/panel/pms/sync/")
    worker.run("pms.sync_account")
    with scopes_disabled():
        assert sorted(Booking.objects.filter(hotel=hotel).values_list("room__number", flat=True)) == ["101", "102"]
        assert not Booking.objects.filter(hotel=other_hotel).exists()
    assert 'data-problem="' not in client.get("/panel/pms/").content.decode()


def test_a_wrong_key_is_told_in_words_and_the_steps_are_saved(client, hotel, owner, pms, rooms, worker):
    client.post("/panel/pms/connect/", {"provider": "fakepms", "pms-url": "fake://moscow", "pms-key": "wrong"})
    worker.run("core.connection_check")
    assert "The PMS refused the API key." in client.get("/panel/pms/").content.decode()
    client.post("/panel/pms/sync/")
    worker.run("pms.sync_account")
    page = client.get("/panel/pms/").content.decode()
    assert "The last sync did not finish: The PMS refused the API key." in page
    client.post("/panel/pms/steps/", {"send_checkin": "on"})
    with scopes_disabled():
        state = SyncState.objects.get(hotel=hotel)
    assert (state.send_confirmation, state.send_checkin, state.issue_keys) == (False, True, False)


def test_staff_and_other_hotels_do_not_reach_the_pms_pages(client, hotel, other_hotel, pms):
    staff = factories.make_member(hotel, "STAFF", "desk@moscow.example")
    client.post("/panel/sign-in/", {"username": staff.email, "password": PASSWORD})
    assert client.get("/panel/pms/").status_code == 403
    assert client.post("/panel/pms/sync/").status_code == 403
    with scopes_disabled():
        IntegrationAccount.objects.create(hotel=other_hotel, kind="pms", provider="fakepms",
                                          config={"url": "fake://other", "key": "k"})
    owner = factories.make_member(hotel, "OWNER", "owner@moscow.example")
    client.logout()
    client.post("/panel/sign-in/", {"username": owner.email, "password": PASSWORD})
    assert "No PMS is connected yet." in client.get("/panel/pms/").content.decode()
    assert client.get("/panel/pms/mapping/").status_code == 302  # none of its own to map


def test_the_page_refreshes_itself_while_a_sync_runs_and_shows_the_result_when_it_ends(
        client, hotel, other_hotel, owner, pms, rooms, future):
    pms.book("R1", future, future + timedelta(days=1), room="101")
    with scopes_disabled():
        account = IntegrationAccount.objects.create(hotel=hotel, kind="pms", provider="fakepms",
                                                    config={"url": "fake://moscow", "key": "secret-key"})
        theirs = IntegrationAccount.objects.create(hotel=other_hotel, kind="pms", provider="fakepms",
                                                   config={"url": "fake://other", "key": "k"})
    idle = client.get("/panel/pms/").content.decode()
    assert "data-waiting" not in idle and "waiting.js" not in idle

    # The other hotel's sync running changes nothing on this hotel's page.
    assert sync.sync_claim(sync.state_for(theirs), timezone.now())
    assert "data-waiting" not in client.get("/panel/pms/").content.decode()

    state = sync.state_for(account)
    assert sync.sync_claim(state, timezone.now())  # a worker started this hotel's run and has read 37 so far
    with scopes_disabled():
        SyncState.objects.filter(pk=state.pk).update(progress=37)
    running = client.get("/panel/pms/").content.decode()
    assert 'data-sync="running"' in running and "Syncing… 37 reservations read so far." in running
    assert 'id="pms-status" data-waiting="/panel/pms/" data-waiting-for="1800" data-live' in running
    assert 'id="pms-problems-part" data-waiting="/panel/pms/"' in running
    assert "dashboard/waiting" in running and "<script src=" in running
    assert "disabled>" in running  # "Sync now" cannot be pressed twice

    with scopes_disabled():
        SyncState.objects.filter(pk=state.pk).update(started_at=None)  # the run above died: a fresh one ends
    journey_pms.pms_sync(account=account)
    done = client.get("/panel/pms/").content.decode()
    assert "data-waiting" not in done and "waiting.js" not in done and 'data-sync="running"' not in done
    assert "1 read, 1 new, 0 changed, 0 cancelled, 0 need your attention." in done
