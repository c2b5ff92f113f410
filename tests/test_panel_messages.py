"""The panel's guest messages: the log with retry, resending from a booking, the template editor."""

import re
from datetime import timedelta

import pytest
from django_scopes import scopes_disabled

from innkeeper.accounts.models import User
from innkeeper.core import activity
from innkeeper.core.activity import Actor
from innkeeper.messaging.models import Message, MessageTemplate
from tests import factories
from tests.factories import PASSWORD
from tests.messaging_helpers import rendered


def sign_in(client, hotel, role, email):
    factories.make_member(hotel, role, email)
    assert client.post("/panel/sign-in/", {"username": email, "password": PASSWORD}).status_code == 302


@pytest.fixture
def booking(hotel, book, future):
    rt = factories.make_room_type(hotel, slug="std", rooms=1)
    return book(hotel, rt, future, future + timedelta(days=1), name="Anna Petrova")


def test_the_log_filters_and_retries_a_dead_message_of_this_hotel_only(client, hotel, other_hotel, booking, book,
                                                                      future):
    theirs = book(other_hotel, factories.make_room_type(other_hotel, slug="x", rooms=1), future,
                  future + timedelta(days=1))
    with scopes_disabled():
        email = Message.objects.get(booking=booking, channel="EMAIL")
        Message.objects.filter(pk=email.pk).update(status="DEAD", attempts=8, last_error="timeout")
        foreign = Message.objects.filter(booking=theirs).first()
    sign_in(client, hotel, "STAFF", "desk@moscow.example")
    page = client.get("/panel/messages/", {"status": "DEAD"}).content.decode()
    assert f'data-message="{email.pk}"' in page and booking.reference in page and theirs.reference not in page
    assert client.get(f"/panel/messages/{foreign.pk}/").status_code == 404
    assert client.post(f"/panel/messages/{foreign.pk}/retry/").status_code == 404
    client.post(f"/panel/messages/{email.pk}/retry/")
    with scopes_disabled():
        email.refresh_from_db()
    assert (email.status, email.attempts) in {("QUEUED", 0), ("SENT", 1)}


def test_resend_confirmation_and_check_in_link_make_new_rows(client, hotel, booking):
    sign_in(client, hotel, "STAFF", "desk@moscow.example")
    with scopes_disabled():
        before = Message.objects.filter(booking=booking).count()
    client.post(f"/panel/bookings/{booking.reference}/resend/confirmation/")
    client.post(f"/panel/bookings/{booking.reference}/resend/check-in-link/")
    with scopes_disabled():
        made = list(Message.objects.filter(booking=booking).order_by("id").values_list("type", "channel"))[before:]
        reminder = Message.objects.filter(booking=booking, type="CHECKIN_REMINDER", channel="EMAIL").get()
        body = rendered(reminder).body_text
        who = {e.actor for e in activity.history(booking).filter(verb="booking.message_resend")}
        desk = Actor.staff(User.objects.get(email="desk@moscow.example"))
    assert [t for t, c in made if c == "EMAIL"] == ["BOOKING_CONFIRMATION", "CHECKIN_REMINDER"]
    assert "/check-in/?token=" in body and who == {desk}


def test_a_cancelled_booking_gets_no_check_in_link(client, hotel, booking):
    sign_in(client, hotel, "STAFF", "desk@moscow.example")
    client.post(f"/panel/bookings/{booking.reference}/status/", {"status": "CANCELLED"})
    r = client.post(f"/panel/bookings/{booking.reference}/resend/check-in-link/", follow=True)
    assert "only for confirmed bookings" in r.content.decode()
    with scopes_disabled():
        assert not Message.objects.filter(booking=booking, type="CHECKIN_REMINDER").exists()


def test_the_template_editor_previews_refuses_unknown_variables_and_saves(client, hotel):
    sign_in(client, hotel, "OWNER", "owner@moscow.example")
    url = "/panel/messages/templates/?type=BOOKING_CONFIRMATION&channel=EMAIL&locale=ru"
    page = client.get(url).content.decode()
    assert "Анна Петрова" in page  # the shipped Russian wording, previewed with a sample booking
    form = {"type": "BOOKING_CONFIRMATION", "channel": "EMAIL", "locale": "ru", "subject": "Бронь {{ reference }}",
            "body": "Здравствуйте, {{ guest_name }}! {{ room_colour }}"}
    bad = client.post(url, {**form, "save": ""})
    assert bad.status_code == 400 and "unknown variable: room_colour" in bad.content.decode()
    preview = client.post(url, {**form, "body": "Здравствуйте, {{ guest_name }}!", "preview": ""})
    assert "Здравствуйте, Анна Петрова!" in preview.content.decode()
    with scopes_disabled():
        assert not MessageTemplate.objects.exists()  # a preview saves nothing
    client.post(url, {**form, "body": "Здравствуйте, {{ guest_name }}!", "save": ""})
    with scopes_disabled():
        saved = MessageTemplate.objects.get()
    assert (saved.hotel, saved.locale, saved.subject) == (hotel, "ru", "Бронь {{ reference }}")


def test_templates_are_for_owners_and_the_log_for_every_member(client, hotel):
    sign_in(client, hotel, "STAFF", "desk@moscow.example")
    assert client.get("/panel/messages/").status_code == 200
    assert client.get("/panel/messages/templates/").status_code == 403


def _previews(page: str) -> dict:
    return dict(re.findall(r'<section class="card preview" lang="(\w+)".*?<pre class="message-text">(.*?)</pre>', page,
                           re.S))


def test_the_editor_previews_the_message_in_english_and_russian_side_by_side(client, hotel):
    sign_in(client, hotel, "OWNER", "owner@moscow.example")
    url = "/panel/messages/templates/?type=BOOKING_CONFIRMATION&channel=WHATSAPP&locale=en"
    shown = _previews(client.get(url).content.decode())
    assert set(shown) == {"en", "ru"}
    assert "Anna Petrova" in shown["en"] and "Анна Петрова" in shown["ru"] and "Anna" not in shown["ru"]
    form = {"type": "BOOKING_CONFIRMATION", "channel": "WHATSAPP", "locale": "ru", "subject": ""}
    client.post(url, {**form, "body": "Ждём вас, {{ guest_name }}! Бронь {{ reference }}.", "save": ""})
    draft = _previews(client.post(url, {**form, "locale": "en", "body": "Draft for {{ guest_name }}",
                                        "preview": ""}).content.decode())
    assert draft["en"] == "Draft for Anna Petrova"  # what is being edited
    assert draft["ru"] == "Ждём вас, Анна Петрова! Бронь K7M2QX."  # the Russian wording as saved


def test_a_failed_message_not_only_a_dead_one_can_be_retried(client, hotel, booking):
    from innkeeper.messaging.models import MessageAttempt

    with scopes_disabled():
        whatsapp = Message.objects.get(booking=booking, channel="WHATSAPP")
        Message.objects.filter(pk=whatsapp.pk).update(status="FAILED", attempts=1, last_error="invalid number")
        sent = Message.objects.get(booking=booking, channel="EMAIL")
        Message.objects.filter(pk=sent.pk).update(status="SENT")
    sign_in(client, hotel, "STAFF", "desk@moscow.example")
    page = client.get("/panel/messages/", {"status": "FAILED"}).content.decode()
    assert f'action="/panel/messages/{whatsapp.pk}/retry/"' in page
    assert client.post(f"/panel/messages/{whatsapp.pk}/retry/").status_code == 302
    refused = client.post(f"/panel/messages/{sent.pk}/retry/", follow=True)
    assert "Only a failed message can be sent again." in refused.content.decode()
    with scopes_disabled():
        whatsapp.refresh_from_db()
        sent.refresh_from_db()
        attempt = MessageAttempt.objects.filter(message=whatsapp).latest("id")
    assert (whatsapp.status, whatsapp.attempts) == ("QUEUED", 0) and sent.status == "SENT"
    assert (attempt.outcome, attempt.detail) == ("requeued", "retry by staff:desk@moscow.example")


@pytest.mark.parametrize("body", ['Arriving {{ check_in|date:"r" }}', "{% for name, price in add_ons %}{{ name }}{% endfor %}",
                                  "{{ add_ons|join:1 }}"])
def test_a_template_that_cannot_be_filled_in_is_an_error_beside_the_text_on_preview_and_save(client, hotel,
                                                                                             other_hotel, body):
    sign_in(client, hotel, "OWNER", "owner@moscow.example")
    url = "/panel/messages/templates/?type=BOOKING_CONFIRMATION&channel=EMAIL&locale=en"
    form = {"type": "BOOKING_CONFIRMATION", "channel": "EMAIL", "locale": "en", "subject": "Booked", "body": body}
    for button in ("preview", "save"):
        r = client.post(url, {**form, button: ""})
        assert r.status_code == 400, button
        assert re.search(r'<p class="error" id="id_body_error">A filter or loop in the template cannot work with its '
                         r"values: ", r.content.decode()), button
    with scopes_disabled():
        assert not MessageTemplate.objects.exists()


def test_a_stored_template_that_cannot_be_filled_in_shows_what_to_fix_instead_of_failing(client, hotel, other_hotel):
    sign_in(client, hotel, "OWNER", "owner@moscow.example")
    broken = 'Arriving {{ check_in|date:"r" }}'  # saved before saving checked that a template can be filled in
    for h, locale in ((hotel, "ru"), (hotel, "en"), (other_hotel, "ru")):
        MessageTemplate.objects.create(hotel=h, type="BOOKING_CONFIRMATION", channel="WHATSAPP", locale=locale,
                                       body=broken if h == hotel else "Their {{ guest_name }}")
    r = client.get("/panel/messages/templates/?type=BOOKING_CONFIRMATION&channel=WHATSAPP&locale=en")
    assert r.status_code == 200
    page = r.content.decode()
    assert '<p class="error" id="id_body_error">A filter or loop in the template cannot work' in page
    assert re.search(r'lang="ru".*?<p class="alert" role="alert">A filter or loop', page, re.S)
    assert "Their Анна" not in page


def test_the_log_pages_through_every_message_keeping_the_filter(client, hotel, other_hotel, booking, book, future):
    theirs = book(other_hotel, factories.make_room_type(other_hotel, slug="x", rooms=1), future,
                  future + timedelta(days=1))
    with scopes_disabled():
        oldest = Message.objects.filter(booking=booking, channel="EMAIL").order_by("created_at", "id").first()
        for n in range(60):
            copy = Message.objects.get(pk=oldest.pk)
            copy.pk, copy.idempotency_key = None, f"copy-{oldest.pk}-{n}"
            copy.created_at = oldest.created_at + timedelta(seconds=n + 1)
            copy.save()
        mine = Message.objects.filter(booking=booking, channel="EMAIL").count()
        foreign = set(Message.objects.filter(booking=theirs).values_list("pk", flat=True))
    sign_in(client, hotel, "STAFF", "desk@moscow.example")
    first = client.get("/panel/messages/", {"channel": "EMAIL"}).content.decode()
    assert f"{mine} in all" in first and "Page 1 of 2" in first
    later = re.search(r'<a href="([^"]+)" rel="next">', first).group(1).replace("&amp;", "&")
    assert "channel=EMAIL" in later and "page=2" in later
    last = client.get("/panel/messages/" + later).content.decode()
    shown = {int(pk) for page in (first, last) for pk in re.findall(r'data-message="(\d+)"', page)}
    assert len(shown) == mine and oldest.pk in shown and not shown & foreign
    assert f'data-message="{oldest.pk}"' in last
