"""WAHA, WhatsApp Cloud API and Twilio over real HTTP to a local fake that checks requests as they do;
faults (500, timeout, 429 + Retry-After, unreachable) delay a message, never lose it; a send that may
have reached the provider (a timeout, a worker that died) is sent again and logged as unclear."""

import json
import re
from datetime import date
from urllib.parse import parse_qs

import pytest
import time_machine
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from innkeeper.booking.models import Booking
from innkeeper.checkin import services as checkin
from innkeeper.journey import services as journey
from innkeeper.messaging.models import Message, MessageStatus
from tests.fakes import whatsapp as fw
from tests.messaging_helpers import (
    closed_port_url,
    confirmed_booking,
    deliver,
    later,
    log,
    rows,
    use_whatsapp,
)

S = MessageStatus
PROVIDERS = ["waha", "cloud", "twilio"]


@pytest.fixture(params=PROVIDERS)
def provider(request, fast, fake_whatsapp):
    use_whatsapp(fast, request.param, fake_whatsapp.url)
    return request.param


def test_waha_gets_the_text_with_its_key_and_default_session(hotel, fast, fake_whatsapp):
    use_whatsapp(fast, "waha", fake_whatsapp.url)
    booking = confirmed_booking(hotel)
    wa = deliver(rows(booking)["WHATSAPP"])
    assert wa.status == S.SENT and wa.provider == "waha"
    (request,) = fake_whatsapp.requests
    assert request["path"] == "/api/sendText" and request["headers"]["X-Api-Key"] == fw.WAHA_KEY
    body = json.loads(request["body"])
    assert (body["session"], body["chatId"]) == ("default", "79161234567@c.us")
    assert booking.reference in body["text"]
    assert wa.provider_message_id == fake_whatsapp.sends[0]["id"] and wa.provider_message_id.startswith("true_")


def test_the_cloud_api_gets_an_approved_template_with_the_variables(hotel, fast, fake_whatsapp):
    use_whatsapp(fast, "cloud", fake_whatsapp.url)
    booking = confirmed_booking(hotel, locale="ru")
    wa = deliver(rows(booking)["WHATSAPP"])
    assert wa.status == S.SENT and wa.provider_message_id.startswith("wamid.")
    (request,) = fake_whatsapp.requests
    assert request["path"] == f"/v21.0/{fw.CLOUD_PHONE_ID}/messages"
    assert request["headers"]["Authorization"] == f"Bearer {fw.CLOUD_TOKEN}"
    body = json.loads(request["body"])
    assert (body["to"], body["type"]) == ("79161234567", "template")
    template = body["template"]
    assert template["name"] == "innkeeper_booking_confirmation" and template["language"] == {"code": "ru"}
    values = [p["text"] for p in template["components"][0]["parameters"]]
    assert values[:3] == ["Anna Petrova", "Moscow Inn", booking.reference] and len(values) == 6


def test_twilio_gets_an_approved_template_through_the_messaging_service(hotel, fast, fake_whatsapp):
    use_whatsapp(fast, "twilio", fake_whatsapp.url)
    booking = confirmed_booking(hotel, locale="ru")
    wa = deliver(rows(booking)["WHATSAPP"])
    assert wa.status == S.SENT and wa.provider_message_id.startswith("SM")
    (request,) = fake_whatsapp.requests
    assert request["path"] == f"/2010-04-01/Accounts/{fw.TWILIO_SID}/Messages.json"
    assert request["headers"]["Authorization"].startswith("Basic ")
    form = {k: v[0] for k, v in parse_qs(request["body"].decode()).items()}
    assert (form["To"], form["MessagingServiceSid"]) == ("whatsapp:+79161234567", fw.TWILIO_SERVICE)
    assert form["ContentSid"] == fw.TWILIO_CONTENT_RU and "Body" not in form and "From" not in form
    variables = json.loads(form["ContentVariables"])  # a JSON string, keys "1".."6" in the template's order
    assert list(variables) == ["1", "2", "3", "4", "5", "6"]
    assert [variables["1"], variables["2"], variables["3"]] == ["Anna Petrova", "Moscow Inn", booking.reference]


def test_twilio_falls_back_to_the_english_template_for_another_language(hotel, fast, fake_whatsapp):
    use_whatsapp(fast, "twilio", fake_whatsapp.url)
    del fast.INNKEEPER_WHATSAPP["twilio"]["content_sids"]["BOOKING_CONFIRMATION"]["ru"]
    assert deliver(rows(confirmed_booking(hotel, locale="ru"))["WHATSAPP"]).status == S.SENT
    assert fake_whatsapp.sends[0]["content_sid"] == fw.TWILIO_CONTENT_EN


def test_twilio_without_a_template_sends_text_inside_the_24_hour_window_only(hotel, fast, fake_whatsapp):
    use_whatsapp(fast, "twilio", fake_whatsapp.url)
    fast.INNKEEPER_WHATSAPP["twilio"]["content_sids"] = {}
    outside = deliver(rows(confirmed_booking(hotel))["WHATSAPP"])  # the guest never wrote to the hotel
    assert (outside.status, outside.attempts, outside.error_code) == (S.FAILED, 1, "63016")
    assert "only within 24 hours" in outside.last_error and "TWILIO_CONTENT_SIDS" in outside.last_error
    fake_whatsapp.guest_wrote("+79161234567", seconds_ago=3600)
    booking = confirmed_booking(hotel, email="b@example.com")
    inside = deliver(rows(booking)["WHATSAPP"])
    assert inside.status == S.SENT
    form = {k: v[0] for k, v in parse_qs(fake_whatsapp.requests[-1]["body"].decode()).items()}
    assert (form["From"], "ContentSid" in form) == ("whatsapp:+14155238886", False)
    assert booking.reference in form["Body"] and len(fake_whatsapp.sends) == 1


def test_the_fake_checks_template_variables_as_twilio_does(fake_whatsapp):
    """So a wrong variable list from our client could not pass unnoticed."""
    import httpx

    url = f"{fake_whatsapp.url}/2010-04-01/Accounts/{fw.TWILIO_SID}/Messages.json"
    base = {"To": "whatsapp:+79161234567", "MessagingServiceSid": fw.TWILIO_SERVICE, "ContentSid": fw.TWILIO_CONTENT_EN}
    six = json.dumps({str(i): "x" for i in range(1, 7)})
    for form, code in [({**base, "ContentVariables": json.dumps({"1": "Anna"})}, 21656),
                       ({**base, "ContentVariables": "1=Anna"}, 21656),
                       ({**base, "ContentVariables": six, "ContentSid": "HX" + "0" * 32}, 20404),
                       ({**base, "ContentVariables": six, "MessagingServiceSid": "MG" + "9" * 32}, 21701),
                       ({**base, "ContentVariables": six, "Body": "Hello"}, 21619),
                       ({"To": base["To"], "From": "whatsapp:+14155238886", "Body": "Hello"}, 63016)]:
        answer = httpx.post(url, data=form, auth=(fw.TWILIO_SID, fw.TWILIO_TOKEN))
        assert (answer.status_code, answer.json()["code"]) == (400, code)
    ok = httpx.post(url, data={**base, "ContentVariables": six}, auth=(fw.TWILIO_SID, fw.TWILIO_TOKEN))
    assert ok.status_code == 201 and len(fake_whatsapp.sends) == 1


def test_twilio_content_templates_are_configured_from_the_environment(tmp_path):
    from django.core.exceptions import ImproperlyConfigured

    from innkeeper import config

    sids = '{"BOOKING_CONFIRMATION": {"en": "HX1", "ru": "HX2"}}'
    cfg = config.load(tmp_path, {"TWILIO_CONTENT_SIDS": sids, "TWILIO_MESSAGING_SERVICE_SID": "MG1"})
    assert cfg.whatsapp["twilio"]["content_sids"] == {"BOOKING_CONFIRMATION": {"en": "HX1", "ru": "HX2"}}
    assert cfg.whatsapp["twilio"]["messaging_service_sid"] == "MG1"
    assert config.load(tmp_path, {}).whatsapp["twilio"]["content_sids"] == {}
    for env, says in [({"TWILIO_CONTENT_SIDS": sids}, "TWILIO_MESSAGING_SERVICE_SID (MG...) is needed"),
                      ({"TWILIO_CONTENT_SIDS": '{"BOOKING": {"en": "HX1"}}', "TWILIO_MESSAGING_SERVICE_SID": "MG1"},
                       "unknown message type 'BOOKING'"),
                      ({"TWILIO_CONTENT_SIDS": '{"BOOKING_CONFIRMATION": "HX1"}'}, "needs an object"),
                      ({"TWILIO_CONTENT_SIDS": "HX1"}, "TWILIO_CONTENT_SIDS is invalid (not JSON)")]:
        with pytest.raises(ImproperlyConfigured, match=re.escape(says)):
            config.load(tmp_path, env)


@pytest.mark.parametrize("fault, code, outcome", [("500", "500", "retry"), ("timeout", "timeout", "unclear"),
                                                  ("429", "429", "retry")])
def test_a_fault_delays_the_message_and_it_is_sent_once_after_recovery(hotel, provider, fake_whatsapp, fast, fault,
                                                                       code, outcome):
    fast.INNKEEPER_MESSAGING["http_timeout_seconds"] = 0.3  # the fake's "timeout" stays silent for 1.5 s
    fake_whatsapp.fail(fault)
    wa = rows(confirmed_booking(hotel))["WHATSAPP"]
    sent_at = timezone.now()
    with time_machine.travel(sent_at, tick=False):  # the delay is measured from the failed try, not from later
        first = deliver(wa)
    assert (first.status, first.attempts, first.error_code) == (S.QUEUED, 1, code)
    wait = (first.next_attempt_at - sent_at).total_seconds()
    if fault == "429":
        assert wait == 1.0  # the provider's Retry-After: 1, not our 15-30 s backoff
    else:
        assert 15 <= wait <= 30
    sent = deliver(wa, at=later(first))
    assert (sent.status, sent.attempts) == (S.SENT, 2)
    # nothing reached the guest on the failed try; a timeout is logged as unclear all the same, since we
    # cannot tell it from one where the provider took the message
    assert len(fake_whatsapp.sends) == 1 and log(wa) == [outcome, "sent"]


def test_a_provider_that_sends_but_answers_too_late_makes_the_retry_a_duplicate(hotel, provider, fake_whatsapp,
                                                                                fast):
    """The real duplicate risk: the provider took the message, but its answer came after our timeout."""
    fast.INNKEEPER_MESSAGING["http_timeout_seconds"] = 0.3
    fake_whatsapp.fail("late")
    wa = rows(confirmed_booking(hotel))["WHATSAPP"]
    first = deliver(wa)
    assert (first.status, first.error_code) == (S.QUEUED, "timeout") and len(fake_whatsapp.sends) == 1
    assert "the guest may get it twice" in first.last_error
    sent = deliver(wa, at=later(first))
    assert sent.status == S.SENT and log(wa) == ["unclear", "sent"]
    assert len(fake_whatsapp.sends) == 2  # no provider here recognises a repeat, as the log warned
    assert sent.provider_message_id == fake_whatsapp.sends[1]["id"]


def test_an_unreachable_provider_delays_the_message_until_it_answers(hotel, fast, fake_whatsapp):
    use_whatsapp(fast, "waha", closed_port_url())
    wa = rows(confirmed_booking(hotel))["WHATSAPP"]
    first = deliver(wa)
    assert (first.status, first.error_code) == (S.QUEUED, "unreachable")
    use_whatsapp(fast, "waha", fake_whatsapp.url)
    assert deliver(wa, at=later(first)).status == S.SENT and len(fake_whatsapp.sends) == 1


def test_a_provider_down_through_every_attempt_leaves_the_message_dead(hotel, provider, fake_whatsapp):
    fake_whatsapp.fail("500", "timeout", "500")
    wa = rows(confirmed_booking(hotel))["WHATSAPP"]
    for _ in range(3):
        wa = deliver(wa, at=later(wa))
    assert (wa.status, wa.attempts) == (S.DEAD, 3)
    assert log(wa) == ["retry", "unclear", "dead"] and fake_whatsapp.sends == []


@pytest.mark.parametrize("name, answer, code", [
    ("waha", (422, {"statusCode": 422, "message": fw.CORE_MESSAGE}), "422"),
    ("cloud", (400, {"error": {"message": "(#132001) Template name does not exist", "code": 132001}}), "132001"),
    ("twilio", (400, {"code": 21211, "message": "The 'To' number is not a valid phone number.", "status": 400}),
     "21211"),
])
def test_a_permanent_refusal_fails_at_once(hotel, fast, fake_whatsapp, name, answer, code):
    use_whatsapp(fast, name, fake_whatsapp.url)
    fake_whatsapp.fail(answer)
    wa = deliver(rows(confirmed_booking(hotel))["WHATSAPP"])
    assert (wa.status, wa.attempts, wa.error_code) == (S.FAILED, 1, code)
    assert log(wa) == ["failed"]


def test_waha_refuses_a_wrong_key_and_the_message_fails(hotel, fast, fake_whatsapp):
    use_whatsapp(fast, "waha", fake_whatsapp.url)
    fast.INNKEEPER_WHATSAPP["waha"]["api_key"] = "wrong"
    wa = deliver(rows(confirmed_booking(hotel))["WHATSAPP"])
    assert (wa.status, wa.error_code) == (S.FAILED, "401")


@pytest.mark.parametrize("name", ["waha", "cloud", "twilio", "simulator"])
def test_a_send_whose_worker_died_is_sent_again_and_the_log_says_whether_it_may_be_twice(hotel, fast, fake_whatsapp,
                                                                                        name):
    from datetime import timedelta

    from django_scopes import scopes_disabled

    from innkeeper.messaging import services
    from innkeeper.messaging.models import Message
    from innkeeper.simulators.models import SimulatedMessage

    use_whatsapp(fast, name, fake_whatsapp.url)
    wa = deliver(rows(confirmed_booking(hotel))["WHATSAPP"])
    with scopes_disabled():  # as if the worker died after the provider accepted, before we recorded it
        Message.objects.filter(pk=wa.pk).update(status=S.SENDING, claimed_at=timezone.now() - timedelta(seconds=301))
        assert services.messages_sweep() == [wa.pk]
        again = deliver(wa)
        recorded = SimulatedMessage.objects.filter(channel="WHATSAPP").count()
    assert (again.status, again.attempts) == (S.SENT, 2)
    if name == "simulator":  # it recognises the key: one message
        assert log(wa) == ["sent", "requeued", "sent"] and recorded == 1
        assert again.provider_message_id == wa.provider_message_id
    else:  # a repeated request is a new message: the guest got two, and the log said it might
        assert log(wa) == ["sent", "unclear", "sent"] and len(fake_whatsapp.sends) == 2
        assert again.provider_message_id == fake_whatsapp.sends[1]["id"] != wa.provider_message_id


# A send must never stay SENDING: every outcome is an attempt ------------------------------------------

@pytest.mark.parametrize("name", PROVIDERS)
def test_an_accepted_message_whose_answer_cannot_be_read_is_sent_and_never_sent_again(hotel, fast, fake_whatsapp,
                                                                                        name):
    use_whatsapp(fast, name, fake_whatsapp.url)
    fake_whatsapp.fail("not-json")  # the provider took the message, then answered 201 with an HTML page
    wa = deliver(rows(confirmed_booking(hotel))["WHATSAPP"])
    assert (wa.status, wa.attempts, wa.provider_message_id) == (S.SENT, 1, "")
    assert "accepted the message (HTTP 20" in wa.last_error and log(wa) == ["sent"]
    assert deliver(wa).status == S.SENT
    assert len(fake_whatsapp.requests) == 1 and len(fake_whatsapp.sends) == 1


def test_an_unexpected_error_counts_as_an_attempt_and_the_message_ends_dead(hotel, provider, fake_whatsapp):
    fake_whatsapp.fail("gzip", "gzip", "gzip")  # an answer httpx cannot decode: neither retryable nor permanent
    wa = rows(confirmed_booking(hotel))["WHATSAPP"]
    first = deliver(wa)
    assert (first.status, first.attempts, first.error_code) == (S.QUEUED, 1, "DecodingError")
    assert first.last_error.startswith("unexpected error DecodingError")
    # raised after the request went out, so the provider may have the message: the log says so
    assert "may have sent it already and cannot recognise a repeat: the guest may get it twice" in first.last_error
    wa = first
    for _ in range(2):
        wa = deliver(wa, at=later(wa))
    assert (wa.status, wa.attempts) == (S.DEAD, 3)
    assert log(wa) == ["unclear", "unclear", "dead"] and fake_whatsapp.sends == []


@pytest.mark.parametrize("name", ["cloud", "twilio"])
def test_a_room_without_a_smart_lock_goes_as_the_key_collection_template_in_its_hotels_words(
        hotel, other_hotel, fast, fake_whatsapp, name):
    """An approved access template has a door code and a door link, which a room without a lock has not: its
    access message goes as the KEY_COLLECTION template, with where its own hotel hands out the key."""
    fast.LOCK_PROVIDER, fast.TTLOCK = "none", None
    use_whatsapp(fast, name, fake_whatsapp.url)
    with scopes_disabled():
        other_hotel.key_collection_text_en = "Ring the night porter at the courtyard door."
        other_hotel.save()
    ours = confirmed_booking(hotel, locale="en")
    theirs = confirmed_booking(other_hotel, locale="en", name="Boris Ivanov", email="boris@example.com")
    identity = checkin.clean_identity(legal_name="Anna Petrova", date_of_birth="1990-05-17",
                                      document_number="75 1234567", nationality="RU",
                                      address="Tverskaya 7, Moscow", today=date(2026, 11, 1))
    sent = {}
    for booking in (ours, theirs):
        with scope(hotel=booking.hotel):
            journey.checkin_complete(booking=booking, identity=identity)
        with scopes_disabled():
            row = Message.objects.get(booking=booking, type="ACCESS_INSTRUCTIONS", channel="WHATSAPP")
            room = Booking.objects.get(pk=booking.pk).room.number
        assert deliver(row).status == S.SENT
        request = fake_whatsapp.requests[-1]
        if name == "cloud":
            template = json.loads(request["body"])["template"]
            assert template["name"] == "innkeeper_key_collection"
            sent[booking.hotel.slug] = [p["text"] for p in template["components"][0]["parameters"]]
        else:
            form = {k: v[0] for k, v in parse_qs(request["body"].decode()).items()}
            assert form["ContentSid"] == fw.TWILIO_KEY_COLLECTION and "Body" not in form
            variables = json.loads(form["ContentVariables"])
            sent[booking.hotel.slug] = [variables[str(i)] for i in range(1, len(variables) + 1)]
        assert sent[booking.hotel.slug][2] == room
    assert sent["moscow"][:2] + sent["moscow"][3:] == ["Anna Petrova", "Moscow Inn", "Collect your key at reception."]
    assert sent["other"][:2] + sent["other"][3:] == ["Boris Ivanov", "Other Inn",
                                                     "Ring the night porter at the courtyard door."]
