"""A hotel's own messaging account: its WhatsApp provider and e-mail sender override the install's for
that hotel only, over the real protocols (HTTP to the fake WAHA, SMTP to a real server)."""

import json

import pytest
from django.db import connection
from django.utils import timezone
from django_scopes import scopes_disabled

from innkeeper.core.models import IntegrationAccount
from innkeeper.hotels.models import HotelDomain
from innkeeper.messaging.models import MessageStatus
from innkeeper.messaging.services import messaging_account_values
from tests import factories
from tests.fakes import whatsapp as fw
from tests.messaging_helpers import confirmed_booking, deliver, rows, use_whatsapp

S = MessageStatus
HOTEL_KEY, HOTEL_SESSION, HOTEL_HMAC = "moscow-own-waha-key", "moscow", "moscow-own-hmac"


@pytest.fixture
def hotel_waha(settings):
    """The hotel's own WAHA server (WAHA Plus: a named session), on this machine's loopback address."""
    settings.OUTBOUND_ALLOW_PRIVATE_HOSTS = True
    server = fw.FakeWhatsApp(slow_seconds=1.5).start()
    server.waha_accounts = {HOTEL_KEY: HOTEL_SESSION}
    yield server
    server.stop()


def own_waha(hotel, url, **fields):
    with scopes_disabled():
        return factories.make_messaging_account(hotel, whatsapp_provider="waha", waha_base_url=url,
                                               waha_api_key=HOTEL_KEY, waha_session=HOTEL_SESSION,
                                               waha_webhook_hmac_key=HOTEL_HMAC, **fields)


def test_a_hotel_with_its_own_waha_account_sends_with_its_key_and_session_the_other_with_the_installs(
        hotel, other_hotel, fast, fake_whatsapp, hotel_waha):
    use_whatsapp(fast, "waha", fake_whatsapp.url)
    own_waha(hotel, hotel_waha.url)
    ours = deliver(rows(confirmed_booking(hotel))["WHATSAPP"])
    theirs = deliver(rows(confirmed_booking(other_hotel))["WHATSAPP"])
    assert (ours.status, ours.provider, ours.own_account) == (S.SENT, "waha", True)
    assert (theirs.status, theirs.own_account) == (S.SENT, False)
    [mine] = hotel_waha.sends
    assert (mine["key"], mine["session"], mine["id"]) == (HOTEL_KEY, HOTEL_SESSION, ours.provider_message_id)
    [install] = fake_whatsapp.sends
    assert (install["key"], install["session"], install["id"]) == (fw.WAHA_KEY, "default",
                                                                   theirs.provider_message_id)
    assert json.loads(hotel_waha.requests[0]["body"])["chatId"] == "79161234567@c.us"


def test_an_inactive_account_leaves_the_hotel_on_the_installs_provider(hotel, fast, fake_whatsapp, hotel_waha):
    use_whatsapp(fast, "waha", fake_whatsapp.url)
    own_waha(hotel, hotel_waha.url, is_active=False)
    wa = deliver(rows(confirmed_booking(hotel))["WHATSAPP"])
    assert (wa.status, wa.own_account, len(fake_whatsapp.sends), hotel_waha.sends) == (S.SENT, False, 1, [])


def test_a_hotel_that_switches_whatsapp_off_gets_no_whatsapp_while_the_install_sends(
        hotel, other_hotel, fast, fake_whatsapp):
    use_whatsapp(fast, "waha", fake_whatsapp.url)
    with scopes_disabled():
        factories.make_messaging_account(hotel, whatsapp_provider="off")
    ours = rows(confirmed_booking(hotel))["WHATSAPP"]
    assert ours.status == S.SKIPPED and "switched off in the hotel's messaging account" in ours.last_error
    assert deliver(rows(confirmed_booking(other_hotel))["WHATSAPP"]).status == S.SENT


def test_guest_email_comes_from_the_hotels_own_sender_at_the_smtp_server(hotel, other_hotel, smtp, fast):
    fast.INNKEEPER_WHATSAPP = {**fast.INNKEEPER_WHATSAPP, "provider": "off"}
    with scopes_disabled():  # only the sender: WhatsApp stays the install's
        HotelDomain.objects.create(hotel=hotel, domain="moscow-inn.example", verified_at=timezone.now())
        factories.make_messaging_account(hotel, email_from_name="Moscow Inn Front Desk",
                                        email_from_address="desk@moscow-inn.example",
                                        email_reply_to="reservations@moscow-inn.example")
    ours = deliver(rows(confirmed_booking(hotel))["EMAIL"])
    theirs = deliver(rows(confirmed_booking(other_hotel, email="bob@example.com"))["EMAIL"])
    assert ours.status == theirs.status == S.SENT
    by_recipient = {m["To"]: m for m in smtp.messages}
    mine = by_recipient["anna@example.com"]
    assert mine["From"] == "Moscow Inn Front Desk <desk@moscow-inn.example>"
    assert mine["Reply-To"] == "reservations@moscow-inn.example"
    # DEFAULT_FROM_EMAIL's address under the hotel's name
    assert by_recipient["bob@example.com"]["From"] == "Other Inn <stay@moscow.example>"
    assert by_recipient["bob@example.com"]["Reply-To"] is None


def test_the_accounts_secrets_are_encrypted_at_rest(hotel, hotel_waha):
    own_waha(hotel, hotel_waha.url)
    with connection.cursor() as cursor:
        cursor.execute("SELECT config FROM core_integrationaccount WHERE kind = 'whatsapp'")
        stored = "".join(cursor.fetchone())
    assert HOTEL_KEY not in stored and HOTEL_HMAC not in stored and stored
    with scopes_disabled():
        assert IntegrationAccount.objects.get(kind="whatsapp").config["api_key"] == HOTEL_KEY


# Receipts at the hotel's own hook URLs ------------------------------------------------------------------

def waha_ack(message_id, ack=2, name="DEVICE"):
    return json.dumps({"event": "message.ack", "session": HOTEL_SESSION,
                       "payload": {"id": message_id, "ack": ack, "ackName": name}}).encode()


def post_waha(client, url, body, key):
    return client.post(url, body, content_type="application/json", HTTP_X_WEBHOOK_HMAC=fw.waha_signature(key, body))


def status(message):
    with scopes_disabled():
        message.refresh_from_db()
    return message.status


def test_a_hotels_waha_receipt_counts_only_at_its_own_url_signed_with_its_own_key(
        client, hotel, other_hotel, fast, fake_whatsapp, hotel_waha):
    use_whatsapp(fast, "waha", fake_whatsapp.url)  # the install's hook key: "waha-hmac"
    own_waha(hotel, hotel_waha.url)
    with scopes_disabled():
        factories.make_messaging_account(other_hotel, whatsapp_provider="waha", waha_base_url=hotel_waha.url,
                                        waha_api_key="x", waha_webhook_hmac_key="other-hmac")
    ours = deliver(rows(confirmed_booking(hotel))["WHATSAPP"])
    body = waha_ack(ours.provider_message_id)
    assert post_waha(client, "/hooks/waha/moscow/", body, "waha-hmac").status_code == 403  # the install's key
    assert post_waha(client, "/hooks/waha/moscow/", body, "other-hmac").status_code == 403  # another hotel's
    assert post_waha(client, "/hooks/waha/other/", body, "other-hmac").status_code == 200  # its URL, not our message
    assert post_waha(client, "/hooks/waha", body, "waha-hmac").status_code == 200  # the install's URL
    assert status(ours) == S.SENT
    assert post_waha(client, "/hooks/waha/moscow/", body, HOTEL_HMAC).status_code == 200
    assert status(ours) == S.DELIVERED
    # A hotel without an account of that provider has no such URL.
    assert post_waha(client, "/hooks/twilio/moscow/", body, HOTEL_HMAC).status_code == 404
    assert post_waha(client, "/hooks/waha/nowhere/", body, HOTEL_HMAC).status_code == 404


def test_the_installs_waha_receipts_still_count_for_hotels_on_the_installs_account(
        client, hotel, other_hotel, fast, fake_whatsapp, hotel_waha):
    use_whatsapp(fast, "waha", fake_whatsapp.url)
    own_waha(hotel, hotel_waha.url)
    theirs = deliver(rows(confirmed_booking(other_hotel))["WHATSAPP"])
    body = waha_ack(theirs.provider_message_id, 3, "READ")
    assert post_waha(client, "/hooks/waha/moscow/", body, HOTEL_HMAC).status_code == 200
    assert status(theirs) == S.SENT  # the hotel's own URL cannot touch another hotel's messages
    assert post_waha(client, "/hooks/waha", body, "waha-hmac").status_code == 200
    assert status(theirs) == S.READ


def test_a_hotels_twilio_status_callback_is_verified_with_its_own_auth_token(client, hotel, fast, fake_whatsapp):
    use_whatsapp(fast, "twilio", fake_whatsapp.url)
    fast.INNKEEPER_WHATSAPP["twilio"]["auth_token"] = "the-installs-token"
    with scopes_disabled():  # the fake Twilio knows the hotel's account
        factories.make_messaging_account(hotel, whatsapp_provider="twilio", twilio_account_sid=fw.TWILIO_SID,
                                        twilio_auth_token=fw.TWILIO_TOKEN, twilio_from_number="+14155238886",
                                        twilio_messaging_service_sid=fw.TWILIO_SERVICE,
                                        twilio_content_sids={"BOOKING_CONFIRMATION": {"en": fw.TWILIO_CONTENT_EN}})
    ours = deliver(rows(confirmed_booking(hotel))["WHATSAPP"])
    assert (ours.status, ours.own_account) == (S.SENT, True)
    params = {"MessageSid": ours.provider_message_id, "MessageStatus": "delivered", "AccountSid": fw.TWILIO_SID}
    url = "http://testserver/hooks/twilio/moscow/"
    forged = fw.twilio_signature("the-installs-token", url, params)
    assert client.post("/hooks/twilio/moscow/", params, HTTP_X_TWILIO_SIGNATURE=forged).status_code == 403
    install = fw.twilio_signature("the-installs-token", "http://testserver/hooks/twilio", params)
    assert client.post("/hooks/twilio", params, HTTP_X_TWILIO_SIGNATURE=install).status_code == 200
    assert status(ours) == S.SENT
    signed = fw.twilio_signature(fw.TWILIO_TOKEN, url, params)
    assert client.post("/hooks/twilio/moscow/", params, HTTP_X_TWILIO_SIGNATURE=signed).status_code == 200
    assert status(ours) == S.DELIVERED


def test_a_hotels_twilio_messages_ask_for_receipts_at_its_own_url_on_the_installs_public_host(
        client, hotel, fast, fake_whatsapp):
    from urllib.parse import parse_qs

    use_whatsapp(fast, "twilio", fake_whatsapp.url)
    fast.INNKEEPER_WHATSAPP["twilio"]["status_callback_url"] = "https://inn.example/hooks/twilio"
    with scopes_disabled():
        account = factories.make_messaging_account(
            hotel, whatsapp_provider="twilio", twilio_account_sid=fw.TWILIO_SID, twilio_auth_token=fw.TWILIO_TOKEN,
            twilio_from_number="+14155238886", twilio_messaging_service_sid=fw.TWILIO_SERVICE,
            twilio_content_sids={"BOOKING_CONFIRMATION": {"en": fw.TWILIO_CONTENT_EN}})
    ours = deliver(rows(confirmed_booking(hotel))["WHATSAPP"])
    form = parse_qs(fake_whatsapp.requests[0]["body"].decode())
    own_hook = f"https://inn.example/hooks/whatsapp/twilio/{account.pk}"  # the hotel's own account's hook
    assert form["StatusCallback"] == [own_hook]
    params = {"MessageSid": ours.provider_message_id, "MessageStatus": "read"}
    signed = fw.twilio_signature(fw.TWILIO_TOKEN, own_hook, params)
    assert client.post("/hooks/twilio/moscow/", params, HTTP_X_TWILIO_SIGNATURE=signed).status_code == 200
    assert status(ours) == S.READ


def test_a_stop_reply_to_a_hotels_own_account_opts_the_guest_out_of_that_hotel_only(
        client, hotel, other_hotel, fast, fake_whatsapp, hotel_waha):
    from innkeeper.messaging.models import OptOut

    use_whatsapp(fast, "waha", fake_whatsapp.url)
    own_waha(hotel, hotel_waha.url)
    deliver(rows(confirmed_booking(hotel))["WHATSAPP"])
    deliver(rows(confirmed_booking(other_hotel))["WHATSAPP"])  # the same guest, through the install's account
    body = json.dumps({"event": "message", "payload": {"from": "79161234567@c.us", "body": "STOP"}}).encode()
    assert post_waha(client, "/hooks/waha/moscow/", body, HOTEL_HMAC).status_code == 200
    with scopes_disabled():
        assert list(OptOut.objects.values_list("hotel__slug", "address")) == [("moscow", "+79161234567")]


def test_a_hotels_cloud_api_hook_answers_meta_with_its_own_verify_token(client, hotel, fast, fake_whatsapp):
    use_whatsapp(fast, "cloud", fake_whatsapp.url)  # the install's verify token: "verify-me"
    with scopes_disabled():
        factories.make_messaging_account(hotel, whatsapp_provider="cloud", cloud_access_token=fw.CLOUD_TOKEN,
                                        cloud_phone_number_id=fw.CLOUD_PHONE_ID, cloud_app_secret="moscow-secret",
                                        cloud_verify_token="moscow-verify")
    ask = lambda token: client.get("/hooks/whatsapp-cloud/moscow/", {  # noqa: E731
        "hub.mode": "subscribe", "hub.verify_token": token, "hub.challenge": "42"})
    assert ask("verify-me").status_code == 403
    assert ask("moscow-verify").content == b"42"
    ours = deliver(rows(confirmed_booking(hotel))["WHATSAPP"])
    body = json.dumps({"entry": [{"changes": [{"value": {"statuses": [
        {"id": ours.provider_message_id, "status": "read"}]}}]}]}).encode()
    post = lambda url, secret: client.post(url, body, content_type="application/json",  # noqa: E731
                                           HTTP_X_HUB_SIGNATURE_256=fw.cloud_signature(secret, body))
    assert post("/hooks/whatsapp-cloud/moscow/", "cloud-app-secret").status_code == 403
    assert post("/hooks/whatsapp-cloud", "cloud-app-secret").status_code == 200 and status(ours) == S.SENT
    assert post("/hooks/whatsapp-cloud/moscow/", "moscow-secret").status_code == 200 and status(ours) == S.READ


def test_nul_characters_in_a_signed_callback_are_answered_not_a_server_error(client, hotel, fast, fake_whatsapp):
    use_whatsapp(fast, "waha", fake_whatsapp.url)
    wa = deliver(rows(confirmed_booking(hotel))["WHATSAPP"])
    reply = lambda sender, text: json.dumps({"event": "message",  # noqa: E731
                                             "payload": {"from": sender, "body": text}}).encode()
    for body in (waha_ack(wa.provider_message_id + "\x00"), waha_ack(wa.provider_message_id, -1, "ERR\x00OR"),
                 reply("7916\x00@c.us", "STOP"), reply("79161234567@c.us", "ST\x00OP")):
        assert post_waha(client, "/hooks/waha", body, "waha-hmac").status_code == 200
    with scopes_disabled():
        wa.refresh_from_db()
    assert (wa.status, wa.last_error) == (S.FAILED, "ERROR")
    params = {"MessageSid": "SM\x00", "MessageStatus": "delivered"}
    fast.INNKEEPER_WHATSAPP["twilio"]["auth_token"] = "t"
    sig = fw.twilio_signature("t", "http://testserver/hooks/twilio", params)
    assert client.post("/hooks/twilio", params, HTTP_X_TWILIO_SIGNATURE=sig).status_code == 200


# The owner's "Guest messaging" card -------------------------------------------------------------------

def test_an_owner_sets_the_hotels_own_waha_account_with_secrets_kept_encrypted_and_out_of_the_audit_log(
        client, hotel, settings):
    from innkeeper.core.models import ActivityLog
    from tests.test_panel_catalogue import as_member

    settings.OUTBOUND_ALLOW_PRIVATE_HOSTS = True  # waha.moscow.example resolves nowhere here
    settings.INNKEEPER_PLATFORM_HOSTS = [*settings.INNKEEPER_PLATFORM_HOSTS, "inn.example"]
    with scopes_disabled():
        HotelDomain.objects.create(hotel=hotel, domain="www.moscow-inn.example")  # the sender's domain

    owner = as_member(client, hotel, "OWNER", "owner@moscow.example")
    form = {"msg-whatsapp_provider": "waha", "msg-waha_base_url": "http://waha.moscow.example:3000",
            "msg-waha_api_key": "k3y-s3cret", "msg-waha_webhook_hmac_key": "hm4c-s3cret",
            "msg-email_from_name": "Moscow Inn", "msg-email_from_address": "desk@moscow-inn.example",
            "msg-is_active": "on"}
    url = "/panel/settings/messaging/"
    missing = client.post(url, {**form, "msg-waha_api_key": ""})
    assert missing.status_code == 400 and "WAHA needs its server address and API key." in missing.content.decode()
    assert client.post(url, form).status_code == 302
    assert client.post(url, {**form, "msg-waha_api_key": "", "msg-waha_webhook_hmac_key": "",
                             "msg-waha_session": "moscow"}).status_code == 302
    with scopes_disabled():
        account = messaging_account_values(hotel.pk)
    assert (account["waha_session"], account["waha_api_key"], account["waha_webhook_hmac_key"]) == (
        "moscow", "k3y-s3cret", "hm4c-s3cret")
    with connection.cursor() as cursor:
        cursor.execute("SELECT config FROM core_integrationaccount WHERE kind = 'whatsapp'")
        assert "s3cret" not in "".join(cursor.fetchone())
    entries = ActivityLog.objects.filter(verb="messagingaccount.set", actor_kind="staff",
                                         actor_id=str(owner.pk)).order_by("id")
    assert [e.after.get("waha_session") for e in entries] == ["", "moscow"]
    assert entries[0].after["secrets_changed"] == ["waha_api_key", "waha_webhook_hmac_key"]
    assert all("s3cret" not in str(e.before) + str(e.after) for e in entries)
    page = client.get("/panel/settings/").content.decode()
    port = f":{settings.HOTEL_LINK_PORT}" if settings.HOTEL_LINK_PORT else ""  # the demo's port
    with scopes_disabled():
        own = IntegrationAccount.objects.get(hotel=hotel, kind="whatsapp").pk
    assert f"<code data-hook-url>http://inn.example{port}/hooks/whatsapp/waha/{own}</code>" in page
    assert "k3y-s3cret" not in page


@pytest.mark.parametrize("change, field, message", [
    ({"msg-waha_base_url": "not a url"}, "waha_base_url", "Enter a valid URL."),
    ({"msg-whatsapp_provider": "twilio", "msg-twilio_account_sid": "AC1", "msg-twilio_auth_token": "t",
      "msg-twilio_from_number": "+14155238886", "msg-twilio_content_sids": "{not json"},
     "twilio_content_sids", "Enter a JSON object of message type"),
    ({"msg-whatsapp_provider": "twilio", "msg-twilio_account_sid": "AC1", "msg-twilio_auth_token": "t",
      "msg-twilio_from_number": "14155238886"}, "twilio_from_number", "Enter the number in international form"),
    ({"msg-whatsapp_provider": "twilio", "msg-twilio_account_sid": "AC1", "msg-twilio_auth_token": "t"},
     "twilio_from_number", "Twilio needs the account SID, the auth token and the WhatsApp sender number."),
    ({"msg-whatsapp_provider": "twilio", "msg-twilio_account_sid": "XX1", "msg-twilio_auth_token": "t",
      "msg-twilio_from_number": "+14155238886"}, "twilio_account_sid", "A Twilio account SID starts with AC."),
    ({"msg-whatsapp_provider": "twilio", "msg-twilio_account_sid": "AC1", "msg-twilio_auth_token": "t",
      "msg-twilio_from_number": "+14155238886",
      "msg-twilio_content_sids": '{"BOOKING_CONFIRMATION": {"en": "HX1"}}'},
     "twilio_messaging_service_sid", "give its SID (MG...)"),
    ({"msg-whatsapp_provider": "cloud", "msg-cloud_access_token": "t"}, "cloud_phone_number_id",
     "The WhatsApp Cloud API needs the access token, the phone number id and the app secret."),
    ({"msg-whatsapp_provider": "waha", "msg-waha_base_url": "http://waha.moscow.example", "msg-waha_api_key": "k"},
     "waha_webhook_hmac_key", "Give the webhook HMAC key too (the hmac.key of WAHA's webhook)"),
    ({"msg-whatsapp_provider": "cloud", "msg-cloud_access_token": "t", "msg-cloud_phone_number_id": "1",
      "msg-cloud_app_secret": "s"}, "cloud_verify_token", "Meta's subscription handshake at the hotel's hook URL"),
    ({"msg-email_from_name": "Moscow Inn"}, "email_from_address", "Give the sender's address too."),
    ({"msg-email_reply_to": "nobody"}, "email_reply_to", "Enter a valid email address."),
])
def test_the_messaging_card_says_what_to_fix_beside_the_field_and_saves_nothing(client, hotel, change, field,
                                                                                message):
    from tests.test_panel_catalogue import as_member

    as_member(client, hotel, "OWNER", "owner@moscow.example")
    answer = client.post("/panel/settings/messaging/", {"msg-is_active": "on", **change})
    page = answer.content.decode()
    assert answer.status_code == 400
    error = page.split(f'id="id_msg-{field}_error">', 1)[1].split("</p>", 1)[0]
    assert message in error.replace("&quot;", '"').replace("&#x27;", "'")
    with scopes_disabled():
        assert not IntegrationAccount.objects.exists()


def test_the_messaging_card_speaks_russian(client, hotel):
    from tests.test_panel_catalogue import as_member

    as_member(client, hotel, "OWNER", "owner@moscow.example")
    answer = client.post("/panel/settings/messaging/", {"msg-whatsapp_provider": "waha"},
                         HTTP_ACCEPT_LANGUAGE="ru")
    assert answer.status_code == 400 and "Для WAHA нужны адрес сервера и API-ключ." in answer.content.decode()


def test_the_card_shows_a_saved_twilio_account_and_its_hook_url_but_no_secret(client, hotel, settings):
    from tests.test_panel_catalogue import as_member

    settings.INNKEEPER_WHATSAPP = {**settings.INNKEEPER_WHATSAPP, "twilio": {
        **settings.INNKEEPER_WHATSAPP["twilio"], "status_callback_url": "https://inn.example/hooks/twilio"}}

    as_member(client, hotel, "OWNER", "owner@moscow.example")
    sids = '{"BOOKING_CONFIRMATION": {"en": "HX' + "e" * 32 + '"}}'
    assert client.post("/panel/settings/messaging/", {
        "msg-whatsapp_provider": "twilio", "msg-twilio_account_sid": fw.TWILIO_SID,
        "msg-twilio_auth_token": "tw-s3cret", "msg-twilio_from_number": "whatsapp:+14155238886",
        "msg-twilio_messaging_service_sid": fw.TWILIO_SERVICE, "msg-twilio_content_sids": sids,
        "msg-is_active": "on"}).status_code == 302
    with scopes_disabled():
        account = messaging_account_values(hotel.pk)
    assert (account["twilio_from_number"], account["twilio_content_sids"]) == ("+14155238886", json.loads(sids))
    page = client.get("/panel/settings/").content.decode()
    with scopes_disabled():
        own = IntegrationAccount.objects.get(hotel=hotel, kind="whatsapp").pk
    assert f"<code data-hook-url>https://inn.example/hooks/whatsapp/twilio/{own}</code>" in page
    assert "tw-s3cret" not in page
    assert "HX" + "e" * 32 in page and "own Twilio account" in page


@pytest.mark.parametrize("host, address", [("127.0.0.1", "127.0.0.1"), ("10.0.0.5", "10.0.0.5"),
                                           ("169.254.169.254", "169.254.169.254"), ("localhost", "127.0.0.1"),
                                           ("239.1.2.3", "239.1.2.3")])  # multicast counts as "global"
def test_a_waha_address_on_a_private_or_local_network_is_refused_unless_the_install_allows_it(
        client, hotel, settings, host, address):
    from tests.test_panel_catalogue import as_member

    as_member(client, hotel, "OWNER", "owner@moscow.example")
    form = {"msg-whatsapp_provider": "waha", "msg-waha_base_url": f"http://{host}:3000", "msg-waha_api_key": "k",
            "msg-waha_webhook_hmac_key": "h", "msg-is_active": "on"}
    answer = client.post("/panel/settings/messaging/", form)
    assert answer.status_code == 400
    error = answer.content.decode().split('id="id_msg-waha_base_url_error">', 1)[1].split("</p>", 1)[0]
    assert (f"The server address {host} is on a private or local network ({address}); "
            "give its public address.") in error
    with scopes_disabled():
        assert not IntegrationAccount.objects.exists()
    settings.OUTBOUND_ALLOW_PRIVATE_HOSTS = True  # WAHA on the operator's own network
    assert client.post("/panel/settings/messaging/", form).status_code == 302
    with scopes_disabled():
        assert messaging_account_values(hotel.pk)["waha_base_url"] == f"http://{host}:3000"


def test_a_waha_address_whose_host_does_not_resolve_is_refused(client, hotel):
    from tests.test_panel_catalogue import as_member

    as_member(client, hotel, "OWNER", "owner@moscow.example")
    answer = client.post("/panel/settings/messaging/", {
        "msg-whatsapp_provider": "waha", "msg-waha_base_url": "http://waha.invalid:3000", "msg-waha_api_key": "k",
        "msg-waha_webhook_hmac_key": "h", "msg-is_active": "on"})
    assert answer.status_code == 400
    assert "The server address waha.invalid cannot be found: check the host name." in answer.content.decode()


def twilio_card(client, hotel):
    from tests.test_panel_catalogue import as_member

    as_member(client, hotel, "OWNER", "owner@moscow.example")
    assert client.post("/panel/settings/messaging/", {
        "msg-whatsapp_provider": "twilio", "msg-twilio_account_sid": fw.TWILIO_SID,
        "msg-twilio_auth_token": fw.TWILIO_TOKEN, "msg-twilio_from_number": "+14155238886",
        "msg-is_active": "on"}).status_code == 302
    return client.get("/panel/settings/").content.decode()


@pytest.mark.parametrize("install_callback, platform_host, shown", [
    ("https://inn.example/hooks/twilio", None, "https://inn.example/hooks/whatsapp/twilio/{id}"),
    ("", "hooks.inn.example", "http://hooks.inn.example{port}/hooks/whatsapp/twilio/{id}"),
])
def test_the_twilio_hook_url_on_the_card_is_the_one_its_signatures_are_checked_against(
        client, hotel, settings, install_callback, platform_host, shown):
    settings.INNKEEPER_WHATSAPP = {**settings.INNKEEPER_WHATSAPP, "twilio": {
        **settings.INNKEEPER_WHATSAPP["twilio"], "status_callback_url": install_callback}}
    if platform_host:
        settings.INNKEEPER_PLATFORM_HOSTS = [*settings.INNKEEPER_PLATFORM_HOSTS, platform_host]
    page = twilio_card(client, hotel)
    url = page.split("<code data-hook-url>", 1)[1].split("</code>", 1)[0]
    with scopes_disabled():
        own = IntegrationAccount.objects.get(hotel=hotel, kind="whatsapp").pk
    assert url == shown.format(port=f":{settings.HOTEL_LINK_PORT}" if settings.HOTEL_LINK_PORT else "", id=own)
    params = {"MessageSid": "SM-none", "MessageStatus": "delivered"}
    signed = fw.twilio_signature(fw.TWILIO_TOKEN, url, params)  # Twilio signs the URL it was given
    assert client.post("/hooks/twilio/moscow/", params, HTTP_X_TWILIO_SIGNATURE=signed).status_code == 200
    here = fw.twilio_signature(fw.TWILIO_TOKEN, "http://testserver/hooks/twilio/moscow/", params)
    assert client.post("/hooks/twilio/moscow/", params, HTTP_X_TWILIO_SIGNATURE=here).status_code == 403


def test_without_a_public_address_the_card_says_so_instead_of_a_hook_url(client, hotel, settings):
    settings.INNKEEPER_WHATSAPP = {**settings.INNKEEPER_WHATSAPP, "twilio": {
        **settings.INNKEEPER_WHATSAPP["twilio"], "status_callback_url": ""}}
    page = twilio_card(client, hotel)
    assert "data-hook-url" not in page and "/hooks/twilio/moscow/" not in page
    assert "The public address of this installation is not known" in page


@pytest.mark.parametrize("sender, saved", [
    ("desk@moscow-inn.example", True), ("desk@mail.moscow-inn.example", True), ("DESK@Moscow-Inn.Example", True),
    ("desk@evil-moscow-inn.example", False), ("moscow.inn@gmail.com", False), ("desk@moscow-inn.example.com", False),
])
def test_the_sender_address_must_be_on_one_of_the_hotels_domains_while_reply_to_is_free(
        client, hotel, other_hotel, sender, saved):
    from tests.test_panel_catalogue import as_member

    with scopes_disabled():
        HotelDomain.objects.create(hotel=hotel, domain="moscow-inn.example")
        HotelDomain.objects.create(hotel=other_hotel, domain="gmail.com")  # another hotel's domain is not ours
    as_member(client, hotel, "OWNER", "owner@moscow.example")
    answer = client.post("/panel/settings/messaging/", {"msg-email_from_address": sender,
                                                        "msg-email_reply_to": "moscow.inn@gmail.com",
                                                        "msg-is_active": "on"})
    with scopes_disabled():
        account = IntegrationAccount.objects.filter(hotel=hotel, kind="email").first()
    if saved:
        assert answer.status_code == 302
        assert (account.config["from_address"], account.config["reply_to"]) == (sender, "moscow.inn@gmail.com")
    else:
        assert answer.status_code == 400 and account is None
        error = answer.content.decode().split('id="id_msg-email_from_address_error">', 1)[1].split("</p>", 1)[0]
        assert ("The sender address must be on one of this hotel&#x27;s domains (moscow-inn.example): mail from "
                "another domain would be refused as spoofed. Give that address as Reply-To instead.") in error


def test_a_hotel_without_a_domain_is_told_to_add_one_before_its_own_sender(client, hotel):
    from tests.test_panel_catalogue import as_member

    as_member(client, hotel, "OWNER", "owner@moscow.example")
    answer = client.post("/panel/settings/messaging/", {"msg-email_from_address": "desk@moscow-inn.example",
                                                        "msg-is_active": "on"})
    assert answer.status_code == 400
    assert "This hotel has no domain yet" in answer.content.decode()
    assert client.post("/panel/settings/messaging/", {"msg-email_reply_to": "desk@moscow-inn.example",
                                                      "msg-is_active": "on"}).status_code == 302
