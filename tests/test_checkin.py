"""Online check-in: the magic link, the steps over HTTP, completion, the API, reminders."""

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.db import connection
from django_scopes import scope, scopes_disabled

from innkeeper.booking.states import Status
from innkeeper.checkin import services
from innkeeper.checkin.models import CheckIn, GuestIdentity
from innkeeper.core import activity
from innkeeper.core.errors import Busy, InvalidInput, NotFound
from innkeeper.hotels import links
from innkeeper.hotels.models import RoomType
from innkeeper.journey import services as journey
from innkeeper.locks import services as lock_services
from innkeeper.locks.models import KeyStatus, LockKey
from innkeeper.simulators.models import SimulatedPasscode
from tests import factories
from tests.conftest import locked_elsewhere
from tests.messaging_helpers import rendered
from tests.outbox_helpers import work_outbox

IDENTITY = {"legal_name": "Anna Petrova", "date_of_birth": "1990-05-17", "document_number": "75 1234567",
            "nationality": "RU", "address": "Tverskaya 7, Moscow"}


@pytest.fixture
def room_type(hotel):
    rt = factories.make_room_type(hotel, slug="double", base_price_nightly="100.00", turnover_minutes=60)
    factories.make_room(rt, number="101", lock_id="SIM-101")
    factories.make_add_on(hotel, "late-check-out", "15")
    factories.make_add_on(hotel, "airport-transfer", "30")
    factories.make_add_on(hotel, "coworking", "10", charge="PER_NIGHT")
    factories.make_add_on(hotel, "old", "5", is_active=False)
    return rt


@pytest.fixture
def booking(hotel, room_type, book, future):
    return book(hotel, room_type, future, future + timedelta(days=2))


def identity(**changes):
    return services.clean_identity(**{**IDENTITY, **changes}, today=date(2026, 11, 1))


def test_the_link_opens_its_booking_until_check_out(booking, hotel, other_hotel, now):
    link = links.checkin_link(booking)
    assert link.startswith("http://moscow.localhost:8000/en/check-in/?token=")
    token = links.checkin_token(booking)
    assert parse_qs(urlsplit(link).query)["token"] == [token]  # the same link each time it is made
    assert services.booking_for_token(token, now=now) == booking
    assert services.booking_for_token(token, now=booking.end - timedelta(seconds=1), hotel=hotel) == booking
    with pytest.raises(services.LinkExpired):
        services.booking_for_token(token, now=booking.end)
    with pytest.raises(NotFound):
        services.booking_for_token(token, now=now, hotel=other_hotel)
    with pytest.raises(NotFound):
        services.booking_for_token(token[:-2] + "xx", now=now)


@pytest.mark.parametrize("changes, field", [
    ({"legal_name": "  "}, "legal_name"),
    ({"date_of_birth": "not a date"}, "date_of_birth"),
    ({"date_of_birth": "2030-01-01"}, "date_of_birth"),
    ({"date_of_birth": "1850-01-01"}, "date_of_birth"),
    ({"document_number": ""}, "document_number"),
    ({"document_number": "12"}, "document_number"),
    ({"document_number": "AB#123456"}, "document_number"),
    ({"nationality": ""}, "nationality"),
])
def test_each_identity_problem_names_its_field(changes, field):
    with pytest.raises(InvalidInput) as err:
        identity(**changes)
    assert err.value.field == field


def test_completion_adds_extras_stores_identity_encrypted_and_queues_the_key(booking, hotel):
    with scope(hotel=hotel):
        done, key = journey.checkin_complete(booking=booking, identity=identity(),
                                              add_ons=["late-check-out", "coworking"])
        assert done.status == Status.CHECKIN_COMPLETED
        assert done.total == booking.total + 15 + 2 * 10
        assert sorted(done.add_ons.values_list("add_on__code", flat=True)) == ["coworking", "late-check-out"]
        assert [line["code"] for line in done.quote["lines"] if line["kind"] == "add_on"] == [
            "late-check-out", "coworking"]
        assert (key.status, key.room_id, key.generation) == (KeyStatus.PENDING, done.room_id, 1)
        assert key.valid_until == done.end + timedelta(minutes=240 + 30)  # late check-out widens the key
        stored = GuestIdentity.objects.get(booking=done)
        assert (stored.document_number, stored.document_masked) == ("751234567", "••••••567")
    with connection.cursor() as cursor:
        cursor.execute("SELECT document_number FROM checkin_guestidentity")
        assert "751234567" not in cursor.fetchone()[0]


def test_a_second_completion_or_a_cancelled_booking_is_refused_without_changes(booking, hotel):
    with scope(hotel=hotel):
        journey.checkin_complete(booking=booking, identity=identity())
        with pytest.raises(services.CheckInClosed) as err:
            journey.checkin_complete(booking=booking, identity=identity(), add_ons=["airport-transfer"])
        assert err.value.code == "already_completed"
        assert LockKey.objects.filter(booking=booking).count() == 1
        assert not booking.add_ons.exists()


def test_unknown_extras_change_nothing(booking, hotel):
    with scope(hotel=hotel):
        with pytest.raises(InvalidInput) as err:
            journey.checkin_complete(booking=booking, identity=identity(), add_ons=["old"])
        assert err.value.field == "add_ons"
        booking.refresh_from_db()
        assert booking.status == Status.CONFIRMED and not LockKey.objects.exists()


def _page(client, token, step=None):
    return "/en/check-in/?token=" + token + (f"&step={step}" if step else "")


def test_the_steps_over_http_keep_what_was_entered_and_end_with_the_door_link(
        client, booking, hotel, other_hotel, django_capture_on_commit_callbacks):
    host = {"HTTP_HOST": "moscow.localhost"}
    token = links.checkin_token(booking)
    page = client.get(_page(client, token), **host)
    assert page.status_code == 200 and "Start check-in" in page.text and booking.reference in page.text

    # Mistakes are named; what was typed stays.
    wrong = client.post(_page(client, token, "guest"), {**IDENTITY, "document_number": "12"}, **host)
    assert wrong.status_code == 200
    assert "A passport or ID number has 5 to 20 letters and digits." in wrong.text
    assert 'value="Anna Petrova"' in wrong.text

    ok = client.post(_page(client, token, "guest"), IDENTITY, **host)
    assert ok.status_code == 302 and ok["Location"].endswith("step=extras")
    extras = client.get(ok["Location"], **host)
    assert "Airport-Transfer" in extras.text and 'value="old"' not in extras.text

    # Back from extras keeps the choice, and the guest details are still there.
    back = client.post(_page(client, token, "extras"), {"add_ons": ["airport-transfer"], "back": ""}, **host)
    assert back["Location"].endswith("step=guest")
    again = client.get(back["Location"], **host)
    assert 'value="Anna Petrova"' in again.text and 'value="1990-05-17"' in again.text
    assert 'value="airport-transfer" checked' in client.get(_page(client, token, "extras"), **host).text

    client.post(_page(client, token, "extras"), {"add_ons": ["airport-transfer"]}, **host)
    confirm = client.get(_page(client, token, "confirm"), **host)
    assert "••••••567" in confirm.text and "751234567" not in confirm.text
    assert "€230" in confirm.text  # two nights at 100 + transfer 30

    with django_capture_on_commit_callbacks(execute=True):
        finished = client.post(_page(client, token, "confirm"), {"complete": ""}, **host)
    assert finished.status_code == 302
    # The answer comes at once: the key is the worker's job, so the page says it is being prepared and
    # refreshes itself until it is there.
    preparing = client.get(finished["Location"], **host)
    with scopes_disabled():
        assert LockKey.objects.get(booking=booking).status == KeyStatus.PENDING
        assert not SimulatedPasscode.objects.filter(lock_id="SIM-101").exists()
    assert "Your door code is being prepared." in preparing.text
    assert '<meta http-equiv="refresh" content="5">' in preparing.text and "/webkey/" not in preparing.text
    assert work_outbox("lock_key") == 1  # the worker's turn
    done = client.get(finished["Location"], **host)
    assert 'http-equiv="refresh"' not in done.text
    with scopes_disabled():
        key = LockKey.objects.get(booking=booking)
        assert key.status == KeyStatus.ACTIVE  # the simulator made it on the worker's turn
        assert SimulatedPasscode.objects.get(lock_id="SIM-101").pin == key.pin
        assert CheckIn.objects.get(booking=booking).draft == ""  # the passport number left the draft
    # The check-in link works for the whole stay and is easily passed on: it never shows the door code,
    # only the link to the key's own page, which does.
    assert "Online check-in complete" in done.text and key.pin not in done.text
    assert 'class="pin"' not in done.text
    link = re.search(r'href="(http://moscow\.localhost:8000/en/webkey/\?token=[^"]+)"', done.text).group(1)
    assert link == lock_services.access_details(key)["web_key_link"]
    with time_machine.travel(key.valid_from + timedelta(minutes=1), tick=False):
        door = client.get(link.split(":8000", 1)[1], **host)
        elsewhere = client.get(link.split(":8000", 1)[1], HTTP_HOST="other.localhost")
    assert door.status_code == 200 and f'<dd class="pin">{key.pin}</dd>' in door.text
    assert elsewhere.status_code == 404 and key.pin not in elsewhere.text
    # The used link says what happened, still without the door code.
    again = client.get(_page(client, token, "guest"), **host)
    assert "Online check-in complete" in again.text and key.pin not in again.text


def test_pages_explain_invalid_expired_and_cancelled_links(client, booking, hotel, book, room_type, future):
    host = {"HTTP_HOST": "moscow.localhost"}
    bad = client.get("/en/check-in/?token=nope", **host)
    assert bad.status_code == 404 and "not valid" in bad.text
    assert client.get(_page(client, links.checkin_token(booking)), HTTP_HOST="other.localhost").status_code == 404
    with scope(hotel=hotel):
        from innkeeper.booking.services import booking_cancel
        booking_cancel(booking=booking, actor="guest")
    closed = client.get(_page(client, links.checkin_token(booking)), **host)
    assert closed.status_code == 410 and "This booking was cancelled" in closed.text  # over for good
    assert "Please contact the hotel" in closed.text
    ru = client.get("/ru/check-in/?token=nope", **host)
    assert "Ссылка для регистрации недействительна" in ru.text


def test_the_api_completes_check_in_with_the_same_checks(client, booking, hotel):
    token = links.checkin_token(booking)
    body = {"token": token, "guest": IDENTITY, "add_ons": ["airport-transfer"]}
    bad = client.post("/api/v1/check-in/complete", {**body, "guest": {**IDENTITY, "document_number": "1"}},
                      content_type="application/json")
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "document_number"]
    ok = client.post("/api/v1/check-in/complete", body, content_type="application/json")
    assert ok.status_code == 200, ok.content
    data = ok.json()
    assert (data["status"], data["document_number"], data["add_ons"], data["key_status"]) == (
        "CHECKIN_COMPLETED", "••••••567", ["airport-transfer"], "PENDING")
    again = client.post("/api/v1/check-in/complete", body, content_type="application/json")
    assert (again.status_code, again.json()["code"]) == (409, "already_completed")
    missing = client.post("/api/v1/check-in/complete", {**body, "token": "x"}, content_type="application/json")
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
    broken = client.post("/api/v1/check-in/complete", {"token": token}, content_type="application/json")
    assert broken.status_code == 422


def test_reminders_are_due_once_at_waking_hours_in_the_hotel_time_zone(hotel, room_type, book, settings, now):
    settings.CHECKIN_REMINDER_HOURS = 48
    arrival = (now + timedelta(days=5)).date()
    booking = book(hotel, room_type, arrival, arrival + timedelta(days=1))
    tz = hotel.tz
    day_before = datetime.combine(arrival - timedelta(days=1), datetime.min.time(), tzinfo=tz)
    too_early = booking.start - timedelta(hours=49)
    assert services.reminders_due(now=too_early) == []
    assert journey.checkin_reminders_run(now=day_before.replace(hour=3)) == []  # 03:00 in Moscow: wait
    at_ten = day_before.replace(hour=10)
    assert services.reminders_due(now=at_ten) == [booking]
    assert journey.checkin_reminders_run(now=at_ten) == [booking]
    assert journey.checkin_reminders_run(now=at_ten + timedelta(hours=1)) == []  # once
    with scopes_disabled():
        assert CheckIn.objects.get(booking=booking).reminder_sent_at == at_ten
        from innkeeper.messaging.models import Message
        reminders = list(Message.objects.filter(booking=booking, type="CHECKIN_REMINDER"))
    assert sorted(m.channel for m in reminders) == ["EMAIL", "WHATSAPP"]  # one per channel, however often it runs
    email = rendered(next(m for m in reminders if m.channel == "EMAIL"))
    assert f"/{booking.locale}/check-in/?token=" in email.body_text and email.locale == booking.locale


def test_a_late_check_out_is_refused_at_check_in_when_the_next_guest_arrives_right_after(
        hotel, room_type, booking, book, future):
    from innkeeper.booking.errors import AddOnUnavailable

    nxt = book(hotel, room_type, future + timedelta(days=2), future + timedelta(days=3), email="next@example.com")
    assert nxt.room_id == booking.room_id  # the only room, from the same day's check-in
    with scope(hotel=hotel):
        with pytest.raises(AddOnUnavailable) as err:
            journey.checkin_complete(booking=booking, identity=identity(), add_ons=["late-check-out", "coworking"])
        assert err.value.code == "add_on_unavailable"
        assert "another guest has the room at that time" in err.value.message
        booking.refresh_from_db()  # nothing half-written
        assert (booking.status, booking.blocks_until, booking.total) == (
            Status.CONFIRMED, booking.end + timedelta(minutes=60), Decimal("200.00"))
        assert not booking.add_ons.exists() and not LockKey.objects.exists()
        # Without the late check-out the check-in goes through.
        done, key = journey.checkin_complete(booking=booking, identity=identity(), add_ons=["coworking"])
    assert done.status == Status.CHECKIN_COMPLETED and key.valid_until <= nxt.start


def test_a_late_check_out_at_check_in_moves_the_stay_to_a_room_free_for_it(hotel, room_type, booking, book, future):
    other = factories.make_room(room_type, number="102", lock_id="SIM-102")
    nxt = book(hotel, room_type, future + timedelta(days=2), future + timedelta(days=3), email="next@example.com")
    assert nxt.room_id == booking.room_id
    with scope(hotel=hotel):
        done, key = journey.checkin_complete(booking=booking, identity=identity(), add_ons=["late-check-out"])
        assert (done.room_id, key.room_id, key.lock_id) == (other.pk, other.pk, "SIM-102")
        assert done.blocks_until == done.end + timedelta(minutes=240 + 60)  # late check-out, then the turnover
        assert activity.history(done).get(verb="booking.moved").data["after"] == "102"
        # The next guest's room was never touched.
        nxt.refresh_from_db()
        assert nxt.room_id != other.pk


def test_an_expired_link_says_the_stay_has_ended_and_what_to_do(client, booking, hotel):
    import time_machine

    host = {"HTTP_HOST": "moscow.localhost"}
    token = links.checkin_token(booking)
    with time_machine.travel(booking.end - timedelta(minutes=1), tick=False):
        assert client.get(_page(client, token), **host).status_code == 200  # until check-out
    with time_machine.travel(booking.end, tick=False):
        ru = client.get("/ru/check-in/?token=" + token, **host)
        page = client.get(_page(client, token, "guest"), **host)
        posted = client.post(_page(client, token, "confirm"), {"complete": ""}, **host)
    assert page.status_code == 410
    assert "This check-in link has expired because the stay has ended." in page.text
    assert "If you need anything, please contact the hotel." in page.text and "Full name" not in page.text
    assert posted.status_code == 410  # nothing can be completed through it any more
    assert ru.status_code == 410 and "Срок действия ссылки для регистрации истёк" in ru.text
    with scopes_disabled():
        booking.refresh_from_db()
        assert booking.status == Status.CONFIRMED and not LockKey.objects.exists()


def test_the_reminder_task_on_the_beat_schedule_sends_due_reminders(hotel, room_type, book, now):
    import time_machine

    from innkeeper import celery_app

    celery_app.loader.import_default_modules()  # what a worker does at start: find every app's tasks
    entry = celery_app.conf.beat_schedule["journey-checkin-reminders"]
    assert (entry["task"], entry["schedule"]) == ("journey.checkin_reminders", 15 * 60.0)
    arrival = (now + timedelta(days=5)).date()
    booking = book(hotel, room_type, arrival, arrival + timedelta(days=1))
    ten_the_day_before = datetime.combine(arrival - timedelta(days=1), datetime.min.time(), tzinfo=hotel.tz).replace(
        hour=10)
    with time_machine.travel(ten_the_day_before, tick=False):
        celery_app.tasks[entry["task"]]()  # what the worker runs when beat fires
    with scopes_disabled():
        assert CheckIn.objects.get(booking=booking).reminder_sent_at == ten_the_day_before


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_only_extras_that_stretch_the_stay_wait_for_the_room_type(hotel, room_type, book, future, settings):
    """Late check-out serializes with the room type's other writers, taking its lock before the booking's
    (their order: no deadlock); an extra that changes only the bill waits for nobody."""
    factories.make_room(room_type, number="102", lock_id="SIM-102")
    first = book(hotel, room_type, future, future + timedelta(days=2), email="a@example.com")
    second = book(hotel, room_type, future, future + timedelta(days=2), email="b@example.com")
    settings.INNKEEPER_BOOKING_LOCK_TIMEOUT_MS = 100
    with locked_elsewhere(lambda: RoomType.objects.select_for_update(no_key=True).filter(pk=room_type.pk)), \
            scope(hotel=hotel):  # as the room type's writers lock it
        done, _key = journey.checkin_complete(booking=first, identity=identity(), add_ons=["coworking"])
        with pytest.raises(Busy):
            journey.checkin_complete(booking=second, identity=identity(), add_ons=["late-check-out"])
    assert done.status == Status.CHECKIN_COMPLETED
    with scopes_disabled():
        second.refresh_from_db()
        assert second.status == Status.CONFIRMED and not second.add_ons.exists()  # nothing half-written
        assert not GuestIdentity.objects.filter(booking=second).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_check_in_that_waits_too_long_says_try_again_and_keeps_the_draft(client, hotel, booking, room_type,
                                                                           settings):
    host = {"HTTP_HOST": "moscow.localhost"}
    token = links.checkin_token(booking)
    client.post(_page(client, token, "guest"), IDENTITY, **host)
    client.post(_page(client, token, "extras"), {"add_ons": ["late-check-out"]}, **host)
    settings.INNKEEPER_BOOKING_LOCK_TIMEOUT_MS = 100
    with locked_elsewhere(lambda: RoomType.objects.select_for_update(no_key=True).filter(pk=room_type.pk)):
        busy = client.post(_page(client, token, "confirm"), {"complete": ""}, **host)
    assert busy.status_code == 200 and "Please try again in a moment." in busy.text
    with scopes_disabled():
        booking.refresh_from_db()
        assert booking.status == Status.CONFIRMED
    again = client.post(_page(client, token, "confirm"), {"complete": ""}, **host)  # what was typed is kept
    assert again.status_code == 302
    with scopes_disabled():
        booking.refresh_from_db()
        assert booking.status == Status.CHECKIN_COMPLETED
        assert list(booking.add_ons.values_list("add_on__code", flat=True)) == ["late-check-out"]
