"""The PMS sync engine against an in-memory PMS (tests.pms_fake_adapter): reservations become stays here with
their journey, are updated in place, moved, cancelled, kept aside with a problem, never dropped or doubled."""

from datetime import timedelta

import pytest
from django_scopes import scope, scopes_disabled

from innkeeper.booking.models import Booking, Source
from innkeeper.booking.states import Status
from innkeeper.core.models import IntegrationAccount
from innkeeper.journey import pms as journey_pms
from innkeeper.locks.models import LIVE, LockKey
from innkeeper.messaging.models import Message
from innkeeper.pms import mapping
from innkeeper.pms.models import ExternalReservation, Problem, RoomMapping, SyncState
from tests import factories
from tests import pms_fake_adapter as fake

pytestmark = pytest.mark.django_db


def connect(hotel, name, key="secret-key"):
    with scopes_disabled():
        return IntegrationAccount.objects.create(hotel=hotel, kind="pms", provider="fakepms",
                                                 config={"url": f"fake://{name}", "key": key})


@pytest.fixture
def pms():
    yield fake.store("moscow")
    fake.STORES.clear()


@pytest.fixture
def account(hotel):
    return connect(hotel, "moscow")


@pytest.fixture
def rooms(hotel):
    standard = factories.make_room_type(hotel, slug="standard", name="Standard")
    return {n: factories.make_room(standard, number=n, lock_id=f"SIM-{n}") for n in ("101", "102")}


@pytest.fixture
def theirs(other_hotel):
    """The other hotel has the same room numbers, its own PMS and a stay of the same id: none of it mixes."""
    other = fake.store("other")
    rt = factories.make_room_type(other_hotel, slug="standard", name="Standard")
    factories.make_room(rt, number="101")
    return connect(other_hotel, "other"), other


def sync(account, now=None):
    return journey_pms.pms_sync(account=account, now=now)


def bookings(hotel):
    with scopes_disabled():
        return list(Booking.objects.filter(hotel=hotel).select_related("room").order_by("pk"))


def messages(booking, type_="BOOKING_CONFIRMATION"):
    with scopes_disabled():
        return sorted(Message.objects.filter(booking_id=booking.pk, type=type_).values_list("channel", flat=True))


def row(account, external_id):
    with scopes_disabled():
        return ExternalReservation.objects.select_related("booking").get(account=account, external_id=external_id)


def test_a_reservation_is_imported_once_with_its_journey_and_updated_in_place(
        hotel, other_hotel, pms, account, rooms, theirs, future):
    their_account, their_pms = theirs
    pms.book("R1", future, future + timedelta(days=2), room="102", total=None)
    their_pms.book("R1", future, future + timedelta(days=1), room="101")
    state = sync(account)
    sync(their_account)
    [b] = bookings(hotel)
    assert (b.source, b.status, b.room.number, b.check_in, b.check_out) == (
        Source.PMS, Status.CONFIRMED, "102", future, future + timedelta(days=2))
    assert b.guest_name == "Anna Petrova" and b.guest_email == "anna@example.com"
    assert messages(b) == ["EMAIL", "WHATSAPP"]
    assert state.last_counts == {"created": 1, "read": 1}
    assert row(account, "R1").booking_id == b.pk
    [theirs_b] = bookings(other_hotel)
    assert theirs_b.room.hotel_id == other_hotel.pk and row(their_account, "R1").booking_id == theirs_b.pk

    again = sync(account)  # nothing changed there: nothing changes here
    assert bookings(hotel) == [b] and again.last_counts == {"unchanged": 1, "read": 1}
    pms.change("R1", guest=fake.PmsGuest("g", "Anna Sidorova", "anna@example.com"))
    sync(account)
    [b2] = bookings(hotel)
    assert b2.pk == b.pk and b2.guest_name == "Anna Sidorova"
    assert messages(b2) == ["EMAIL", "WHATSAPP"]  # one confirmation, however often it is read
    with scopes_disabled():
        assert ExternalReservation.objects.filter(account=account).count() == 1


def test_moved_dates_and_room_move_the_stay_its_messages_and_its_key(hotel, pms, account, rooms, future, now):
    pms.book("R1", future, future + timedelta(days=2), room="101", status="checked_in")
    sync(account)
    [b] = bookings(hotel)
    assert b.status == Status.CHECKED_IN
    with scopes_disabled():
        key = LockKey.objects.get(booking=b, status__in=LIVE)
    assert key.room_id == rooms["101"].pk
    pms.change("R1", check_out=future + timedelta(days=3), room="102")
    state = sync(account)
    [moved] = bookings(hotel)
    assert (moved.pk, moved.room.number, moved.check_out) == (b.pk, "102", future + timedelta(days=3))
    assert moved.end.astimezone(hotel.tz).date() == future + timedelta(days=3)
    with scopes_disabled():
        live = LockKey.objects.get(booking=b, status__in=LIVE)
    assert live.room_id == rooms["102"].pk and live.generation == key.generation + 1
    assert state.last_counts["updated"] == 1


def test_cancelled_there_cancels_here_and_revokes_the_key(hotel, pms, account, rooms, future):
    pms.book("R1", future, future + timedelta(days=2), status="checked_in")
    sync(account)
    pms.book("R2", future + timedelta(days=5), future + timedelta(days=6), room="102")
    sync(account)
    pms.change("R1", status="checked_out")
    pms.cancel("R2")
    sync(account)
    first, second = bookings(hotel)
    assert (first.status, second.status) == (Status.CHECKED_OUT, Status.CANCELLED)
    with scopes_disabled():
        assert not LockKey.objects.filter(booking=first, status__in=LIVE).exists()
    assert messages(second, "BOOKING_CANCELLED") == ["EMAIL", "WHATSAPP"]


def test_a_failed_or_empty_fetch_cancels_nothing(hotel, pms, account, rooms, future):
    pms.book("R1", future, future + timedelta(days=2))
    sync(account)
    pms.failing = "timeout"
    state = sync(account)
    assert state.last_error == "The PMS did not answer." and bookings(hotel)[0].status == Status.CONFIRMED
    with scopes_disabled():
        assert IntegrationAccount.objects.get(pk=account.pk).last_error == "The PMS did not answer."
    pms.failing = ""
    pms.delete("R1")  # missing from what the PMS lists is not a cancellation
    state = sync(account)
    assert state.last_error == "" and bookings(hotel)[0].status == Status.CONFIRMED


def test_an_overlap_with_a_direct_booking_is_flagged_never_double_booked(hotel, pms, account, rooms, future, now):
    from innkeeper.booking import stays
    from innkeeper.booking.services import GuestDetails
    from innkeeper.journey import services as journey

    with scope(hotel=hotel):
        direct = journey.booking_create(hotel=hotel, room_type="standard", guests=1,
                                        stay=stays.nightly(hotel, future, future + timedelta(days=1), now=now),
                                        guest=GuestDetails("Direct Guest", "d@example.com"), now=now)
    assert direct.room.number == "101"
    pms.book("R1", future, future + timedelta(days=2), room="101")
    pms.book("R2", future + timedelta(days=3), future + timedelta(days=4), room="101")
    state = sync(account)
    assert [b.pk for b in bookings(hotel)][0] == direct.pk and len(bookings(hotel)) == 2
    flagged = row(account, "R1")
    assert (flagged.problem, flagged.problem_detail, flagged.booking_id) == (Problem.OVERLAP, direct.reference, None)
    assert state.last_counts == {"created": 1, "problem": 1, "read": 2}


def test_an_unmatched_room_is_flagged_and_the_mapping_page_fixes_it(hotel, pms, account, rooms, future):
    pms.book("R1", future, future + timedelta(days=1), room="Suite 7")
    sync(account)
    flagged = row(account, "R1")
    assert (flagged.problem, flagged.problem_detail, bookings(hotel)) == (Problem.UNMATCHED_ROOM, "Suite 7", [])
    with scopes_disabled():
        suite = RoomMapping.objects.get(account=account, number="Suite 7")
        matched = RoomMapping.objects.get(account=account, number="101")
    assert suite.room_id is None and matched.room_id == rooms["101"].pk
    with scope(hotel=hotel):
        mapping.mapping_set(hotel=hotel, actor=factories.make_member(hotel, "OWNER"), account=account,
                            rooms={suite.pk: rooms["102"].pk}, room_types={})
    sync(account)  # nothing changed in the PMS: the reservation kept aside is asked for again
    [b] = bookings(hotel)
    assert b.room.number == "102" and row(account, "R1").problem == "" and row(account, "R1").booking_id == b.pk


def test_steps_turned_off_send_nothing(hotel, pms, account, rooms, future):
    with scopes_disabled():
        SyncState.objects.create(hotel=hotel, account=account, send_confirmation=False, issue_keys=False)
    pms.book("R1", future, future + timedelta(days=2), status="checked_in")
    pms.book("R2", future + timedelta(days=4), future + timedelta(days=5), room="102")
    sync(account)
    pms.cancel("R2")
    sync(account)
    first, second = bookings(hotel)
    assert (first.status, second.status) == (Status.CHECKED_IN, Status.CANCELLED)
    with scopes_disabled():
        assert not Message.objects.filter(hotel=hotel).exists()
        assert not LockKey.objects.filter(booking__hotel=hotel).exists()


def test_a_tentative_reservation_occupies_nothing_and_bad_dates_are_flagged(hotel, pms, account, rooms, future):
    pms.book("R1", future, future + timedelta(days=1), status="request")
    pms.book("R2", future + timedelta(days=2), future + timedelta(days=2))
    sync(account)
    assert bookings(hotel) == []
    assert row(account, "R1").problem == "" and row(account, "R2").problem == Problem.MISSING_DATES


def test_a_pms_account_without_check_in_links_gets_no_reminder_and_no_key_at_online_check_in(
        hotel, pms, account, rooms, now, settings):
    from datetime import datetime

    from innkeeper.checkin import services as checkin
    from innkeeper.journey import services as journey

    with scopes_disabled():
        SyncState.objects.create(hotel=hotel, account=account, send_checkin=False, issue_keys=False)
    settings.CHECKIN_REMINDER_LOCAL_HOURS = (0, 24)
    tomorrow = (now + timedelta(days=1)).astimezone(hotel.tz).date()
    pms.book("R1", tomorrow, tomorrow + timedelta(days=1))
    sync(account)
    [b] = bookings(hotel)
    assert journey.checkin_reminders_run(now=b.start - timedelta(hours=2)) == []
    assert messages(b, "CHECKIN_REMINDER") == []
    with scopes_disabled():
        SyncState.objects.filter(account=account).update(send_checkin=True)
    assert journey.checkin_reminders_run(now=b.start - timedelta(hours=2)) == [b]  # due, had it been on
    identity = checkin.Identity(legal_name="Anna Petrova", date_of_birth=datetime(1990, 1, 1).date(),
                                document_number="1234567", nationality="RU")
    with scope(hotel=hotel):
        done, key = journey.checkin_complete(booking=b, identity=identity, now=b.start - timedelta(hours=2))
    assert done.status == Status.CHECKIN_COMPLETED and key is None


def test_the_commands_connect_and_sync(hotel, other_hotel, pms, rooms, future):
    from io import StringIO

    from django.core.management import CommandError, call_command

    pms.book("R1", future, future + timedelta(days=1))
    with pytest.raises(CommandError, match="refused the connection: The PMS refused the API key"):
        call_command("pms_connect", "moscow", "fakepms", "--url", "fake://moscow", "--key", "wrong",
                     stdout=StringIO())
    out = StringIO()
    call_command("pms_connect", "moscow", "fakepms", "--url", "fake://moscow", "--key", "secret-key", stdout=out)
    with scopes_disabled():
        account = IntegrationAccount.objects.get(hotel=hotel, kind="pms")
        assert not IntegrationAccount.objects.filter(hotel=other_hotel).exists()
    assert "created 1, read 1" in out.getvalue() and f"/hooks/pms/fakepms/{account.pk}" in out.getvalue()
    assert len(bookings(hotel)) == 1
    pms.book("R2", future + timedelta(days=2), future + timedelta(days=3))
    out = StringIO()
    call_command("pms_sync", "moscow", stdout=out)
    assert out.getvalue().strip() == "created 1, read 2, unchanged 1"  # the first read of changes re-reads R1
    assert len(bookings(hotel)) == 2 and bookings(other_hotel) == []
    with pytest.raises(CommandError, match="no active PMS account"):
        call_command("pms_sync", "other", stdout=StringIO())
    pms.failing = "timeout"
    out = StringIO()
    with pytest.raises(CommandError, match="did not finish"):
        call_command("pms_sync", "moscow", stdout=out)
    assert "Error: The PMS did not answer." in out.getvalue()
