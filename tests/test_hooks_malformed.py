"""Signed callbacks that are not what the provider sends (not JSON, JSON of the wrong shape, wrong types,
NUL characters, signature headers in the wrong format) are answered 400 and change nothing: never a 500.
The signature is valid wherever the scheme allows, so each case reaches the parsing behind it."""

import json

import pytest
from django_scopes import scopes_disabled

from innkeeper.messaging.models import EarlyReceipt, Message, OptOut
from tests.fakes import whatsapp as fw
from tests.messaging_helpers import confirmed_booking, use_whatsapp

WAHA_KEY, CLOUD_SECRET = "waha-hmac", "cloud-app-secret"  # the install's, as use_whatsapp() sets them


@pytest.fixture
def world(hotel, other_hotel, fast):
    """Queued WhatsApp messages of two hotels: a refused callback must touch neither."""
    use_whatsapp(fast, "waha", "http://127.0.0.1:9")
    confirmed_booking(hotel)
    confirmed_booking(other_hotel)
    return snapshot()


def snapshot():
    with scopes_disabled():
        return (list(Message.objects.order_by("pk").values_list("pk", "status", "provider_message_id")),
                EarlyReceipt.objects.count(), OptOut.objects.count())


def post_waha(client, body: bytes, signature=None):
    signature = fw.waha_signature(WAHA_KEY, body) if signature is None else signature
    return client.post("/hooks/waha", body, content_type="application/json", HTTP_X_WEBHOOK_HMAC=signature)


def post_cloud(client, body: bytes, signature=None):
    signature = fw.cloud_signature(CLOUD_SECRET, body) if signature is None else signature
    return client.post("/hooks/whatsapp-cloud", body, content_type="application/json",
                       HTTP_X_HUB_SIGNATURE_256=signature)


def post_twilio(client, params: dict, signature=None):
    if signature is None:
        signature = fw.twilio_signature(fw.TWILIO_TOKEN, "http://testserver/hooks/twilio", params)
    return client.post("/hooks/twilio", params, HTTP_X_TWILIO_SIGNATURE=signature)


def deep(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


def ack(**payload):
    return json.dumps({"event": "message.ack", "payload": {"id": "true_7916@c.us_AAA", "ack": 3, **payload}})


WAHA_BODIES = {
    "not JSON": b"ack ack",
    "not UTF-8": b'{"event": "message.ack\xff"}',
    "a raw NUL byte": b'{"event": "message.ack\x00"}',
    "a list, not an object": b'[{"event": "message.ack"}]',
    "nested past the parser's depth": b'{"payload": ' + deep(100_000) + b"}",
    "payload a string": json.dumps({"event": "message.ack", "payload": "true_7916@c.us_AAA"}).encode(),
    "payload a list": json.dumps({"event": "message", "payload": [{"from": "79161234567@c.us"}]}).encode(),
    "ack a list": ack(ack=[3]).encode(),
    "ack an object": ack(ack={"level": 3}).encode(),
    "message id longer than any id": ack(id="A" * 201).encode(),
    "sender an object": json.dumps({"event": "message", "payload": {"from": {"id": "7916@c.us"},
                                                                    "body": "STOP"}}).encode(),
}


@pytest.mark.parametrize("case", WAHA_BODIES)
def test_a_signed_waha_callback_of_the_wrong_shape_is_answered_400(client, world, case):
    answer = post_waha(client, WAHA_BODIES[case])
    assert answer.status_code == 400, answer.content[:200]
    assert snapshot() == world


def cloud(value=None, *, entry=None, changes=None) -> bytes:
    if entry is None:
        entry = [{"id": "WABA", "changes": changes if changes is not None else [{"field": "messages",
                                                                                 "value": value}]}]
    return json.dumps({"object": "whatsapp_business_account", "entry": entry}).encode()


CLOUD_BODIES = {
    "not JSON": b"<xml/>",
    "a list, not an object": b"[]",
    "nested past the parser's depth": b'{"entry": ' + deep(100_000) + b"}",
    "entry a string": cloud(entry="WABA"),
    "entry a number": cloud(entry=7),
    "an entry a string": cloud(entry=["WABA"]),
    "changes an object": cloud(changes={"value": {}}),
    "value a string": cloud("statuses"),
    "messages an object": cloud({"messages": {"from": "79161234567"}}),
    "a message a string": cloud({"messages": ["STOP"]}),
    "text a string": cloud({"messages": [{"from": "79161234567", "type": "text", "text": "STOP"}]}),
    "a status a string": cloud({"statuses": ["wamid.1"]}),
    "status a list": cloud({"statuses": [{"id": "wamid.1", "status": ["read"]}]}),
    "errors a string": cloud({"statuses": [{"id": "wamid.1", "status": "failed", "errors": "bad"}]}),
    "an error a string": cloud({"statuses": [{"id": "wamid.1", "status": "failed", "errors": ["bad"]}]}),
    "status id longer than any id": cloud({"statuses": [{"id": "w" * 201, "status": "read"}]}),
}


@pytest.mark.parametrize("case", CLOUD_BODIES)
def test_a_signed_cloud_api_callback_of_the_wrong_shape_is_answered_400(client, world, fast, case):
    use_whatsapp(fast, "cloud", "http://127.0.0.1:9")
    answer = post_cloud(client, CLOUD_BODIES[case])
    assert answer.status_code == 400, answer.content[:200]
    assert snapshot() == world


def test_a_signed_twilio_status_callback_with_a_message_id_longer_than_any_id_is_answered_400(client, world,
                                                                                             fast):
    use_whatsapp(fast, "twilio", "http://127.0.0.1:9")
    answer = post_twilio(client, {"MessageSid": "SM" + "0" * 199, "MessageStatus": "delivered"})
    assert answer.status_code == 400, answer.content[:200]
    assert snapshot() == world


@pytest.mark.parametrize("provider, header, value", [
    ("waha", "HTTP_X_WEBHOOK_HMAC", "é" * 128),
    ("waha", "HTTP_X_WEBHOOK_HMAC", "not hex at all"),
    ("cloud", "HTTP_X_HUB_SIGNATURE_256", "sha256=" + "é" * 64),
    ("cloud", "HTTP_X_HUB_SIGNATURE_256", "sha1=0123456789abcdef0123456789abcdef01234567"),
    ("twilio", "HTTP_X_TWILIO_SIGNATURE", "é" * 28),
    ("twilio", "HTTP_X_TWILIO_SIGNATURE", "not base64!"),
])
def test_a_signature_header_in_the_wrong_format_is_answered_400(client, world, fast, provider, header, value):
    use_whatsapp(fast, provider, "http://127.0.0.1:9")
    url = {"waha": "/hooks/waha", "cloud": "/hooks/whatsapp-cloud", "twilio": "/hooks/twilio"}[provider]
    if provider == "twilio":
        answer = client.post(url, {"MessageSid": "SM1", "MessageStatus": "read"}, **{header: value})
    else:
        answer = client.post(url, ack().encode(), content_type="application/json", **{header: value})
    assert answer.status_code == 400, answer.content[:200]
    assert snapshot() == world


def test_a_signed_callback_the_parser_reads_is_still_applied_after_the_checks(client, hotel, world):
    """The checks refuse only what is malformed: a well-formed stop reply still opts the guest out."""
    body = json.dumps({"event": "message", "payload": {"from": "79161234567@c.us", "body": "STOP"}}).encode()
    assert post_waha(client, body).status_code == 200
    with scopes_disabled():
        assert list(OptOut.objects.values_list("hotel__slug", "address")) == [("moscow", "+79161234567"),
                                                                               ("other", "+79161234567")]

