"""Guest messaging: the outbox row with the booking, templates, e-mail over real SMTP, retries, the sweeper."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
import time_machine
from django.utils import timezone
from django_scopes import ScopeError, scope, scopes_disabled

from innkeeper.booking import services as booking_services
from innkeeper.booking import stays
from innkeeper.booking.errors import NoAvailability
from innkeeper.booking.models import Booking
from innkeeper.core import dates
from innkeeper.core.errors import Conflict, InvalidInput
from innkeeper.journey import services as journey
from innkeeper.messaging import rendering, services
from innkeeper.messaging.defaults import DEFAULTS
from innkeeper.messaging.models import BUILT_IN, Message, MessageStatus, MessageType, OptOut
from innkeeper.messaging.providers.email import message_id
from innkeeper.simulators.models import SimulatedMessage
from tests import factories
from tests.messaging_helpers import closed_port_url, confirmed_booking, deliver, later, log, rendered, rows

S = MessageStatus


# The outbox row, written with the booking ----------------------------------------------------------

def test_a_confirmed_booking_writes_its_confirmations_and_rings_after_commit(hotel, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        booking = confirmed_booking(hotel)
    messages = rows(booking)
    assert set(messages) == {"EMAIL", "WHATSAPP"}
    email, wa = messages["EMAIL"], messages["WHATSAPP"]
    assert (email.status, email.recipient, email.type, email.attempts) == (S.QUEUED, "anna@example.com",
                                                                          MessageType.BOOKING_CONFIRMATION, 0)
    assert (wa.status, wa.recipient) == (S.QUEUED, "+79161234567")
    assert email.idempotency_key == f"booking:{booking.pk}:BOOKING_CONFIRMATION:EMAIL:"
    assert booking.reference in email.subject and booking.reference in wa.body_text
    assert len(callbacks) == 2  # one task per message, queued only once the booking is committed


def test_no_booking_no_message_and_a_hold_waits_for_confirmation(hotel):
    room_type = factories.make_room_type(hotel, rooms=0)
    from innkeeper.booking import stays
    day = (timezone.now() + timedelta(days=30)).date()
    with scope(hotel=hotel), pytest.raises(NoAvailability):
        stay = stays.from_request(hotel, check_in=day, check_out=day + timedelta(days=1), now=timezone.now())
        journey.booking_create(hotel=hotel, room_type=room_type.slug, stay=stay, guests=1,
                                        guest=booking_services.GuestDetails("A B", "a@example.com"))
    with scopes_disabled():
        assert Message.objects.count() == 0
    held = confirmed_booking(hotel, hold=True)
    assert rows(held) == {}
    with scope(hotel=hotel):
        journey.booking_confirm(booking=held)
    assert set(rows(held)) == {"EMAIL", "WHATSAPP"}


def test_enqueueing_the_same_message_twice_makes_one_row(hotel):
    booking = confirmed_booking(hotel)
    with scope(hotel=hotel):
        again = services.message_enqueue(booking=Booking.objects.get(pk=booking.pk),
                                         type=MessageType.BOOKING_CONFIRMATION)
        assert sorted(m.pk for m in again) == sorted(m.pk for m in rows(booking).values())
        services.message_enqueue(booking=booking, type=MessageType.CHECKIN_REMINDER, occasion="48h",
                                 extra={"check_in_link": "https://moscow.example/c/abc"}, channels=["EMAIL"])
        services.message_enqueue(booking=booking, type=MessageType.CHECKIN_REMINDER, occasion="48h",
                                 channels=["EMAIL"])
        assert Message.objects.filter(booking=booking, type=MessageType.CHECKIN_REMINDER).count() == 1
        reminder = rendered(Message.objects.get(booking=booking, type=MessageType.CHECKIN_REMINDER))
    assert "https://moscow.example/c/abc" in reminder.body_text


def test_an_unknown_variable_from_code_is_refused(hotel):
    booking = confirmed_booking(hotel)
    with scope(hotel=hotel), pytest.raises(ValueError, match="door_colour"):
        services.message_enqueue(booking=booking, type=MessageType.ACCESS_INSTRUCTIONS, extra={"door_colour": "red"})


# Language, templates, escaping -----------------------------------------------------------------------

def test_the_guest_gets_their_language(hotel):
    booking = confirmed_booking(hotel, locale="ru", add_ons=())
    email = rows(booking)["EMAIL"]
    assert email.locale == "ru"
    assert email.subject == f"Бронирование {booking.reference} в Moscow Inn подтверждено"
    assert "Здравствуйте, Anna Petrova!" in email.body_text
    english = rows(confirmed_booking(hotel, email="b@example.com"))["EMAIL"]
    assert english.subject.startswith("Your booking")


def test_dates_in_a_message_are_written_as_the_guests_language_writes_them_on_pages(hotel):
    booking = confirmed_booking(hotel, locale="ru", add_ons=())
    text = rows(booking)["EMAIL"].body_text
    arrival = dates.format_moment(booking.start, "ru", tz=hotel.tz)
    assert arrival.startswith(dates.format_day(booking.start, "ru", tz=hotel.tz)) and arrival in text
    assert dates.format_moment(booking.end, "ru", tz=hotel.tz) in text
    assert booking.start.date().isoformat() not in text


def test_add_ons_and_total_are_in_the_confirmation(hotel):
    factories.make_add_on(hotel, "breakfast", "15", name="Breakfast")
    booking = confirmed_booking(hotel, add_ons=["breakfast"])
    text = rows(booking)["EMAIL"].body_text
    assert "Extras: Breakfast" in text
    assert booking.total == D("215.00") and "Total: €215\n" in text  # two nights at 100 + breakfast 15


def test_guest_text_is_escaped_in_html_and_kept_in_plain_text(hotel):
    booking = confirmed_booking(hotel, name='Eve <img src=x onerror="alert(1)">')
    email = rows(booking)["EMAIL"]
    assert "<img" not in email.body_html and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in email.body_html
    assert 'Dear Eve <img src=x onerror="alert(1)">,' in email.body_text


def test_a_hotel_template_overrides_the_default_in_its_language(hotel):
    with scope(hotel=hotel):
        services.template_save(hotel=hotel, type="BOOKING_CONFIRMATION", channel="EMAIL", locale="en",
                               subject="Booked: {{ reference }}", body="Hi {{ guest_name }}, see you {{ check_in_date }}.")
    email = rows(confirmed_booking(hotel))["EMAIL"]
    assert email.subject.startswith("Booked: ") and email.body_text.startswith("Hi Anna Petrova, see you ")
    russian = rows(confirmed_booking(hotel, locale="ru", email="r@example.com"))["EMAIL"]
    assert russian.subject.startswith("Бронирование")


@pytest.mark.parametrize("body, named", [
    ("Hello {{ guest_nmae }}", "guest_nmae"),
    ("{% if vip %}Welcome back{% endif %}", "vip"),
    ("{{ hotel_name|default:secret_key }}", "secret_key"),
    ("{% for x in rooms %}{{ x }}{% endfor %}", "rooms"),
])
def test_a_template_with_an_unknown_variable_is_refused_naming_it(hotel, body, named):
    with scope(hotel=hotel), pytest.raises(InvalidInput) as err:
        services.template_save(hotel=hotel, type="BOOKING_CONFIRMATION", channel="WHATSAPP", locale="en", body=body)
    assert named in err.value.message and err.value.params["variable"] == named and err.value.field == "body"


@pytest.mark.parametrize("body", ['{% include "web/base.html" %}', "{% load static %}", "{% debug %}", "{% if %}oops", "{% for x in %}{% endfor %}"])
def test_a_template_with_other_tags_or_bad_syntax_is_refused(hotel, body):
    with scope(hotel=hotel), pytest.raises(InvalidInput):
        services.template_save(hotel=hotel, type="BOOKING_CONFIRMATION", channel="WHATSAPP", locale="en", body=body)


@pytest.mark.parametrize("body, named", [
    ("Hello {{ guest_name|safe }}", "safe"),
    ("{{ add_ons|safeseq|join:', ' }}", "safeseq"),
    ("{% if guest_name|safe %}Hi{% endif %}", "safe"),
    ("{% for a in add_ons|safeseq %}{{ a }}{% endfor %}", "safeseq"),
    ("{{ guest_name|escapejs }}", "escapejs"),
])
def test_a_filter_that_could_switch_off_escaping_is_refused_naming_it(hotel, body, named):
    with scope(hotel=hotel), pytest.raises(InvalidInput) as err:
        services.template_save(hotel=hotel, type="BOOKING_CONFIRMATION", channel="EMAIL", locale="en",
                               subject="Hi", body=body)
    assert err.value.code == "unknown_filter" and err.value.params["filter"] == named
    assert f"not {named}." in err.value.message


@pytest.mark.parametrize("body, code", [("{% autoescape off %}{{ guest_name }}{% endautoescape %}", "unknown_tag"),
                                        ("{% filter upper %}{{ guest_name }}{% endfilter %}", "unknown_tag"),
                                        ("{% filter safe %}{{ guest_name }}{% endfilter %}", "syntax")])
def test_escaping_cannot_be_switched_off_by_a_tag(hotel, body, code):
    with scope(hotel=hotel), pytest.raises(InvalidInput) as err:
        services.template_save(hotel=hotel, type="BOOKING_CONFIRMATION", channel="EMAIL", locale="en",
                               subject="Hi", body=body)
    assert err.value.code == code


def test_formatting_filters_are_allowed_and_still_escape(hotel):
    body = "{{ guest_name|upper }} · {{ add_ons|join:', '|default:'none' }} · {{ total|lower }}"
    rendering.validate(body)
    html = rendering.render_html(body, {"guest_name": "<b>Anna</b>", "add_ons": ["<i>Tea</i>"], "total": "5 EUR"})
    assert "&lt;B&gt;ANNA&lt;/B&gt;" in html and "&lt;i&gt;Tea&lt;/i&gt;" in html and "<b>" not in html


def test_every_shipped_default_is_valid_in_english_and_russian():
    # The journey's own messages have shipped wording; a rule's, a manual and a test send are the hotel's.
    types = set(BUILT_IN)
    assert types == set(MessageType.values) - {"AUTOMATED", "MANUAL", "TEST"}
    for t in types:
        for channel in ("EMAIL", "WHATSAPP"):
            for locale in ("en", "ru"):
                subject, body = DEFAULTS[(t, channel, locale)]
                rendering.validate(subject)
                rendering.validate(body)
                assert (subject != "") == (channel == "EMAIL")
    assert len(DEFAULTS) == len(types) * 4


# WhatsApp recipients ----------------------------------------------------------------------------------

def test_national_numbers_use_the_hotel_country(hotel):
    hotel.country = "RU"
    hotel.save()
    assert rows(confirmed_booking(hotel, phone="8 916 123 45 67"))["WHATSAPP"].recipient == "+79161234567"


@pytest.mark.parametrize("phone, why", [("", "no phone number"), ("12345", "not a usable international number")])
def test_no_usable_number_means_no_whatsapp_and_the_log_says_why(hotel, phone, why, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        booking = confirmed_booking(hotel, phone=phone)
    wa = rows(booking)["WHATSAPP"]
    assert wa.status == S.SKIPPED and why in wa.last_error
    assert log(wa) == ["skipped"]
    assert len(callbacks) == 1  # only the e-mail is sent


def test_a_guest_who_opted_out_gets_no_whatsapp(hotel):
    with scopes_disabled():
        OptOut.objects.create(hotel=hotel, channel="WHATSAPP", address="+79161234567")
    wa = rows(confirmed_booking(hotel))["WHATSAPP"]
    assert wa.status == S.SKIPPED and "opted out" in wa.last_error


# E-mail over real SMTP --------------------------------------------------------------------------------

def test_the_confirmation_arrives_by_smtp_as_text_and_html(hotel, smtp):
    booking = confirmed_booking(hotel)
    email = deliver(rows(booking)["EMAIL"])
    assert (email.status, email.attempts, email.provider) == (S.SENT, 1, "email")
    assert len(smtp.messages) == 1
    mail = smtp.messages[0]
    assert mail["To"] == "anna@example.com" and mail["From"] == "Moscow Inn <stay@moscow.example>"
    assert mail["Subject"] == email.subject and mail["Message-ID"] == email.provider_message_id
    assert mail["Message-ID"] == message_id(email.idempotency_key)
    plain = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert booking.reference in plain and booking.reference in html and "<p>" in html
    assert log(email) == ["sent"]
    assert deliver(email).status == S.SENT and len(smtp.messages) == 1  # a second task changes nothing


def test_a_busy_smtp_server_delays_the_mail_then_it_arrives_once(hotel, smtp):
    smtp.fail("421")
    email = rows(confirmed_booking(hotel))["EMAIL"]
    sent_at = timezone.now()
    with time_machine.travel(sent_at, tick=False):  # the delay is measured from the failed try, not from later
        first = deliver(email)
    assert (first.status, first.attempts, first.error_code) == (S.QUEUED, 1, "421")
    assert 15 <= (first.next_attempt_at - sent_at).total_seconds() <= 30
    assert deliver(email).status == S.QUEUED and len(smtp.messages) == 0  # not due yet: nothing happens
    assert deliver(email, at=later(first)).status == S.SENT
    assert len(smtp.messages) == 1 and log(email) == ["retry", "sent"]


def test_an_unreachable_smtp_server_ends_dead_after_the_last_attempt(hotel, fast):
    fast.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    fast.EMAIL_HOST, fast.EMAIL_PORT, fast.EMAIL_USE_TLS, fast.EMAIL_TIMEOUT = "127.0.0.1", int(
        closed_port_url().rsplit(":", 1)[1]), False, 1
    email = rows(confirmed_booking(hotel))["EMAIL"]
    for _ in range(3):
        email = deliver(email, at=later(email))
    assert (email.status, email.attempts, email.error_code) == (S.DEAD, 3, "unreachable")
    assert log(email) == ["retry", "retry", "dead"]


def test_a_refused_recipient_fails_at_once(hotel, smtp):
    email = deliver(rows(confirmed_booking(hotel, email="nobody@invalid.example"))["EMAIL"])
    assert (email.status, email.attempts, email.error_code) == (S.FAILED, 1, "recipient_refused")
    assert smtp.messages == []


def test_backoff_grows_exponentially_with_jitter_and_honours_retry_after(fast):
    class Low:
        uniform = staticmethod(lambda a, b: a)

    class High:
        uniform = staticmethod(lambda a, b: b)

    assert [services.backoff(n, rng=High) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert [services.backoff(n, rng=Low) for n in (1, 2, 3)] == [15, 30, 60]
    assert services.backoff(20, rng=High) == 3600  # capped
    assert services.backoff(1, retry_after=7) == 7


# Staff retry, the sweeper ------------------------------------------------------------------------------

def test_staff_can_retry_a_dead_or_failed_message_and_only_those(hotel, smtp):
    email = rows(confirmed_booking(hotel, email="nobody@invalid.example"))["EMAIL"]
    email = deliver(email)
    assert email.status == S.FAILED
    with scopes_disabled():
        Message.objects.filter(pk=email.pk).update(recipient="anna@example.com")
        again = services.message_retry(message=email, actor="staff@moscow.example")
    assert (again.status, again.attempts) == (S.QUEUED, 0)
    assert deliver(again).status == S.SENT and len(smtp.messages) == 1
    with scopes_disabled(), pytest.raises(Conflict):
        services.message_retry(message=again, actor="staff@moscow.example")


def test_the_sweeper_resends_lost_tasks_and_rows_whose_worker_died(hotel, smtp, fast):
    booking = confirmed_booking(hotel, phone="")
    email = rows(booking)["EMAIL"]
    now = timezone.now()
    with scopes_disabled():
        assert services.messages_sweep(now=now) == []  # just queued: its task is on the way
        assert services.messages_sweep(now=now + timedelta(seconds=31)) == [email.pk]  # overdue: task lost?
        Message.objects.filter(pk=email.pk).update(status=S.SENDING, attempts=1, claimed_at=now - timedelta(seconds=60))
        assert services.messages_sweep(now=now + timedelta(seconds=31)) == []  # a send in progress is left alone
        assert services.messages_sweep(now=now + timedelta(seconds=301)) == [email.pk]  # lease over: resent
    assert deliver(email, at=now + timedelta(seconds=302)).status == S.SENT
    # SMTP cannot recognise a repeat, so the log says the guest may get this mail twice
    assert log(email) == ["unclear", "sent"] and len(smtp.messages) == 1
    with scopes_disabled():
        unclear = email.log.get(outcome="unclear")
    assert "may already have this message" in unclear.detail and "may get it twice" in unclear.detail


def test_a_message_whose_worker_dies_on_every_attempt_ends_dead(hotel, smtp, fast):
    email = rows(confirmed_booking(hotel, phone=""))["EMAIL"]
    now = timezone.now()
    with scopes_disabled():
        for attempt in (1, 2, 3):  # claimed, and the worker never came back
            Message.objects.filter(pk=email.pk).update(status=S.SENDING, attempts=attempt,
                                                       claimed_at=now - timedelta(seconds=301))
            due = services.messages_sweep(now=now)
        row = Message.objects.get(pk=email.pk)
    assert due == [] and (row.status, row.attempts, row.error_code) == (S.DEAD, 3, "worker_lost")
    assert "gave up after 3 attempts" in row.last_error
    assert log(email) == ["unclear", "unclear", "dead"] and smtp.messages == []


def test_the_demo_simulator_records_each_mail_once(hotel, settings):
    settings.EMAIL_BACKEND = "innkeeper.simulators.messages.EmailBackend"
    settings.INNKEEPER_WHATSAPP = {**settings.INNKEEPER_WHATSAPP, "provider": "simulator"}
    booking = confirmed_booking(hotel)
    email, wa = rows(booking)["EMAIL"], rows(booking)["WHATSAPP"]
    assert deliver(email).status == S.SENT and deliver(wa).status == S.SENT
    with scopes_disabled():
        Message.objects.filter(pk=email.pk).update(status=S.QUEUED)  # as if the send were repeated
    deliver(email)
    recorded = {m.channel: m for m in SimulatedMessage.objects.all()}
    assert SimulatedMessage.objects.count() == 2
    assert recorded["EMAIL"].subject == email.subject and "<p>" in recorded["EMAIL"].body_html
    assert recorded["WHATSAPP"].recipient == "+79161234567" and booking.reference in recorded["WHATSAPP"].body_text


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_claiming_a_message_does_not_wait_for_or_skip_because_of_its_hotel(hotel, settings):
    """Workers claim with SKIP LOCKED: a lock on the hotel row (another claim, a hotel edit) must not
    make them skip the hotel's other messages."""
    import threading

    from django.db import connection, transaction

    from innkeeper.hotels.models import Hotel

    settings.INNKEEPER_WHATSAPP = {**settings.INNKEEPER_WHATSAPP, "provider": "simulator"}
    wa = rows(confirmed_booking(hotel))["WHATSAPP"]
    locked, done = threading.Event(), threading.Event()

    def hold_hotel():
        try:
            with transaction.atomic():
                list(Hotel.objects.select_for_update().filter(pk=hotel.pk))
                locked.set()
                done.wait(10)
        finally:
            connection.close()

    t = threading.Thread(target=hold_hotel)
    t.start()
    try:
        assert locked.wait(10)
        assert deliver(wa).status == S.SENT
    finally:
        done.set()
        t.join()


def test_a_django_anymail_backend_sends_and_its_message_id_is_kept(hotel, settings):
    from django.core import mail

    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    email = deliver(rows(confirmed_booking(hotel))["EMAIL"])
    assert email.status == S.SENT
    (sent,) = mail.outbox
    assert str(sent.anymail_status.message_id) == email.provider_message_id
    assert sent.alternatives[0][1] == "text/html" and sent.to == ["anna@example.com"]


def test_the_sweeper_runs_on_the_beat_schedule():
    from innkeeper import celery_app

    celery_app.loader.import_default_modules()  # what a worker does at start: find every app's tasks
    entry = celery_app.conf.beat_schedule["messages-sweep"]
    assert entry["task"] in celery_app.tasks and entry["schedule"] == 30.0
    assert "core.outbox_process" in celery_app.tasks  # what the doorbell queues
    assert "innkeeper.messaging.tasks.message_send" in celery_app.tasks  # for tasks queued before it


def test_one_hotel_never_sees_or_shapes_another_hotels_messages(hotel, other_hotel):
    with scope(hotel=hotel):
        services.template_save(hotel=hotel, type="BOOKING_CONFIRMATION", channel="EMAIL", locale="en",
                               subject="Moscow only {{ reference }}", body="Moscow wording")
    mine = rows(confirmed_booking(hotel))["EMAIL"]
    their_rows = rows(confirmed_booking(other_hotel, email="o@example.com"))
    theirs, theirs_wa = their_rows["EMAIL"], their_rows["WHATSAPP"]
    assert mine.subject.startswith("Moscow only") and theirs.subject.startswith("Your booking")
    with scope(hotel=other_hotel):
        assert {m.pk for m in Message.objects.all()} == {theirs.pk, theirs_wa.pk}
    with pytest.raises(ScopeError):
        list(Message.objects.all())  # outside a hotel's scope nobody reads the outbox by accident
    assert (mine.hotel_id, theirs.hotel_id) == (hotel.pk, other_hotel.pk)


def test_a_booking_through_the_api_queues_its_confirmations(client, hotel):
    room_type = factories.make_room_type(hotel, slug="std", rooms=1)
    day = (timezone.now() + timedelta(days=30)).date()
    answer = client.post(f"/api/v1/hotels/{hotel.slug}/bookings", {
        "room_type": room_type.slug, "check_in": day.isoformat(), "check_out": (day + timedelta(days=1)).isoformat(),
        "guests": 1, "locale": "ru", "guest": {"name": "Anna", "email": "anna@example.com", "phone": "+49 1512 3456789"},
    }, content_type="application/json")
    assert answer.status_code == 201
    with scopes_disabled():
        booking = Booking.objects.get(reference=answer.json()["reference"])
    messages = rows(booking)
    assert messages["WHATSAPP"].recipient == "+4915123456789" and messages["EMAIL"].locale == "ru"


@pytest.mark.django_db
def test_early_receipts_are_indexed_by_age_since_the_sweeper_deletes_by_it_every_30_seconds():
    from django.db import connection

    from innkeeper.messaging.models import EarlyReceipt

    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, EarlyReceipt._meta.db_table)
    assert any(c["index"] and c["columns"][:1] == ["created_at"] for c in constraints.values())


def test_a_stored_template_that_cannot_be_filled_in_sends_the_shipped_wording_and_says_why(hotel, other_hotel):
    from innkeeper.messaging.models import MessageAttempt, MessageTemplate

    # Saved before saving checked that a template can be filled in; the booking must still be made.
    MessageTemplate.objects.create(hotel=hotel, type="BOOKING_CONFIRMATION", channel="EMAIL", locale="en",
                                   subject="Booked {{ reference }}", body='Arriving {{ check_in|date:"r" }}')
    MessageTemplate.objects.create(hotel=other_hotel, type="BOOKING_CONFIRMATION", channel="EMAIL", locale="en",
                                   subject="Theirs {{ reference }}", body="Their {{ guest_name }}")
    booking = confirmed_booking(hotel)
    email = rows(booking)["EMAIL"]
    assert email.subject == f"Your booking {booking.reference} at {hotel.name} is confirmed"  # the shipped one
    assert email.status == S.QUEUED and email.body_text.startswith("Dear Anna Petrova,\n\nThank you for booking")
    with scopes_disabled():
        note = MessageAttempt.objects.get(message=email)
    assert (note.number, note.outcome) == (0, "fallback")
    assert note.detail.startswith("the hotel's template could not be filled in (A filter or loop")
    theirs = rows(confirmed_booking(other_hotel, email="o@example.com"))["EMAIL"]
    assert theirs.body_text.startswith("Their Anna Petrova")  # the other hotel's template is untouched


@pytest.mark.parametrize("locale, promise", [("en", "get your door code"), ("ru", "получите код двери")])
def test_the_confirmation_promises_a_door_code_only_for_a_room_with_a_smart_lock(hotel, other_hotel, locale,
                                                                                 promise):
    """A room without a lock (a hotel without smart locks) has its key collected: no door code is promised."""
    keyless = rows(confirmed_booking(hotel, locale=locale))["EMAIL"]
    room_type = factories.make_room_type(other_hotel)
    factories.make_room(room_type, number="101", lock_id="SIM-101")
    day = (timezone.now() + timedelta(days=30)).date()
    with scope(hotel=other_hotel):
        stay = stays.from_request(other_hotel, check_in=day, check_out=day + timedelta(days=2), now=timezone.now())
        locked = journey.booking_create(hotel=other_hotel, room_type=room_type.slug, stay=stay, guests=1,
                                        locale=locale, guest=booking_services.GuestDetails("Ivan", "ivan@example.com"))
    with_lock = rows(locked)["EMAIL"]
    assert "/check-in/" in keyless.body_text and promise not in keyless.body_text
    assert "/check-in/" in with_lock.body_text and promise in with_lock.body_text
