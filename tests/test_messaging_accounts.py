"""A hotel's own messaging account: its WhatsApp provider and e-mail sender override the install's for
that hotel only, over the real protocols (HTTP to the fake WAHA, SMTP to a real server)."""

import json

import pytest
from django.db import connection
from django_scopes import scopes_disabled

from innkeeper.messaging.models import MessageStatus, MessagingAccount
from tests.fakes import whatsapp as fw
from tests.messaging_helpers import confirmed_booking, deliver, rows, use_whatsapp

S = MessageStatus
HOTEL_KEY, HOTEL_SESSION, HOTEL_HMAC = "moscow-own-waha-key", "moscow", "moscow-own-hmac"


@pytest.fixture
def hotel_waha():
    """The hotel's own WAHA server (WAHA Plus: a named session)."""
    server = fw.FakeWhatsApp(slow_seconds=1.5).start()
    server.waha_accounts = {HOTEL_KEY: HOTEL_SESSION}
    yield server
    server.stop()


def own_waha(hotel, url, **fields):
    with scopes_disabled():
        return MessagingAccount.objects.create(hotel=hotel, whatsapp_provider="waha", waha_base_url=url,
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
        MessagingAccount.objects.create(hotel=hotel, whatsapp_provider="off")
    ours = rows(confirmed_booking(hotel))["WHATSAPP"]
    assert ours.status == S.SKIPPED and "switched off in the hotel's messaging account" in ours.last_error
    assert deliver(rows(confirmed_booking(other_hotel))["WHATSAPP"]).status == S.SENT


def test_guest_email_comes_from_the_hotels_own_sender_at_the_smtp_server(hotel, other_hotel, smtp, fast):
    fast.INNKEEPER_WHATSAPP = {**fast.INNKEEPER_WHATSAPP, "provider": "off"}
    with scopes_disabled():  # only the sender: WhatsApp stays the install's
        MessagingAccount.objects.create(hotel=hotel, email_from_name="Moscow Inn Front Desk",
                                        email_from_address="desk@moscow-inn.example",
                                        email_reply_to="reservations@moscow-inn.example")
    ours = deliver(rows(confirmed_booking(hotel))["EMAIL"])
    theirs = deliver(rows(confirmed_booking(other_hotel, email="bob@example.com"))["EMAIL"])
    assert ours.status == theirs.status == S.SENT
    by_recipient = {m["To"]: m for m in smtp.messages}
    mine = by_recipient["anna@example.com"]
    assert mine["From"] == "Moscow Inn Front Desk <desk@moscow-inn.example>"
    assert mine["Reply-To"] == "reservations@moscow-inn.example"
    assert by_recipient["bob@example.com"]["From"] == "Moscow Inn <stay@moscow.example>"  # DEFAULT_FROM_EMAIL
    assert by_recipient["bob@example.com"]["Reply-To"] is None


def test_the_accounts_secrets_are_encrypted_at_rest(hotel, hotel_waha):
    own_waha(hotel, hotel_waha.url)
    with connection.cursor() as cursor:
        cursor.execute("SELECT waha_api_key, waha_webhook_hmac_key FROM messaging_messagingaccount")
        stored = "".join(cursor.fetchone())
    assert HOTEL_KEY not in stored and HOTEL_HMAC not in stored and stored
