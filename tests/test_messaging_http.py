"""Over HTTP: signed delivery receipts, the staff retry endpoint, the demo outbox page."""

import json
import time
import uuid

import pytest
from django_scopes import scopes_disabled

from innkeeper.messaging import signatures
from innkeeper.messaging.models import Message, MessageStatus
from innkeeper.simulators.models import SimulatedMessage
from tests import factories
from tests.fakes import whatsapp as fw
from tests.messaging_helpers import confirmed_booking, deliver, log, rows, use_whatsapp

S = MessageStatus


def status(message) -> str:
    with scopes_disabled():
        return Message.objects.get(pk=message.pk).status


@pytest.fixture
def sent(hotel, fast, fake_whatsapp):
    """Send a confirmation through the named provider; return the WhatsApp message, SENT."""
    def run(provider):
        use_whatsapp(fast, provider, fake_whatsapp.url)
        wa = deliver(rows(confirmed_booking(hotel))["WHATSAPP"])
        assert wa.status == S.SENT
        return wa
    return run


def test_twilio_signature_matches_the_published_example():
    params = [("CallSid", "CA1234567890ABCDE"), ("Caller", "+12349013030"), ("Digits", "1234"),
              ("From", "+12349013030"), ("To", "+18005551212")]
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert signatures.twilio_signature("12345", url, params) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    assert signatures.twilio_valid("12345", "https://mycompany.com:443/myapp.php?foo=1&bar=2", params,
                                   "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")


def now_ms() -> int:
    """A callback's timestamp: now (a signed callback more than five minutes old is refused as a replay)."""
    return int(time.time() * 1000)


# WAHA -----------------------------------------------------------------------------------------------

def waha_ack(message_id, ack, name):
    return json.dumps({"id": f"evt_{uuid.uuid4().hex}", "timestamp": now_ms(), "event": "message.ack", "session": "default",
                       "payload": {"id": message_id, "from": "me", "to": "79161234567@c.us", "ack": ack,
                                   "ackName": name}}).encode()


def post_waha(client, body, signature):
    headers = {"HTTP_X_WEBHOOK_HMAC_ALGORITHM": "sha512"}
    if signature is not None:
        headers["HTTP_X_WEBHOOK_HMAC"] = signature
    return client.post("/hooks/waha", body, content_type="application/json", **headers)


def test_waha_acks_move_the_message_forward_only(client, sent):
    wa = sent("waha")
    key = "waha-hmac"
    body = waha_ack(wa.provider_message_id, 3, "READ")
    assert post_waha(client, body, fw.waha_signature(key, body)).status_code == 200
    assert status(wa) == S.READ
    late = waha_ack(wa.provider_message_id, 2, "DEVICE")  # out of order: delivered after read
    assert post_waha(client, late, fw.waha_signature(key, late)).status_code == 200
    assert status(wa) == S.READ
    assert log(wa) == ["sent", "receipt"]


@pytest.mark.parametrize("signature", [None, "", "00" * 64, "wrong-key"])
def test_an_unsigned_or_wrongly_signed_waha_callback_changes_nothing(client, sent, signature):
    wa = sent("waha")
    body = waha_ack(wa.provider_message_id, 2, "DEVICE")
    if signature == "wrong-key":
        signature = fw.waha_signature("another-key", body)
    assert post_waha(client, body, signature).status_code == 403
    assert status(wa) == S.SENT


def test_a_waha_signature_covers_the_exact_bytes(client, sent):
    wa = sent("waha")
    body = waha_ack(wa.provider_message_id, 2, "DEVICE")
    tampered = body.replace(b'"ack": 2', b'"ack": 3')
    assert post_waha(client, tampered, fw.waha_signature("waha-hmac", body)).status_code == 403
    assert status(wa) == S.SENT


# Twilio ---------------------------------------------------------------------------------------------

def post_twilio(client, params, signature):
    headers = {"HTTP_X_TWILIO_SIGNATURE": signature} if signature is not None else {}
    return client.post("/hooks/twilio", params, **headers)


def test_twilio_status_callbacks_are_verified_and_applied(client, sent):
    wa = sent("twilio")
    url = "http://testserver/hooks/twilio"
    params = {"MessageSid": wa.provider_message_id, "SmsSid": wa.provider_message_id, "AccountSid": fw.TWILIO_SID,
              "MessageStatus": "delivered", "To": "whatsapp:+79161234567", "From": "whatsapp:+14155238886",
              "ChannelPrefix": "whatsapp", "ApiVersion": "2010-04-01"}
    assert post_twilio(client, params, None).status_code == 403
    assert post_twilio(client, params, fw.twilio_signature("another-token", url, params)).status_code == 403
    assert status(wa) == S.SENT
    assert post_twilio(client, params, fw.twilio_signature(fw.TWILIO_TOKEN, url, params)).status_code == 200
    assert status(wa) == S.DELIVERED
    failed = {**params, "MessageStatus": "undelivered", "ErrorCode": "63016"}
    assert post_twilio(client, failed, fw.twilio_signature(fw.TWILIO_TOKEN, url, failed)).status_code == 200
    assert status(wa) == S.DELIVERED  # a delivered message cannot go back to failed


def test_twilio_failed_status_marks_a_sent_message_failed(client, sent):
    wa = sent("twilio")
    url = "http://testserver/hooks/twilio"
    params = {"MessageSid": wa.provider_message_id, "MessageStatus": "failed", "ErrorCode": "63016",
              "ErrorMessage": "Outside the allowed window"}
    assert post_twilio(client, params, fw.twilio_signature(fw.TWILIO_TOKEN, url, params)).status_code == 200
    with scopes_disabled():
        row = Message.objects.get(pk=wa.pk)
    assert row.status == S.FAILED and "63016" in row.last_error


# WhatsApp Cloud API ---------------------------------------------------------------------------------

def cloud_statuses(*statuses):
    return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [
        {"field": "messages", "value": {"messaging_product": "whatsapp",
                                        "metadata": {"phone_number_id": fw.CLOUD_PHONE_ID},
                                        "statuses": [{"id": i, "status": s, "timestamp": str(now_ms() // 1000),
                                                      "recipient_id": "79161234567"} for i, s in statuses]}}]}]},
                      ensure_ascii=False).encode()


def test_cloud_api_statuses_are_verified_and_applied(client, sent):
    wa = sent("cloud")
    body = cloud_statuses((wa.provider_message_id, "delivered"), (wa.provider_message_id, "read"))
    bad = client.post("/hooks/whatsapp-cloud", body, content_type="application/json",
                      HTTP_X_HUB_SIGNATURE_256=fw.cloud_signature("not-the-app-secret", body))
    assert bad.status_code == 403 and status(wa) == S.SENT
    unsigned = client.post("/hooks/whatsapp-cloud", body, content_type="application/json")
    assert unsigned.status_code == 403 and status(wa) == S.SENT
    ok = client.post("/hooks/whatsapp-cloud", body, content_type="application/json",
                     HTTP_X_HUB_SIGNATURE_256=fw.cloud_signature("cloud-app-secret", body))
    assert ok.status_code == 200 and status(wa) == S.READ


def test_cloud_api_subscription_handshake(client, fast):
    use_whatsapp(fast, "cloud", "http://127.0.0.1:9")
    ok = client.get("/hooks/whatsapp-cloud", {"hub.mode": "subscribe", "hub.verify_token": "verify-me",
                                              "hub.challenge": "1158201444"})
    assert (ok.status_code, ok.content, ok["Content-Type"]) == (200, b"1158201444", "text/plain")
    bad = client.get("/hooks/whatsapp-cloud", {"hub.mode": "subscribe", "hub.verify_token": "nope",
                                               "hub.challenge": "1"})
    assert bad.status_code == 403


# Staff retry endpoint -------------------------------------------------------------------------------

def test_staff_retry_endpoint_needs_a_member_of_the_hotel(client, hotel, other_hotel, fast):
    from tests import factories
    from tests.factories import PASSWORD

    fast.INNKEEPER_WHATSAPP = {**fast.INNKEEPER_WHATSAPP, "provider": "simulator"}
    wa = rows(confirmed_booking(hotel))["WHATSAPP"]
    with scopes_disabled():
        Message.objects.filter(pk=wa.pk).update(status=S.DEAD, attempts=3)
    url = f"/api/v1/staff/messages/{wa.pk}/retry"
    assert client.post(url).status_code == 401
    outsider = factories.make_member(other_hotel, "OWNER", "boss@other.example")
    client.post("/panel/sign-in/", {"username": outsider.email, "password": PASSWORD})
    assert client.post(url).status_code == 404  # another hotel's message
    client.post("/panel/sign-out/")
    staff = factories.make_member(hotel, "STAFF", "desk@moscow.example")
    client.post("/panel/sign-in/", {"username": staff.email, "password": PASSWORD})
    answer = client.post(url)
    assert answer.status_code == 200 and answer.json()["status"] == "QUEUED" and answer.json()["attempts"] == 0
    assert client.post(url).json()["code"] == "not_retryable"
    assert client.post("/api/v1/staff/messages/999999/retry").status_code == 404
    assert deliver(wa).status == S.SENT


# Demo outbox page -----------------------------------------------------------------------------------

def test_the_demo_outbox_page_shows_what_the_guest_would_get(client, hotel, settings):
    settings.EMAIL_BACKEND = "innkeeper.simulators.messages.EmailBackend"
    settings.INNKEEPER_WHATSAPP = {**settings.INNKEEPER_WHATSAPP, "provider": "simulator"}
    booking = confirmed_booking(hotel, name="Anna <b>Petrova</b>")
    for message in rows(booking).values():
        deliver(message)
    page = client.get("/outbox/")
    html = page.content.decode()
    assert page.status_code == 200
    assert f"Your booking {booking.reference} at Moscow Inn is confirmed" in html
    assert "WhatsApp</strong> to +79161234567" in html and "sandbox" in html
    assert "Anna <b>Petrova</b>" not in html  # the guest's text is escaped on the page too
    other = client.get("/outbox/", HTTP_HOST="moscow.localhost")
    assert other.status_code == 404  # hotel sites do not have it


def test_the_demo_outbox_page_never_shows_staff_mail(client, hotel, other_hotel, settings):
    """Anyone may open the demo outbox: a password-reset or invitation link on it would let them in."""
    settings.EMAIL_BACKEND = "innkeeper.simulators.messages.EmailBackend"
    settings.INNKEEPER_WHATSAPP = {**settings.INNKEEPER_WHATSAPP, "provider": "simulator"}
    owner = factories.make_member(hotel, "OWNER", "owner@moscow.example")
    factories.make_member(other_hotel, "STAFF", "staff@other.example")
    booking = confirmed_booking(other_hotel)
    for message in rows(booking).values():
        deliver(message)
    assert client.post("/panel/password-reset/", {"email": "staff@other.example"}).status_code == 302
    client.force_login(owner)
    assert client.post("/panel/team/", {"email": "new@example.com", "role": "STAFF"}).status_code == 302
    client.logout()
    with scopes_disabled():
        recorded = {m.recipient: m for m in SimulatedMessage.objects.filter(channel="EMAIL")}
    assert {"staff@other.example", "new@example.com", "anna@example.com"} <= set(recorded)  # all were sent

    html = client.get("/outbox/").content.decode()
    assert f"Your booking {booking.reference} at Other Inn is confirmed" in html
    assert "WhatsApp</strong> to +79161234567" in html
    for staff_mail in (recorded["staff@other.example"], recorded["new@example.com"]):
        assert staff_mail.subject not in html
    assert "staff@other.example" not in html and "new@example.com" not in html
    assert "/panel/password-reset/" not in html and "/panel/join/" not in html


def test_the_outbox_page_is_not_found_in_production(client, settings, db):
    settings.INNKEEPER_MODE = "production"
    assert client.get("/outbox/").status_code == 404


# Opt-out: a guest who replies STOP gets no more WhatsApp ---------------------------------------------

def waha_inbound(text, sender="79161234567@c.us"):
    return json.dumps({"id": f"evt_{uuid.uuid4().hex}", "timestamp": now_ms(), "event": "message", "session": "default",
                       "payload": {"id": "false_79161234567@c.us_3EB0", "timestamp": 1769152370,
                                   "from": sender, "fromMe": False, "to": "79990000000@c.us", "body": text,
                                   "hasMedia": False}}, ensure_ascii=False).encode()


def cloud_inbound(text):
    return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [
        {"field": "messages", "value": {"messaging_product": "whatsapp",
                                        "metadata": {"phone_number_id": fw.CLOUD_PHONE_ID},
                                        "contacts": [{"profile": {"name": "Anna"}, "wa_id": "79161234567"}],
                                        "messages": [{"from": "79161234567", "id": f"wamid.{uuid.uuid4().hex}",
                                                      "timestamp": str(now_ms() // 1000), "type": "text",
                                                      "text": {"body": text}}]}}]}]},
                      ensure_ascii=False).encode()


def post_reply(client, provider, text, *, signed=True):
    """The guest's WhatsApp reply, as each provider delivers it to our hook, signed as it signs."""
    if provider == "waha":
        body = waha_inbound(text)
        return post_waha(client, body, fw.waha_signature("waha-hmac", body) if signed else None)
    if provider == "cloud":
        body = cloud_inbound(text)
        headers = {"HTTP_X_HUB_SIGNATURE_256": fw.cloud_signature("cloud-app-secret", body)} if signed else {}
        return client.post("/hooks/whatsapp-cloud", body, content_type="application/json", **headers)
    params = {"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": fw.TWILIO_SID, "From": "whatsapp:+79161234567",
              "To": "whatsapp:+14155238886", "Body": text, "NumMedia": "0", "ProfileName": "Anna",
              "WaId": "79161234567"}
    sig = fw.twilio_signature(fw.TWILIO_TOKEN, "http://testserver/hooks/twilio", params) if signed else None
    return post_twilio(client, params, sig)


def optouts(hotel) -> list[str]:
    from innkeeper.messaging.models import OptOut

    with scopes_disabled():
        return list(OptOut.objects.filter(hotel=hotel, channel="WHATSAPP").values_list("address", flat=True))


@pytest.mark.parametrize("provider, word", [("waha", "STOP"), ("cloud", "Стоп"), ("twilio", "unsubscribe")])
def test_a_guest_who_replies_stop_gets_no_more_whatsapp_even_if_already_queued(client, hotel, other_hotel, fast,
                                                                              fake_whatsapp, provider, word):
    use_whatsapp(fast, provider, fake_whatsapp.url)
    first = deliver(rows(confirmed_booking(hotel))["WHATSAPP"])
    assert first.status == S.SENT
    queued = rows(confirmed_booking(hotel, email="second@example.com"))["WHATSAPP"]  # queued before the reply
    assert post_reply(client, provider, "Thanks, see you!").status_code == 200
    assert post_reply(client, provider, word, signed=False).status_code == 403
    assert optouts(hotel) == []  # neither a chat nor an unsigned callback opts anyone out
    assert post_reply(client, provider, word).status_code == 200
    assert optouts(hotel) == ["+79161234567"] and optouts(other_hotel) == []  # it never wrote to this number
    skipped = deliver(queued)
    assert (skipped.status, skipped.last_error) == (S.SKIPPED, "the guest opted out of this channel")
    assert log(queued) == ["skipped"] and len(fake_whatsapp.sends) == 1
    later_booking = rows(confirmed_booking(hotel, email="third@example.com"))["WHATSAPP"]
    assert later_booking.status == S.SKIPPED  # and nothing new is queued for the number


def test_twilio_refusing_an_unsubscribed_guest_records_the_opt_out(hotel, fast, fake_whatsapp):
    use_whatsapp(fast, "twilio", fake_whatsapp.url)
    fake_whatsapp.fail((400, {"code": 21610, "message": "Attempt to send to unsubscribed recipient", "status": 400}))
    wa = deliver(rows(confirmed_booking(hotel))["WHATSAPP"])
    assert (wa.status, wa.error_code) == (S.FAILED, "21610") and "unsubscribed" in wa.last_error
    assert optouts(hotel) == ["+79161234567"]
    assert rows(confirmed_booking(hotel, email="b@example.com"))["WHATSAPP"].status == S.SKIPPED


def test_an_opt_out_can_be_undone(hotel, fast):
    from innkeeper.messaging import services

    fast.INNKEEPER_WHATSAPP = {**fast.INNKEEPER_WHATSAPP, "provider": "simulator"}
    with scopes_disabled():
        services.optout_record(hotel_id=hotel.pk, channel="WHATSAPP", address="+7 916 123-45-67", source="test")
    assert optouts(hotel) == ["+79161234567"]  # kept in E.164, as messages carry the number
    assert rows(confirmed_booking(hotel))["WHATSAPP"].status == S.SKIPPED
    desk = factories.make_member(hotel, "STAFF", "desk@x.example")
    with scopes_disabled():
        assert services.optout_remove(hotel=hotel, channel="WHATSAPP", address="+79161234567", actor=desk) is True
        assert services.optout_remove(hotel=hotel, channel="WHATSAPP", address="+79161234567", actor=desk) is False
    assert optouts(hotel) == []
    assert deliver(rows(confirmed_booking(hotel, email="b@example.com"))["WHATSAPP"]).status == S.SENT


# More receipts --------------------------------------------------------------------------------------

def row(message) -> Message:
    with scopes_disabled():
        return Message.objects.get(pk=message.pk)


def test_waha_error_ack_marks_the_message_failed(client, sent):
    wa = sent("waha")
    body = waha_ack(wa.provider_message_id, -1, "ERROR")
    assert post_waha(client, body, fw.waha_signature("waha-hmac", body)).status_code == 200
    failed = row(wa)
    assert (failed.status, failed.last_error) == (S.FAILED, "ERROR")


def test_twilio_behind_a_proxy_is_checked_against_the_public_callback_url(client, hotel, fast, fake_whatsapp):
    from urllib.parse import parse_qs

    use_whatsapp(fast, "twilio", fake_whatsapp.url)
    public = "https://hotel.example/hooks/twilio"
    fast.INNKEEPER_WHATSAPP["twilio"]["status_callback_url"] = public
    wa = deliver(rows(confirmed_booking(hotel))["WHATSAPP"])
    form = {k: v[0] for k, v in parse_qs(fake_whatsapp.requests[0]["body"].decode()).items()}
    assert form["StatusCallback"] == public  # Twilio will call, and sign, this URL
    params = {"MessageSid": wa.provider_message_id, "MessageStatus": "delivered", "AccountSid": fw.TWILIO_SID}
    internal = fw.twilio_signature(fw.TWILIO_TOKEN, "http://testserver/hooks/twilio", params)
    assert post_twilio(client, params, internal).status_code == 403  # what the app sees is not what Twilio signed
    assert status(wa) == S.SENT
    assert post_twilio(client, params, fw.twilio_signature(fw.TWILIO_TOKEN, public, params)).status_code == 200
    assert status(wa) == S.DELIVERED


def test_cloud_api_failed_status_marks_the_message_failed_with_its_error(client, sent):
    wa = sent("cloud")
    body = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [
        {"field": "messages", "value": {"messaging_product": "whatsapp", "statuses": [
            {"id": wa.provider_message_id, "status": "failed", "timestamp": str(now_ms() // 1000),
             "recipient_id": "79161234567",
             "errors": [{"code": 131047, "title": "Re-engagement message"}]}]}}]}]}).encode()
    ok = client.post("/hooks/whatsapp-cloud", body, content_type="application/json",
                     HTTP_X_HUB_SIGNATURE_256=fw.cloud_signature("cloud-app-secret", body))
    failed = row(wa)
    assert ok.status_code == 200 and failed.status == S.FAILED
    assert failed.last_error == "131047 Re-engagement message"


def test_a_cloud_api_signature_covers_the_exact_bytes(client, sent):
    wa = sent("cloud")
    body = cloud_statuses((wa.provider_message_id, "delivered"))
    tampered = body.replace(b'"delivered"', b'"read"')
    answer = client.post("/hooks/whatsapp-cloud", tampered, content_type="application/json",
                         HTTP_X_HUB_SIGNATURE_256=fw.cloud_signature("cloud-app-secret", body))
    assert answer.status_code == 403 and status(wa) == S.SENT


def test_a_receipt_that_overtakes_the_send_is_applied_once_the_id_is_saved(client, hotel, fast, fake_whatsapp):
    from innkeeper.messaging.models import EarlyReceipt

    use_whatsapp(fast, "waha", fake_whatsapp.url)
    early_id = "true_79161234567@c.us_3EB0EARLY"
    fake_whatsapp.next_ids.append(early_id)
    wa = rows(confirmed_booking(hotel))["WHATSAPP"]
    body = waha_ack(early_id, 3, "READ")  # WAHA's ack came before its answer to our send was saved
    assert post_waha(client, body, fw.waha_signature("waha-hmac", body)).status_code == 200
    assert status(wa) == S.QUEUED and EarlyReceipt.objects.count() == 1
    done = deliver(wa)
    assert (done.provider_message_id, done.status) == (early_id, S.READ)
    assert log(wa) == ["sent", "receipt"] and EarlyReceipt.objects.count() == 0


def test_receipts_for_ids_that_never_become_ours_are_dropped_after_an_hour(client, fast, db):
    from datetime import timedelta

    from django.utils import timezone

    from innkeeper.messaging import services
    from innkeeper.messaging.models import EarlyReceipt

    use_whatsapp(fast, "waha", "http://127.0.0.1:9")
    body = waha_ack("true_79990000000@c.us_OWNCHAT", 2, "DEVICE")  # the hotel chatting from its phone
    assert post_waha(client, body, fw.waha_signature("waha-hmac", body)).status_code == 200
    with scopes_disabled():
        services.messages_sweep(now=timezone.now() + timedelta(minutes=59))
        assert EarlyReceipt.objects.count() == 1
        services.messages_sweep(now=timezone.now() + timedelta(minutes=61))
    assert EarlyReceipt.objects.count() == 0
