"""The panel's automation pages and writing to a guest by hand: what staff see and what it does."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from innkeeper.core import outbox
from innkeeper.core.models import ActivityLog
from innkeeper.messaging import services
from innkeeper.messaging.models import AutomationRule, Message, RuleTemplate, SendLimit
from tests import factories
from tests.factories import PASSWORD
from tests.messaging_helpers import deliver


def sign_in(client, hotel, role, email):
    user = factories.make_member(hotel, role, email)
    assert client.post("/panel/sign-in/", {"username": email, "password": PASSWORD}).status_code == 302
    return user


RULE = {"name": "Day before", "trigger": "ARRIVAL", "amount": "1", "unit": "days", "direction": "before",
        "at_time": "10:00", "email": "on", "whatsapp": "on", "active": "on", "locale": "de",
        "subject": "Morgen in {hotel_name}", "body": "Hallo {guest_name}, bis morgen! {check_in_link}",
        "channel": "EMAIL"}


@pytest.fixture
def booking(hotel, book, future):
    return book(hotel, factories.make_room_type(hotel, slug="std", rooms=1), future, future + timedelta(days=1),
                name="Anna Petrova")


def text(html: str) -> str:
    return re.sub(r"\s+", " ", html)


def test_an_owner_makes_a_rule_in_german_previews_it_and_an_unknown_placeholder_is_named(client, hotel):
    sign_in(client, hotel, "OWNER", "owner@moscow.example")
    refused = client.post("/panel/messages/automation/new/", {**RULE, "body": "Hallo {gast}", "save": ""})
    assert refused.status_code == 400 and "Unknown placeholder: {gast}." in refused.text
    with scopes_disabled():
        assert not AutomationRule.objects.filter(hotel=hotel).exists()
    preview = client.post("/panel/messages/automation/new/", {**RULE, "preview": ""})
    assert preview.status_code == 200 and "Hallo Anna Petrova, bis morgen!" in preview.text
    assert "Morgen in Moscow Inn" in preview.text
    saved = client.post("/panel/messages/automation/new/", {**RULE, "save": ""})
    with scopes_disabled():
        made = AutomationRule.objects.get(hotel=hotel)
        wording = RuleTemplate.objects.get(rule=made)
    assert saved.status_code == 302 and saved["Location"] == f"/panel/messages/automation/{made.pk}/?locale=de"
    assert (made.trigger, made.offset_minutes, str(made.at_time)) == ("ARRIVAL", -1440, "10:00:00")
    assert (wording.locale, wording.body) == ("de", RULE["body"])
    page = client.get(saved["Location"])
    assert 'value="Day before"' in page.text and "Hallo {guest_name}" in page.text
    listing = client.get("/panel/messages/automation/")
    assert f'data-rule="{made.pk}"' in listing.text and "<code>de</code>" in listing.text


def test_a_test_send_from_the_rule_page_goes_to_the_owner(client, hotel, smtp):
    owner = sign_in(client, hotel, "OWNER", "owner@moscow.example")
    r = client.post("/panel/messages/automation/new/", {**RULE, "test": ""})
    assert r.status_code == 302
    with scopes_disabled():
        row = Message.objects.get(hotel=hotel, type="TEST")
        assert ActivityLog.objects.filter(hotel=hotel, verb="message.test_send", actor_id=str(owner.pk)).exists()
    assert row.recipient == "owner@moscow.example" and row.subject == "Morgen in Moscow Inn"
    deliver(row)
    assert smtp.messages[-1]["To"] == "owner@moscow.example"


def test_switching_off_a_journey_message_on_the_page_stops_it(client, hotel, book, future):
    sign_in(client, hotel, "OWNER", "owner@moscow.example")
    page = client.get("/panel/messages/automation/")
    assert page.status_code == 200 and 'data-builtin="BOOKING_CONFIRMATION"' in page.text
    assert client.post("/panel/messages/automation/", {"builtin": "BOOKING_CONFIRMATION"}).status_code == 302
    assert client.post("/panel/messages/automation/", {"builtin": "CHECKIN_REMINDER", "active": "on",
                                                       "email": "on"}).status_code == 302
    stay = book(hotel, factories.make_room_type(hotel, slug="std", rooms=1), future, future + timedelta(days=1))
    with scopes_disabled():
        assert not Message.objects.filter(booking_id=stay.pk).exists()
    # Each message is folded to one line that says what it does: off, one channel, or both.
    folded = client.get("/panel/messages/automation/").text
    state = dict(re.findall(r'data-builtin="(\w+)">.*?<span data-state>([^<]*)</span>', folded, re.S))
    assert state == {"BOOKING_CONFIRMATION": "Off", "CHECKIN_REMINDER": "E-mail only",
                     "ACCESS_INSTRUCTIONS": "E-mail and WhatsApp", "CHECKOUT_REMINDER": "E-mail and WhatsApp",
                     "POST_STAY_THANKS": "E-mail and WhatsApp", "BOOKING_CANCELLED": "E-mail and WhatsApp"}


def test_staff_write_to_a_guest_with_a_preview_that_is_what_is_sent(client, hotel, other_hotel, booking, smtp, book,
                                                                   future):
    user = sign_in(client, hotel, "STAFF", "desk@moscow.example")
    form = {"channels": ["EMAIL"], "subject": "About {reference}", "body": "Your taxi waits, {guest_name}."}
    preview = client.post(f"/panel/bookings/{booking.reference}/message/", {**form, "preview": ""})
    assert preview.status_code == 200 and "Your taxi waits, Anna Petrova." in preview.text
    bad = client.post(f"/panel/bookings/{booking.reference}/message/", {**form, "body": "{taxi}", "send": ""})
    assert bad.status_code == 400 and "{taxi}" in bad.text
    sent = client.post(f"/panel/bookings/{booking.reference}/message/", {**form, "send": ""})
    assert sent.status_code == 302
    with scopes_disabled():
        row = Message.objects.get(booking=booking, type="MANUAL")
        entry = ActivityLog.objects.get(verb="booking.message_manual")
    assert deliver(row).body_text == "Your taxi waits, Anna Petrova."
    assert entry.actor_id == str(user.pk) and entry.hotel_id == hotel.pk
    detail = client.get(f"/panel/bookings/{booking.reference}/")
    assert "Write to the guest" in detail.text and f"wrote to the guest of booking {booking.reference}" in detail.text
    theirs = book(other_hotel, factories.make_room_type(other_hotel, slug="std", rooms=1), future,
                  future + timedelta(days=1))
    assert client.post(f"/panel/bookings/{theirs.reference}/message/", {**form, "send": ""}).status_code == 404


def test_an_owner_sets_the_limits_and_staff_see_when_one_was_reached(client, hotel, booking, smtp, book, future):
    second = book(hotel, factories.make_room_type(hotel, slug="dlx", rooms=1), future, future + timedelta(days=1))
    sign_in(client, hotel, "OWNER", "owner@moscow.example")
    assert client.post("/panel/messages/automation/", {"automated_per_minute": "0"}).status_code == 400
    assert client.post("/panel/messages/automation/", {"automated_per_minute": "1"}).status_code == 302
    with scopes_disabled():
        assert SendLimit.objects.get(hotel=hotel).automated_per_minute == 1
        emails = Message.objects.filter(booking__in=[booking, second], channel="EMAIL")
        outbox.process("message", [m.pk for m in emails], now=timezone.now() + timedelta(seconds=1))
        assert sorted(emails.values_list("status", flat=True)) == ["QUEUED", "SENT"]
    page = client.get("/panel/messages/")
    assert 'data-limit="automated-minute"' in page.text
    assert "The limit of 1 automated messages a minute was reached: 1 waited" in text(page.text)
    with scope(hotel=hotel):
        assert services.limits_for(hotel.pk)["automated_per_minute"] == 1


def test_an_owner_moves_the_thanks_after_the_stay_on_the_page_and_the_sweep_sends_it_then(
        client, hotel, other_hotel, book, future):
    from innkeeper.journey import services as journey
    from tests.conftest import local

    sign_in(client, hotel, "OWNER", "owner@moscow.example")
    page = client.get("/panel/messages/automation/")
    assert "1 hour after check-out" in page.text and "2 hours before check-out" in page.text
    move = {"builtin": "POST_STAY_THANKS", "active": "on", "email": "on", "whatsapp": "on", "amount": "1",
            "unit": "days", "at_time": "10:00"}
    assert client.post("/panel/messages/automation/", move).status_code == 302
    page = client.get("/panel/messages/automation/")
    assert "1 day after check-out, at 10:00" in text(page.text)
    bad = client.post("/panel/messages/automation/", {**move, "amount": "-3"})
    assert bad.status_code == 400 and "Ensure this value is greater than or equal to 0." in bad.text
    mine = book(hotel, factories.make_room_type(hotel, slug="std", rooms=1), future, future + timedelta(days=1))
    theirs = book(other_hotel, factories.make_room_type(other_hotel, slug="std", rooms=1), future,
                  future + timedelta(days=1))
    with scopes_disabled():
        for b in (mine, theirs):
            b.status = "CHECKED_OUT"
            b.save(update_fields=["status"])
    assert journey.stay_messages_run(now=mine.end + timedelta(hours=1)) == []
    assert journey.stay_messages_run(now=theirs.end + timedelta(hours=1)) == [(theirs, "POST_STAY_THANKS")]
    assert journey.stay_messages_run(now=local(hotel, future + timedelta(days=2), 10)) == [
        (mine, "POST_STAY_THANKS")]
    with scopes_disabled():
        assert AutomationRule.objects.get(hotel=hotel, builtin="POST_STAY_THANKS").offset_minutes == 24 * 60
        assert not AutomationRule.objects.filter(hotel=other_hotel).exists()
