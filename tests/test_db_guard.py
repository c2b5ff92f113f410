"""The database itself refuses overlapping active stays on one room, whatever the code above does."""

import importlib
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django_scopes import scopes_disabled

from innkeeper.booking.models import Booking
from innkeeper.booking.states import ACTIVE, Status
from tests import factories
from tests.conftest import local


@scopes_disabled()
def insert(room, start, end, status=Status.CONFIRMED, turnover=timedelta(0), ref=None):
    """A bare row, as a buggy import or a hand-written SQL fix might write it."""
    with transaction.atomic():
        return Booking.objects.create(
            hotel=room.hotel, reference=ref or f"T{Booking.objects.count():05d}", room_type=room.room_type,
            room=room, kind="HOURLY", check_in=start.date(), hours=1, start=start, end=end,
            blocks_from=start, blocks_until=end + turnover, status=status, guests=1, guest_name="x", guest_email="x@example.com",
            locale="en", currency="EUR", subtotal=0, tax=0, total=0, quote={})


@pytest.fixture
def room(hotel):
    return factories.make_room(factories.make_room_type(hotel))


def test_migration_guards_exactly_the_active_statuses():
    migration = importlib.import_module("innkeeper.booking.migrations.0002_no_overlap_guard")
    assert set(migration.ACTIVE_SQL.strip("()").replace("'", "").split(", ")) == set(ACTIVE)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("status", sorted(ACTIVE))
def test_overlapping_insert_is_refused_for_every_active_status(room, future, status):
    hotel = room.hotel
    insert(room, local(hotel, future, 10), local(hotel, future, 14), status=status)
    with pytest.raises(IntegrityError):
        insert(room, local(hotel, future, 13), local(hotel, future, 16), status=Status.CONFIRMED)
    with scopes_disabled():
        assert Booking.objects.count() == 1


@pytest.mark.parametrize("status", sorted(set(Status) - ACTIVE))
def test_inactive_stays_do_not_block(room, future, status):
    hotel = room.hotel
    insert(room, local(hotel, future, 10), local(hotel, future, 14), status=status)
    insert(room, local(hotel, future, 10), local(hotel, future, 14))


def test_touching_stays_are_fine_and_turnover_counts(room, future):
    hotel = room.hotel
    insert(room, local(hotel, future, 10), local(hotel, future, 12), turnover=timedelta(minutes=30))
    with pytest.raises(IntegrityError):
        insert(room, local(hotel, future, 12), local(hotel, future, 14))
    insert(room, local(hotel, future, 12, 30), local(hotel, future, 14))


def test_same_times_in_another_room_are_fine(room, future):
    hotel = room.hotel
    other = factories.make_room(room.room_type)
    insert(room, local(hotel, future, 10), local(hotel, future, 14))
    insert(other, local(hotel, future, 10), local(hotel, future, 14))


def test_update_into_an_overlap_is_refused(room, future):
    hotel = room.hotel
    insert(room, local(hotel, future, 10), local(hotel, future, 12))
    cancelled = insert(room, local(hotel, future, 11), local(hotel, future, 13), status=Status.CANCELLED)
    other_room = factories.make_room(room.room_type)
    moved = insert(other_room, local(hotel, future, 11), local(hotel, future, 13))
    with scopes_disabled():
        with pytest.raises(IntegrityError), transaction.atomic():
            Booking.objects.filter(pk=cancelled.pk).update(status=Status.CONFIRMED)  # reinstating
        with pytest.raises(IntegrityError), transaction.atomic():
            Booking.objects.filter(pk=moved.pk).update(room=room)  # moving
        assert Booking.objects.get(pk=moved.pk).room_id == other_room.id


@pytest.mark.django_db(transaction=True)
def test_the_sqlite_guard_survives_a_table_rebuild(room, future, vendor):
    """A later migration that rebuilds the table must not leave it unguarded."""
    if vendor != "sqlite":
        pytest.skip("table rebuilds are SQLite's way of altering tables")
    from django.core.management import call_command

    call_command("migrate", "booking", "0002", verbosity=0)  # 0003 adds a field: a table rebuild
    call_command("migrate", verbosity=0)  # every app: unapplying booking 0003 also unapplied its dependants
    hotel = room.hotel
    insert(room, local(hotel, future, 10), local(hotel, future, 14))
    with pytest.raises(IntegrityError):
        insert(room, local(hotel, future, 12), local(hotel, future, 16))


def guard_error(room, future, **insert_kwargs) -> IntegrityError:
    hotel = room.hotel
    with pytest.raises(IntegrityError) as err:
        insert(room, local(hotel, future, 10), local(hotel, future, 14), **insert_kwargs)
    return err.value


def test_is_violation_recognises_the_no_overlap_guard_and_nothing_else(room, future, vendor):
    from innkeeper.booking.db_guard import NO_OVERLAP_CONSTRAINT, NO_OVERLAP_MESSAGE
    from innkeeper.core import db

    hotel = room.hotel
    insert(room, local(hotel, future, 10), local(hotel, future, 14), ref="AAAAAA")
    overlap = guard_error(room, future)
    assert db.is_violation(overlap, constraint=NO_OVERLAP_CONSTRAINT, sqlite_message=NO_OVERLAP_MESSAGE)
    if vendor == "postgresql":
        assert overlap.__cause__.diag.constraint_name == "booking_no_overlap"
    assert not db.is_violation(overlap, constraint="some_other_guard", sqlite_message="some_other_guard")
    # Another constraint on the same table (the unique reference) is not the overlap guard.
    other_room = factories.make_room(room.room_type)
    duplicate = guard_error(other_room, future, ref="AAAAAA")
    assert not db.is_violation(duplicate, constraint=NO_OVERLAP_CONSTRAINT, sqlite_message=NO_OVERLAP_MESSAGE)


def test_the_guard_firing_inside_the_booking_service_is_no_availability(room, future, book):
    """A row the service cannot see (another hotel's import wrote it onto this room) still blocks the
    room at the database, and the guest gets a clean NoAvailability, not an IntegrityError."""
    from innkeeper.booking.errors import NoAvailability

    hotel = room.hotel
    stray = factories.make_hotel(slug="stray")
    with scopes_disabled():
        row = insert(room, local(hotel, future, 14), local(hotel, future + timedelta(days=1), 12))
        Booking.objects.filter(pk=row.pk).update(hotel=stray)
    with pytest.raises(NoAvailability):
        book(hotel, room.room_type, future, future + timedelta(days=1))
    with scopes_disabled():
        assert list(Booking.objects.values_list("pk", flat=True)) == [row.pk]
