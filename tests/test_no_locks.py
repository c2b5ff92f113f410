"""Installs and hotels without smart locks. The install has no lock account (LOCK_PROVIDER=none): the Moscow
hotel has none of its own, so its guests check in online and are told to collect the key at reception, with
no key rows, no lock calls and no door link. The other hotel brings its own TTLock account (the fake lock
cloud, over HTTP), so its guests still get a PIN in the same run; its room without a lock behaves like a
room of a hotel without locks."""

from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import translation
from django_scopes import scope, scopes_disabled

from innkeeper.booking.models import Booking
from innkeeper.booking.states import Status
from innkeeper.checkin import services as checkin
from innkeeper.checkin.models import GuestIdentity
from innkeeper.core.errors import Conflict
from innkeeper.core.models import ActivityLog
from innkeeper.hotels import links
from innkeeper.journey import services as journey
from innkeeper.locks import services as lock_services
from innkeeper.locks.models import KeyStatus, LockKey
from innkeeper.locks.providers import NoLocks, has_locks, provider_for
from innkeeper.locks.providers.ttlock import forget_tokens
from innkeeper.messaging.models import Message
from tests import factories
from tests.factories import PASSWORD as PANEL_PASSWORD
from tests.fakes.ttlock import CLIENT_ID, CLIENT_SECRET, PASSWORD, USERNAME, FakeTTLockServer
from tests.messaging_helpers import rendered
from tests.outbox_helpers import work_outbox

IDENTITY = {"legal_name": "Anna Petrova", "date_of_birth": "1990-05-17", "document_number": "75 1234567",
            "nationality": "RU", "address": "Tverskaya 7, Moscow", "phone_0": "RU", "phone_1": "916 123-45-67"}
RECEPTION = "Collect your key at reception."


@pytest.fixture
def cloud(settings):
    """No install-wide lock account; the fake TTLock cloud holds the other hotel's own account and lock L201."""
    settings.LOCK_PROVIDER, settings.TTLOCK = "none", None
    settings.OUTBOUND_ALLOW_PRIVATE_HOSTS = True  # the other hotel's own account points at the local fake
    forget_tokens()
    with FakeTTLockServer() as (fake, base_url):
        fake.add_lock("L201")
        fake.base_url = base_url
        yield fake
    forget_tokens()
    assert fake.problems == []  # every request the app made was well-formed


@pytest.fixture
def stays(cloud, hotel, other_hotel, book, future):
    """A stay in each hotel: Moscow's room 101 (no lock account), the other hotel's room 201 (lock L201)."""
    plain = factories.make_room_type(hotel, slug="double", base_price_nightly="100.00", turnover_minutes=60)
    factories.make_room(plain, number="101")
    factories.make_add_on(hotel, "airport-transfer", "30")
    factories.make_lock_account(other_hotel, provider="ttlock", client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                                username=USERNAME, password=PASSWORD, base_url=cloud.base_url)
    locked = factories.make_room_type(other_hotel, slug="double", base_price_nightly="100.00", turnover_minutes=60)
    factories.make_room(locked, number="201", lock_id="L201")
    return (book(hotel, plain, future, future + timedelta(days=2), email="anna@example.com"),
            book(other_hotel, locked, future, future + timedelta(days=2), email="boris@example.com"))


def _page(token, step=None):
    return "/en/check-in/?token=" + token + (f"&step={step}" if step else "")


def _messages(booking):
    with scopes_disabled():
        return {m.channel: rendered(m) for m in Message.objects.filter(booking=booking, type="ACCESS_INSTRUCTIONS")}


def test_a_hotel_without_locks_checks_in_through_the_pages_and_the_other_hotel_still_gets_its_pin(
        client, stays, hotel, other_hotel, cloud, django_capture_on_commit_callbacks):
    plain, locked = stays
    assert (has_locks(hotel), has_locks(other_hotel)) == (False, True)
    assert isinstance(provider_for(hotel), NoLocks)
    host = {"HTTP_HOST": "moscow.localhost"}
    token = links.checkin_token(plain)

    overview = client.get(_page(token), **host)
    assert "we will tell you where to get your key" in overview.text and "door code" not in overview.text
    details = client.get(_page(token, "guest"), **host)
    assert "Mobile phone (optional)" in details.text and "door code" not in details.text
    theirs = client.get(_page(links.checkin_token(locked), "guest"), HTTP_HOST="other.localhost")
    assert "Mobile phone for your door code (optional)" in theirs.text  # a room with a lock: the code comes
    assert client.post(_page(token, "guest"), IDENTITY, **host)["Location"].endswith("step=extras")
    assert client.post(_page(token, "extras"), {"add_ons": ["airport-transfer"]}, **host)["Location"].endswith(
        "step=confirm")
    with django_capture_on_commit_callbacks(execute=True):
        finished = client.post(_page(token, "confirm"), {"complete": ""}, **host)
    assert finished.status_code == 302

    # Checked in: identity and extras kept, and not one key row (a key row is the key's outbox row).
    with scopes_disabled():
        done_booking = Booking.objects.get(pk=plain.pk)
        assert done_booking.status == Status.CHECKIN_COMPLETED
        assert list(done_booking.add_ons.values_list("add_on__code", flat=True)) == ["airport-transfer"]
        assert GuestIdentity.objects.get(booking=plain).document_number == "751234567"
        assert not LockKey.objects.filter(hotel=hotel).exists()
        history = ActivityLog.objects.get(hotel=hotel, verb="booking.key_at_reception")
        assert history.data["room"] == "101"

    # The page says where the key is, at once: nothing to wait for, no refresh, no door link.
    done = client.get(finished["Location"], **host)
    assert "Online check-in complete" in done.text and RECEPTION in done.text
    assert 'http-equiv="refresh"' not in done.text and "/webkey/" not in done.text
    assert "being prepared" not in done.text and "creating your door code" not in done.text
    assert '<dd class="room-number">101</dd>' in done.text

    # The access message went with the check-in, by e-mail and WhatsApp: the room, reception, no PIN or link.
    sent = _messages(plain)
    assert set(sent) == {"EMAIL", "WHATSAPP"}
    email, whatsapp = sent["EMAIL"], sent["WHATSAPP"]
    assert (email.recipient, whatsapp.recipient) == ("anna@example.com", "+79161234567")
    assert "Your room is 101.\nCollect your key at reception.\n\nYour stay: " in email.body_text
    assert whatsapp.body_text == "Moscow Inn: room 101. Collect your key at reception."
    for message in (email, whatsapp):
        assert "webkey" not in message.body_text and "PIN" not in message.body_text

    # The other hotel, in the same run, with its own lock account: its guest gets a PIN on L201.
    with scope(hotel=other_hotel):
        journey.checkin_complete(booking=locked, identity=_identity())
    assert work_outbox("lock_key") == 1  # the other hotel's key, the only key there is
    with scopes_disabled():
        key = LockKey.objects.get()
        assert (key.hotel_id, key.status, key.lock_id) == (other_hotel.pk, KeyStatus.ACTIVE, "L201")
        assert not LockKey.objects.filter(hotel=hotel).exists()
    [code] = cloud.live_passcodes()
    assert (code.lock_id, code.pin) == ("L201", key.pin)
    theirs = _messages(locked)["EMAIL"]
    assert f"The door PIN is {key.pin}." in theirs.body_text and "/webkey/?token=" in theirs.body_text
    assert RECEPTION not in theirs.body_text


def _identity():
    fields = {k: v for k, v in IDENTITY.items() if not k.startswith("phone")}
    return checkin.clean_identity(**fields, today=date(2026, 11, 1))


def test_a_room_without_a_lock_in_a_hotel_with_locks_gets_the_hotels_own_words_in_russian(
        client, stays, hotel, other_hotel, cloud, book, future):
    with scopes_disabled():
        other_hotel.key_collection_text_en = "Your key is with the night porter; ring at the courtyard door."
        other_hotel.key_collection_text_ru = "Ключ у ночного портье, звоните у двери со двора."
        other_hotel.save()
        room_type = other_hotel.room_types.get()
    factories.make_room(room_type, number="202")  # no lock, beside room 201 that has one
    with scope(hotel=other_hotel):
        _plain, locked = stays
        journey.checkin_complete(booking=locked, identity=_identity())  # takes 201, the room with the lock
        booking = book(other_hotel, room_type, future, future + timedelta(days=2), email="vera@example.com")
        assert booking.room.number == "202"
        Booking.objects.filter(pk=booking.pk).update(locale="ru")
        booking.refresh_from_db()
        journey.checkin_complete(booking=booking, identity=_identity())
    with scopes_disabled():
        assert not LockKey.objects.filter(booking=booking).exists()
        assert LockKey.objects.filter(booking=locked).count() == 1
    email = _messages(booking)["EMAIL"]
    assert email.locale == "ru"
    assert "Ваш номер — 202.\nКлюч у ночного портье, звоните у двери со двора.\n\nВаше проживание: " in email.body_text
    assert "Код" not in email.body_text and "webkey" not in email.body_text

    page = client.get("/ru/check-in/?token=" + links.checkin_token(booking), HTTP_HOST="other.localhost")
    assert "Ключ у ночного портье, звоните у двери со двора." in page.text
    assert 'http-equiv="refresh"' not in page.text and "/webkey/" not in page.text

    # The panel says "no smart lock" instead of a key that failed, and offers no key to issue.
    member = factories.make_member(other_hotel, "STAFF", "desk@other.example")
    staff = Client()
    assert staff.post("/panel/sign-in/", {"username": member.email, "password": PANEL_PASSWORD}).status_code == 302
    panel = staff.get(f"/panel/bookings/{booking.reference}/").content.decode()
    assert "No smart lock" in panel and "Room 202 has no smart lock" in panel
    assert "Issue key" not in panel and "Could not be created" not in panel
    with scope(hotel=other_hotel), translation.override("en"), pytest.raises(Conflict) as refused:
        lock_services.keys_issue_by_staff(booking=booking, actor="staff")
    assert refused.value.code == "no_smart_lock"
    with scopes_disabled():
        assert not LockKey.objects.filter(booking=booking).exists()
    # Their neighbour in 201 still sees a key to issue.
    assert "Issue key" in staff.get(f"/panel/bookings/{locked.reference}/").content.decode()


def test_a_guest_moved_from_a_room_with_a_lock_to_one_without_loses_the_pin_and_gets_no_new_one(
        stays, other_hotel, cloud):
    _plain, locked = stays
    with scopes_disabled():
        room_type = other_hotel.room_types.get()
    spare = factories.make_room(room_type, number="202")
    with scope(hotel=other_hotel):
        _b, key = journey.checkin_complete(booking=locked, identity=_identity())
        work_outbox("lock_key")
        journey.booking_move(booking=Booking.objects.get(pk=locked.pk), room=spare, actor="staff")
    with scopes_disabled():
        keys = list(LockKey.objects.filter(booking=locked).values_list("generation", "status"))
    assert keys == [(1, KeyStatus.REVOKING)]  # the PIN leaves L201; room 202 gets none
    work_outbox("lock_key")
    assert cloud.live_passcodes() == []


def test_the_settings_page_says_a_hotel_without_a_lock_account_has_no_smart_locks(hotel, other_hotel, cloud):
    factories.make_lock_account(other_hotel, provider="ttlock", client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                                username=USERNAME, password=PASSWORD, base_url=cloud.base_url)
    owner = factories.make_member(hotel, "OWNER", "owner@moscow.example")
    theirs = factories.make_member(other_hotel, "OWNER", "owner@other.example")
    pages = {}
    for member in (owner, theirs):
        panel = Client()
        assert panel.post("/panel/sign-in/", {"username": member.email, "password": PANEL_PASSWORD}).status_code == 302
        pages[member.email] = panel.get("/panel/settings/").content.decode()
    mine = pages["owner@moscow.example"]
    assert "data-no-smart-locks" in mine and "guests collect their key at reception" in mine
    assert 'name="hotel-key_collection_text_en"' in mine and 'name="hotel-key_collection_text_ru"' in mine
    assert "data-no-smart-locks" not in pages["owner@other.example"]  # it has its own TTLock account
