"""Pages that wait for a worker, in a real browser under the Content-Security-Policy: the owner presses
"Test connection" or opens a room before its lock list was read, a worker does its part (here, the test's
thread takes the queued task), and the page puts the outcome in by itself, without a reload."""

from django_scopes import scopes_disabled

from innkeeper.hotels.models import Room
from innkeeper.locks.providers.ttlock import forget_tokens
from tests import factories
from tests.factories import PASSWORD
from tests.fakes.ttlock import CLIENT_ID, CLIENT_SECRET, USERNAME, FakeTTLockServer
from tests.fakes.ttlock import PASSWORD as LOCK_PASSWORD


def sign_in(page, hotel):
    owner = factories.make_member(hotel, "OWNER", "owner@moscow.example")
    base = f"http://localhost:{page.port}"
    page.goto(f"{base}/panel/")
    page.get_by_label("E-mail").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Today").wait_for()
    return base


def test_test_connection_shows_its_result_when_the_worker_is_done(page, hotel, other_hotel, settings, worker):
    settings.LOCK_PROVIDER = "simulator"
    base = sign_in(page, hotel)
    page.goto(f"{base}/panel/settings/")
    page.locator("form[data-verify=lock]").get_by_role("button", name="Test connection").click()
    page.get_by_text("Testing the connection…").wait_for()
    page.evaluate("window.stillThisPage = true")  # gone if the page were loaded again
    assert worker.run("core.connection_check") == ["core.connection_check"]
    page.locator("#check-lock").get_by_text(
        "Connected: the simulated lock cloud has a lock on every room's door.").wait_for()
    assert page.get_by_text("Testing the connection…").count() == 0
    assert page.evaluate("window.stillThisPage") is True


def test_the_room_form_takes_in_the_lock_list_when_the_worker_has_read_it(page, hotel, other_hotel, settings,
                                                                        worker):
    room = factories.make_room(factories.make_room_type(hotel, slug="std"), number="101")
    forget_tokens()
    with FakeTTLockServer() as (cloud, base_url):
        cloud.add_lock("501", alias="Garden door")
        settings.LOCK_PROVIDER = "ttlock"
        settings.TTLOCK = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "username": USERNAME,
                           "password": LOCK_PASSWORD, "base_url": base_url, "timeout": 1.0}
        base = sign_in(page, hotel)
        page.goto(f"{base}/panel/rooms/{room.pk}/")
        page.get_by_text("are being read from the lock cloud").wait_for()
        assert cloud.requests == []
        page.get_by_label("Notes").fill("typed while the list is read")
        assert worker.run("locks.lock_list_refresh") == ["locks.lock_list_refresh"]
        page.get_by_text("Locks as the lock cloud listed them just now.").wait_for()
        page.get_by_label("Lock").select_option("501")  # the new list is in the form...
        assert page.get_by_label("Notes").input_value() == "typed while the list is read"  # ...the rest kept
        page.get_by_role("button", name="Save").click()
        page.get_by_text("Room 101 updated.").wait_for()
    forget_tokens()
    with scopes_disabled():
        assert Room.objects.get(pk=room.pk).lock_id == "501"
