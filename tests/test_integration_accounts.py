"""Integration accounts: the provider registry, the one hook URL per account, refused replays and stale
callbacks, the panel's "Test connection", and the move of the old per-provider accounts."""

from __future__ import annotations

import json
import time
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django_scopes import scopes_disabled

from innkeeper.core import providers as registry
from innkeeper.core.models import IntegrationAccount, SeenEvent
from innkeeper.locks.providers.ttlock import forget_tokens
from innkeeper.messaging.models import MessageStatus as S
from innkeeper.messaging.models import OptOut
from tests import factories
from tests.fakes import whatsapp as fw
from tests.fakes.ttlock import CLIENT_ID, CLIENT_SECRET, PASSWORD, USERNAME, FakeTTLockServer
from tests.messaging_helpers import confirmed_booking, deliver, rows, use_whatsapp
from tests.test_panel_catalogue import as_member

HOTEL_HMAC, OTHER_HMAC = "moscow-own-hmac", "other-own-hmac"


def test_every_kind_has_its_providers_registered_by_their_apps():
    # Providers the tests register for themselves (tests.pms_fake_adapter) are not the apps'.
    apps = {kind: [n for n in registry.names(kind) if not registry.get(kind, n).__module__.startswith("tests.")]
            for kind in registry.KINDS}
    assert apps == {
        "lock": ["simulator", "ttlock"], "whatsapp": ["cloud", "off", "simulator", "twilio", "waha"],
        "email": ["smtp"], "pms": ["cloudbeds", "ical", "mews", "qloapps"]}
    assert registry.get("pms", "cloudbeds").secret_names() == ("api_key", "access_token", "webhook_secret")
    assert registry.get("pms", "mews").secret_names() == ("client_token", "access_token", "webhook_token")
    ttlock = registry.get("lock", "ttlock")
    assert ttlock.secret_names() == ("client_secret", "password")
    assert registry.get("whatsapp", "waha").secret_names() == ("api_key", "webhook_hmac_key")


# -- one hook URL per account --------------------------------------------------------------------------

def waha_event(message_id=None, *, event="message.ack", ago: float = 0, event_id=None, **payload):
    """A WAHA webhook body as WAHA sends it: the event's own id and its time in milliseconds."""
    if event == "message.ack":
        payload = {"id": message_id, "ack": 3, "ackName": "READ", **payload}
    return json.dumps({"id": event_id or f"evt_{uuid.uuid4().hex}", "timestamp": int((time.time() - ago) * 1000),
                       "event": event, "session": "default", "payload": payload}).encode()


def stop_reply(**kwargs):
    return waha_event(event="message", payload_from="79161234567@c.us", **kwargs)


def post(client, url, body, key):
    return client.post(url, body, content_type="application/json", HTTP_X_WEBHOOK_HMAC=fw.waha_signature(key, body))


def status(message):
    with scopes_disabled():
        message.refresh_from_db()
    return message.status


@pytest.fixture
def accounts(hotel, other_hotel, fast, fake_whatsapp, settings):
    """Both hotels on their own WAHA account (the fake WAHA); returns their accounts."""
    settings.OUTBOUND_ALLOW_PRIVATE_HOSTS = True
    use_whatsapp(fast, "waha", fake_whatsapp.url)
    ours = factories.make_messaging_account(hotel, whatsapp_provider="waha", waha_base_url=fake_whatsapp.url,
                                            waha_api_key=fw.WAHA_KEY, waha_webhook_hmac_key=HOTEL_HMAC)
    theirs = factories.make_messaging_account(other_hotel, whatsapp_provider="waha",
                                              waha_base_url=fake_whatsapp.url, waha_api_key=fw.WAHA_KEY,
                                              waha_webhook_hmac_key=OTHER_HMAC)
    return ours, theirs


def test_the_hook_of_an_account_is_verified_with_that_accounts_key_and_touches_only_its_hotel(
        client, hotel, other_hotel, accounts):
    ours, theirs = accounts
    mine = deliver(rows(confirmed_booking(hotel))["WHATSAPP"])
    body = waha_event(mine.provider_message_id)
    assert post(client, f"/hooks/whatsapp/waha/{ours.pk}", body, OTHER_HMAC).status_code == 403
    assert post(client, f"/hooks/whatsapp/waha/{theirs.pk}", body, OTHER_HMAC).status_code == 200
    assert status(mine) == S.SENT  # the other hotel's hook cannot touch our message
    assert post(client, f"/hooks/whatsapp/waha/{ours.pk}", body, HOTEL_HMAC).status_code == 200
    assert status(mine) == S.READ
    for url in (f"/hooks/whatsapp/twilio/{ours.pk}", "/hooks/whatsapp/waha/999999", "/hooks/lock/ttlock/install",
                "/hooks/whatsapp/nobody/install", "/hooks/whatsapp/waha/" + "9" * 30, "/hooks/whatsapp/waha/x1"):
        assert post(client, url, body, HOTEL_HMAC).status_code == 404, url


def test_the_old_hotel_url_is_an_alias_of_the_accounts_hook(client, hotel, accounts):
    mine = deliver(rows(confirmed_booking(hotel))["WHATSAPP"])
    assert post(client, "/hooks/waha/moscow/", waha_event(mine.provider_message_id), HOTEL_HMAC).status_code == 200
    assert status(mine) == S.READ


# -- stale callbacks and replays -------------------------------------------------------------------------

@pytest.mark.parametrize("ago, answer", [(6 * 60, 403), (-6 * 60, 403), (4 * 60, 200)])
def test_a_signed_waha_callback_older_than_five_minutes_is_refused(client, hotel, accounts, ago, answer):
    mine = deliver(rows(confirmed_booking(hotel))["WHATSAPP"])
    body = waha_event(mine.provider_message_id, ago=ago)
    assert post(client, "/hooks/waha/moscow/", body, HOTEL_HMAC).status_code == answer
    assert status(mine) == (S.READ if answer == 200 else S.SENT)


def test_a_signed_cloud_status_older_than_five_minutes_is_refused(client, hotel, other_hotel, fast, fake_whatsapp):
    use_whatsapp(fast, "cloud", fake_whatsapp.url)
    mine = deliver(rows(confirmed_booking(hotel))["WHATSAPP"])

    def statuses(ago):
        return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [
            {"field": "messages", "value": {"statuses": [
                {"id": mine.provider_message_id, "status": "read", "timestamp": str(int(time.time() - ago)),
                 "recipient_id": "79161234567"}]}}]}]}).encode()

    def send(body):
        return client.post("/hooks/whatsapp/cloud/install", body, content_type="application/json",
                           HTTP_X_HUB_SIGNATURE_256=fw.cloud_signature("cloud-app-secret", body))

    assert send(statuses(10 * 60)).status_code == 403
    assert status(mine) == S.SENT
    assert send(statuses(0)).status_code == 200
    assert status(mine) == S.READ


def test_a_replayed_event_id_changes_nothing_and_ids_are_each_accounts_own(client, hotel, other_hotel, accounts):
    ours, theirs = accounts
    deliver(rows(confirmed_booking(hotel))["WHATSAPP"])
    deliver(rows(confirmed_booking(other_hotel))["WHATSAPP"])
    stop = waha_event(event="message", event_id="evt_stop", **{"from": "79161234567@c.us", "body": "STOP"})

    def optouts():
        with scopes_disabled():
            return sorted(OptOut.objects.filter(channel="WHATSAPP").values_list("hotel__slug", flat=True))

    assert post(client, f"/hooks/whatsapp/waha/{ours.pk}", stop, HOTEL_HMAC).status_code == 200
    assert optouts() == ["moscow"]
    with scopes_disabled():
        OptOut.objects.all().delete()  # the guest opted in again
    assert post(client, f"/hooks/whatsapp/waha/{ours.pk}", stop, HOTEL_HMAC).status_code == 200
    assert post(client, "/hooks/waha/moscow/", stop, HOTEL_HMAC).status_code == 200  # the alias: same account
    assert optouts() == []  # the replay opted nobody out again
    # The same id at the other hotel's account is that account's first: its own event.
    assert post(client, f"/hooks/whatsapp/waha/{theirs.pk}", stop, OTHER_HMAC).status_code == 200
    assert optouts() == [other_hotel.slug]
    with scopes_disabled():
        assert sorted(SeenEvent.objects.values_list("account", "hotel_id")) == [
            (f"whatsapp/waha/{ours.pk}", hotel.pk), (f"whatsapp/waha/{theirs.pk}", other_hotel.pk)]


def test_a_replayed_twilio_status_is_refused_by_its_message_sid_and_status(client, hotel, fast, fake_whatsapp):
    use_whatsapp(fast, "twilio", fake_whatsapp.url)
    mine = deliver(rows(confirmed_booking(hotel))["WHATSAPP"])
    url = "http://testserver/hooks/twilio"

    def send(state):
        params = {"MessageSid": mine.provider_message_id, "MessageStatus": state}
        return client.post("/hooks/twilio", params, HTTP_X_TWILIO_SIGNATURE=fw.twilio_signature(fw.TWILIO_TOKEN,
                                                                                                url, params))

    assert send("failed").status_code == 200 and status(mine) == S.FAILED
    with scopes_disabled():
        type(mine).objects.filter(pk=mine.pk).update(status=S.SENT)  # e.g. a staff retry sent it again
    assert send("failed").status_code == 200 and status(mine) == S.SENT  # the replay changed nothing


def test_seen_event_ids_are_forgotten_after_a_day(client, hotel, accounts):
    ours, _theirs = accounts
    with scopes_disabled():
        SeenEvent.objects.create(account=f"whatsapp/waha/{ours.pk}", event_id="old", hotel=hotel,
                                 seen_at=timezone.now() - timedelta(days=1, minutes=1))
    assert post(client, f"/hooks/whatsapp/waha/{ours.pk}", waha_event("nothing"), HOTEL_HMAC).status_code == 200
    with scopes_disabled():
        assert list(SeenEvent.objects.values_list("event_id", flat=True)).count("old") == 0


# -- the panel's "Test connection" -----------------------------------------------------------------------

@pytest.fixture
def ttlock_cloud(settings):
    settings.OUTBOUND_ALLOW_PRIVATE_HOSTS = True  # the hotel's lock cloud is a fake on this machine
    settings.LOCK_PROVIDER, settings.TTLOCK = "simulator", None
    forget_tokens()
    with FakeTTLockServer() as (fake, base_url):
        yield fake, base_url
    forget_tokens()


def press_test_connection(client, kind, worker, *, server=None, **headers) -> str:
    """Press the card's "Test connection": the answer comes before any call to the provider (``server``, a
    fake with ``requests``, sees none) and shows the test as under way; then a worker's turn; then the
    settings page as it is now."""
    seen = len(server.requests) if server is not None else 0
    answer = client.post(f"/panel/settings/{kind}/verify/", follow=True, **headers)
    assert answer.status_code == 200
    assert f'<div id="check-{kind}" class="check" data-waiting="/panel/settings/">' in answer.content.decode()
    if server is not None:
        assert len(server.requests) == seen
    assert worker.run("core.connection_check") == ["core.connection_check"]
    return client.get("/panel/settings/", **headers).content.decode()


@pytest.mark.parametrize("language, connected, refused", [
    ("en", "Connected: the lock account has 2 locks.", "The lock account&#x27;s user name or password is wrong."),
    ("ru", "Подключено: в аккаунте замков 2 замка.", "Неверное имя пользователя или пароль аккаунта замков."),
])
def test_test_connection_checks_the_hotels_own_lock_account_and_records_the_outcome(
        client, hotel, other_hotel, ttlock_cloud, language, connected, refused, worker):
    fake, base_url = ttlock_cloud
    fake.add_lock("L1")
    fake.add_lock("L2")
    ours = factories.make_lock_account(hotel, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, username=USERNAME,
                                       password=PASSWORD, base_url=base_url)
    theirs = factories.make_lock_account(other_hotel, provider="simulator")
    as_member(client, hotel, "OWNER", "owner@moscow.example")
    page = press_test_connection(client, "lock", worker, server=fake, HTTP_ACCEPT_LANGUAGE=language)
    assert connected in page
    with scopes_disabled():
        ours.refresh_from_db()
        theirs.refresh_from_db()
    assert ours.last_ok_at is not None and ours.last_error == ""
    assert (theirs.last_ok_at, theirs.last_error) == (None, "")  # the other hotel's account is not touched
    with scopes_disabled():
        ours.refresh_from_db()
        ours.config = {**ours.config, "password": "wrong"}
        ours.save()
    page = press_test_connection(client, "lock", worker, server=fake, HTTP_ACCEPT_LANGUAGE=language)
    assert refused in page
    with scopes_disabled():
        ours.refresh_from_db()
    assert ours.last_error.startswith(refused.replace("&#x27;", "'")[:20])


def test_test_connection_checks_the_hotels_own_waha_session(client, hotel, other_hotel, accounts, fake_whatsapp,
                                                           worker):
    ours, theirs = accounts
    as_member(client, hotel, "OWNER", "owner@moscow.example")
    page = press_test_connection(client, "whatsapp", worker, server=fake_whatsapp)
    assert "Connected: the WAHA session is WORKING." in page
    assert fake_whatsapp.requests[-1]["path"] == "/api/sessions/default"
    with scopes_disabled():
        ours.refresh_from_db()
        ours.config = {**ours.config, "api_key": "revoked"}
        ours.save()
    page = press_test_connection(client, "whatsapp", worker, server=fake_whatsapp)
    assert "The provider refused the credentials (HTTP 401)." in page
    with scopes_disabled():
        ours.refresh_from_db()
        theirs.refresh_from_db()
    assert ours.last_error == "The provider refused the credentials (HTTP 401)." and ours.last_ok_at is not None
    assert (theirs.last_ok_at, theirs.last_error) == (None, "")


def test_test_connection_shows_a_short_result_never_the_providers_answer(client, hotel, fast, fake_whatsapp,
                                                                        worker):
    use_whatsapp(fast, "twilio", fake_whatsapp.url)
    as_member(client, hotel, "OWNER", "owner@moscow.example")
    fake_whatsapp.fail((403, {"code": 20003, "message": "<script>alert('Authenticate')</script>"}))
    page = press_test_connection(client, "whatsapp", worker, server=fake_whatsapp)
    assert '<p class="alert error" role="status">The provider refused the credentials (HTTP 403).</p>' in page
    assert "Authenticate" not in page


# -- the move from the old per-provider accounts ----------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_every_messaging_account_with_its_secrets():
    a, b, c = (factories.make_hotel() for _ in range(3))
    before = [("messaging", "0005_simulatedmessage_guest")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("messaging", "MessagingAccount")
    old.objects.create(hotel_id=a.pk, whatsapp_provider="waha", waha_base_url="https://waha.a.example",
                       waha_api_key="a-key", waha_session="a", waha_webhook_hmac_key="a-hmac",
                       cloud_access_token="left-over", email_from_name="A Desk", email_from_address="desk@a.example")
    old.objects.create(hotel_id=b.pk, whatsapp_provider="twilio", twilio_account_sid="AC1", twilio_auth_token="b-tok",
                       twilio_from_number="+1555", twilio_content_sids={"X": {"en": "HX1"}}, is_active=False)
    old.objects.create(hotel_id=c.pk, email_reply_to="replies@c.example")
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    with scopes_disabled():
        moved = {(row.hotel_id, row.kind): (row.provider, row.config, row.status)
                 for row in IntegrationAccount.objects.all()}
    assert moved == {
        (a.pk, "whatsapp"): ("waha", {"base_url": "https://waha.a.example", "api_key": "a-key", "session": "a",
                                      "webhook_hmac_key": "a-hmac"}, "active"),
        (a.pk, "email"): ("smtp", {"from_name": "A Desk", "from_address": "desk@a.example", "reply_to": ""},
                          "active"),
        (b.pk, "whatsapp"): ("twilio", {"account_sid": "AC1", "auth_token": "b-tok", "from_number": "+1555",
                                        "messaging_service_sid": "", "content_sids": {"X": {"en": "HX1"}}},
                             "disabled"),
        (c.pk, "email"): ("smtp", {"from_name": "", "from_address": "", "reply_to": "replies@c.example"}, "active"),
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT config FROM core_integrationaccount")
        assert not any("a-key" in value or "b-tok" in value for (value,) in cursor.fetchall())


def test_test_connection_without_an_own_account_checks_the_installs(client, hotel, settings, worker):
    """The install's TTLock server is the operator's: the check reaches it even on a private address."""
    settings.OUTBOUND_ALLOW_PRIVATE_HOSTS = False
    forget_tokens()
    with FakeTTLockServer() as (fake, base_url):
        fake.add_lock("L1")
        settings.LOCK_PROVIDER = "ttlock"
        settings.TTLOCK = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "username": USERNAME,
                           "password": PASSWORD, "base_url": base_url, "timeout": 1.0}
        as_member(client, hotel, "OWNER", "owner@moscow.example")
        page = press_test_connection(client, "lock", worker, server=fake)
    forget_tokens()
    assert "Connected: the lock account has 1 lock." in page
    with scopes_disabled():
        assert not IntegrationAccount.objects.exists()  # nothing recorded: the install's account is no row
