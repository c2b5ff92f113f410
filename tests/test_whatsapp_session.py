"""The WhatsApp session page (WAHA): start, QR code, status, linked number, log out — the worker talks to the
fake WAHA over HTTP, the page never does; the QR image comes from our server, never with the WAHA key; WAHA
Core's one shared session cannot be cut off from one hotel's panel; the other hotel sees nothing of it."""

import pytest
from django.utils.html import escape
from django_scopes import scopes_disabled

from innkeeper.core.activity import ActivityLog
from innkeeper.messaging.models import WhatsAppSession
from innkeeper.messaging.services import waha_session
from innkeeper.messaging.tasks import waha_session_task
from tests import factories
from tests.factories import PASSWORD
from tests.fakes import whatsapp as fw
from tests.messaging_helpers import use_whatsapp

OWN_KEY = "moscow-plus-key"


def sign_in(client, hotel, role="OWNER", email="owner@moscow.example"):
    user = factories.make_member(hotel, role, email)
    assert client.post("/panel/sign-in/", {"username": user.email, "password": PASSWORD}).status_code == 302
    return user


def work(hotel, fake):
    """The worker's turn (what waha_session_task runs): one look at WAHA; the calls it made."""
    before = len(fake.requests)
    with scopes_disabled():
        row = WhatsAppSession.objects.get(hotel=hotel)
    row = waha_session.session_run(session_id=row.pk)
    return row, [(r["path"], r["headers"].get("X-Api-Key")) for r in fake.requests[before:]]


@pytest.fixture
def plus(fast, fake_whatsapp, settings):
    """The install's WAHA Plus: each hotel a session of its own."""
    settings.OUTBOUND_ALLOW_PRIVATE_HOSTS = True
    use_whatsapp(fast, "waha", fake_whatsapp.url)
    fast.INNKEEPER_WHATSAPP["waha"]["tier"] = "plus"
    fake_whatsapp.waha_accounts = {fw.WAHA_KEY: "*"}
    return fake_whatsapp


def test_start_shows_the_qr_code_from_our_server_then_the_linked_number_and_log_out(
        client, hotel, other_hotel, plus, django_capture_on_commit_callbacks):
    sign_in(client, hotel)
    name = f"hotel-{hotel.pk}"
    page = client.get("/panel/settings/whatsapp-session/").content.decode()
    assert name in page and "Not looked at yet." in page and "Start and link a phone" in page
    calls_before = len(plus.requests)
    with django_capture_on_commit_callbacks() as queued:
        assert client.post("/panel/settings/whatsapp-session/start/").status_code == 302
    assert len(queued) == 1 and len(plus.requests) == calls_before  # the request asked; it called no one
    page = client.get("/panel/settings/whatsapp-session/").content.decode()
    assert "data-live" in page and "Asking WAHA" in page  # the page keeps looking

    row, calls = work(hotel, plus)
    assert [path for path, _key in calls] == [f"/api/sessions/{name}", "/api/sessions", f"/api/sessions/{name}",
                                             f"/api/{name}/auth/qr"]
    assert {key for _path, key in calls} == {fw.WAHA_KEY}
    assert row.status == "SCAN_QR_CODE" and row.qr_png.startswith(b"\x89PNG") and waha_session.session_look_again(row)
    page = client.get("/panel/settings/whatsapp-session/").content.decode()
    assert "Waiting for the QR code to be scanned" in page and 'src="/panel/settings/whatsapp-session/qr.png?at=' in page
    assert fw.WAHA_KEY not in page
    qr = client.get("/panel/settings/whatsapp-session/qr.png")
    assert qr["Content-Type"] == "image/png" and qr["Cache-Control"] == "no-store"
    assert f"{name}-1".encode() in qr.content and fw.WAHA_KEY.encode() not in qr.content

    plus.waha_rotate(name)  # WAHA shows a new code: the next look fetches it
    work(hotel, plus)
    assert f"{name}-2".encode() in client.get("/panel/settings/whatsapp-session/qr.png").content

    plus.waha_scan(name, "+79161234567", "Moscow Inn desk")
    row, calls = work(hotel, plus)
    assert row.status == "WORKING" and row.phone == "+79161234567" and not row.qr_png
    assert not waha_session.session_look_again(row)  # linked: the worker stops looking
    assert client.get("/panel/settings/whatsapp-session/qr.png").status_code == 404
    page = client.get("/panel/settings/whatsapp-session/").content.decode()
    assert "Connected" in page and "+79161234567 · Moscow Inn desk" in page and "data-live" not in page

    client.post("/panel/settings/whatsapp-session/logout/")
    row, calls = work(hotel, plus)
    assert f"/api/sessions/{name}/logout" in [path for path, _key in calls]
    assert row.status == "STOPPED" and row.phone == ""
    with scopes_disabled():
        assert set(ActivityLog.objects.filter(hotel=hotel, verb__startswith="whatsappsession.")
                   .values_list("verb", flat=True)) == {"whatsappsession.start", "whatsappsession.logout"}
        assert not WhatsAppSession.objects.filter(hotel=other_hotel).exists()

    # the other hotel's owner sees its own session (not yet looked at), never this one's number or QR
    client.logout()
    sign_in(client, other_hotel, email="owner@other.example")
    page = client.get("/panel/settings/whatsapp-session/").content.decode()
    assert f"hotel-{other_hotel.pk}" in page and "+79161234567" not in page and "Not looked at yet." in page
    assert client.get("/panel/settings/whatsapp-session/qr.png").status_code == 404


def test_the_task_looks_again_while_waha_waits_for_a_scan(hotel, plus, monkeypatch):
    looks = []
    monkeypatch.setattr(waha_session_task, "apply_async", lambda args, countdown: looks.append((args, countdown)))
    owner = factories.make_member(hotel, "OWNER", "o@moscow.example")
    row = waha_session.session_request(hotel=hotel, action="start", actor=owner)
    waha_session_task(row.pk)
    assert looks == [((row.pk,), waha_session.LOOK_EVERY)]
    plus.waha_scan(f"hotel-{hotel.pk}")
    waha_session_task(row.pk)
    assert len(looks) == 1  # linked: no more looks


def test_waha_core_serves_one_shared_session_that_a_hotel_sees_but_cannot_cut_off(
        client, hotel, fast, fake_whatsapp, settings):
    settings.OUTBOUND_ALLOW_PRIVATE_HOSTS = True
    use_whatsapp(fast, "waha", fake_whatsapp.url)  # the install's WAHA Core: session "default"
    sign_in(client, hotel)
    page = client.get("/panel/settings/whatsapp-session/").content.decode()
    assert "only the operator can link or unlink it" in page and "Start and link a phone" not in page
    r = client.post("/panel/settings/whatsapp-session/logout/", follow=True)
    assert "only the operator can link or unlink it" in r.content.decode()
    with scopes_disabled():
        assert not WhatsAppSession.objects.exists()
    client.post("/panel/settings/whatsapp-session/refresh/")
    row, calls = work(hotel, fake_whatsapp)
    assert [path for path, _key in calls] == ["/api/sessions/default"]  # looked, changed nothing
    assert row.status == "WORKING" and row.phone == "+79990000000"


def test_a_plus_session_name_on_waha_core_is_explained_in_words(client, hotel, plus):
    plus.waha_accounts = {fw.WAHA_KEY: "default"}  # the server is WAHA Core after all
    sign_in(client, hotel)
    client.post("/panel/settings/whatsapp-session/start/")
    row, _calls = work(hotel, plus)
    assert "WAHA Core, which serves only the session “default”" in row.error
    assert escape(row.error) in client.get("/panel/settings/whatsapp-session/").content.decode()


def test_a_hotels_own_waha_uses_its_own_key_and_session_and_a_wrong_key_is_said_in_words(
        client, hotel, fast, fake_whatsapp, settings):
    settings.OUTBOUND_ALLOW_PRIVATE_HOSTS = True
    use_whatsapp(fast, "waha", fake_whatsapp.url)
    fake_whatsapp.waha_accounts = {OWN_KEY: "moscow"}
    with scopes_disabled():
        own = factories.make_messaging_account(hotel, whatsapp_provider="waha", waha_base_url=fake_whatsapp.url,
                                               waha_api_key=OWN_KEY, waha_session="moscow", waha_webhook_hmac_key="h")
    fake_whatsapp.waha_sessions["moscow"] = {"status": "STOPPED", "me": None, "qr": 0}
    sign_in(client, hotel)
    client.post("/panel/settings/whatsapp-session/start/")
    row, calls = work(hotel, fake_whatsapp)
    assert ("/api/sessions/moscow/start", OWN_KEY) in calls and row.status == "SCAN_QR_CODE"
    with scopes_disabled():
        own.config = {**own.config, "api_key": "revoked"}
        own.save()
    client.post("/panel/settings/whatsapp-session/refresh/")
    row, _calls = work(hotel, fake_whatsapp)
    assert row.error == "WAHA refused the API key (HTTP 401)."
    assert "WAHA refused the API key (HTTP 401)." in client.get("/panel/settings/whatsapp-session/").content.decode()


def test_only_owners_open_the_session_page_and_a_hotel_without_waha_is_told(client, hotel, fast):
    sign_in(client, hotel, role="STAFF", email="desk@moscow.example")
    assert client.get("/panel/settings/whatsapp-session/").status_code == 403
    assert client.post("/panel/settings/whatsapp-session/start/").status_code == 403
    client.logout()
    fast.INNKEEPER_WHATSAPP = {**fast.INNKEEPER_WHATSAPP, "provider": "off"}
    sign_in(client, hotel)
    page = client.get("/panel/settings/whatsapp-session/").content.decode()
    assert "does not go through WAHA" in page
    r = client.post("/panel/settings/whatsapp-session/start/", follow=True)
    assert "does not go through WAHA" in r.content.decode()
