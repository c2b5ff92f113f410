import random
import secrets
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django_scopes import scope, scopes_disabled

from innkeeper.booking import services, stays
from innkeeper.booking.errors import CancellationFeeNotAccepted, HoldExpired, NoAvailability, NotCancellable
from innkeeper.booking.models import Booking
from innkeeper.booking.references import ALPHABET
from innkeeper.booking.states import TRANSITIONS, IllegalTransition, Status
from innkeeper.core import activity
from innkeeper.core.errors import Conflict, InvalidInput, NotFound
from innkeeper.core.models import ActivityLog
from innkeeper.hotels.models import AddOnCharge, RoomStatus
from tests import factories
from tests.conftest import local


def rows(**filters):
    with scopes_disabled():
        return list(Booking.objects.filter(**filters).order_by("id"))


def test_booking_is_confirmed_priced_and_placed_in_a_room(hotel, book, future):
    std = factories.make_room_type(hotel, slug="std", rooms=2, extra_guest_charge=D("10"))
    factories.make_add_on(hotel, "breakfast", "5", AddOnCharge.PER_GUEST)
    b = book(hotel, std, future, future + timedelta(days=2), guests=3, add_ons=["breakfast"])
    assert b.status == Status.CONFIRMED and b.hold_expires_at is None
    assert len(b.reference) == 6 and set(b.reference) <= set(ALPHABET)
    assert b.total == D("200") + D("20") + D("15")
    assert b.quote["total"] == str(b.total)
    assert b.start == local(hotel, future, 14) and b.end == local(hotel, future + timedelta(days=2), 12)
    with scopes_disabled():
        assert b.room.room_type_id == std.id
        assert [(a.add_on.code, a.quantity, a.amount) for a in b.add_ons.all()] == [("breakfast", 3, D("15.00"))]
        assert [(e.verb, e.data["to_status"]) for e in activity.history(b)] == [
            ("booking.created", Status.CONFIRMED)]


def test_last_room_cannot_be_sold_twice(hotel, book, future):
    std = factories.make_room_type(hotel, slug="std", rooms=1)
    book(hotel, std, future, future + timedelta(days=3))
    with pytest.raises(NoAvailability):
        book(hotel, std, future + timedelta(days=2), future + timedelta(days=4))
    with pytest.raises(NoAvailability):
        book(hotel, std, start=local(hotel, future + timedelta(days=1), 10), hours=3)
    assert len(rows(hotel=hotel)) == 1


def test_rules_are_enforced_on_booking_with_the_field_to_fix(hotel, book, future):
    std = factories.make_room_type(hotel, slug="std", rooms=2, max_occupancy=2)
    factories.make_override(std, future, closed=True)
    with pytest.raises(InvalidInput) as err:
        book(hotel, std, future + timedelta(days=1), future + timedelta(days=2), guests=3)
    assert (err.value.field, err.value.code) == ("guests", "too_many_guests")
    with pytest.raises(InvalidInput) as err:
        book(hotel, std, future, future + timedelta(days=2))
    assert (err.value.field, err.value.code) == ("check_in", "closed")
    assert rows(hotel=hotel) == []


@pytest.mark.parametrize("guest, field", [
    (services.GuestDetails("  ", "a@example.com"), "guest.name"),
    (services.GuestDetails("Anna", "not-an-email"), "guest.email"),
    (services.GuestDetails("Anna", "a@example.com", "1" * 40), "guest.phone"),
])
def test_guest_details_are_checked(hotel, future, now, guest, field):
    std = factories.make_room_type(hotel, slug="std", rooms=1)
    with scope(hotel=hotel), pytest.raises(InvalidInput) as err:
        services.booking_create(hotel=hotel, room_type=std.slug, guests=1, guest=guest, now=now,
                                stay=stays.nightly(hotel, future, future + timedelta(days=1), now=now))
    assert err.value.field == field


def test_unknown_room_type_add_on_or_locale_is_refused(hotel, other_hotel, future, now):
    factories.make_room_type(hotel, slug="std", rooms=1)
    factories.make_room_type(other_hotel, slug="theirs", rooms=1)
    factories.make_add_on(other_hotel, "spa", "10")
    factories.make_add_on(hotel, "old", "10", is_active=False)
    stay = stays.nightly(hotel, future, future + timedelta(days=1), now=now)
    guest = services.GuestDetails("Anna", "a@example.com")
    cases = [(dict(room_type="theirs"), "room_type"), (dict(room_type="std", add_ons=["spa"]), "add_ons"),
             (dict(room_type="std", add_ons=["old"]), "add_ons"), (dict(room_type="std", locale="de"), "locale")]
    for kwargs, field in cases:
        with scope(hotel=hotel), pytest.raises(InvalidInput) as err:
            services.booking_create(hotel=hotel, stay=stay, guests=1, guest=guest, now=now, **kwargs)
        assert err.value.field == field
    assert rows() == []


def test_hold_keeps_the_room_until_it_lapses_then_frees_it(hotel, book, now, future):
    std = factories.make_room_type(hotel, slug="std", rooms=1)
    held = book(hotel, std, future, future + timedelta(days=1), hold=True)
    assert held.status == Status.HOLD and held.hold_expires_at == now + timedelta(minutes=hotel.hold_minutes)
    with pytest.raises(NoAvailability):
        book(hotel, std, future, future + timedelta(days=1))
    later = now + timedelta(minutes=hotel.hold_minutes, seconds=1)
    with pytest.raises(HoldExpired), scope(hotel=hotel):
        services.booking_confirm(booking=held, now=later)
    second = book(hotel, std, future, future + timedelta(days=1), at=later)
    assert second.room_id == held.room_id
    held.refresh_from_db()
    assert held.status == Status.EXPIRED


def test_hold_confirmed_in_time_becomes_a_booking(hotel, book, now, future):
    std = factories.make_room_type(hotel, slug="std", rooms=1)
    held = book(hotel, std, future, future + timedelta(days=1), hold=True)
    with scope(hotel=hotel):
        services.booking_transition(booking=held, to=Status.PENDING_PAYMENT, actor="guest", now=now)
        confirmed = services.booking_confirm(booking=held, now=now + timedelta(minutes=5))
    assert (confirmed.status, confirmed.hold_expires_at) == (Status.CONFIRMED, None)
    with scopes_disabled():
        statuses = activity.history(held).filter(verb="booking.status")
        assert [(e.data["from_status"], e.data["to_status"]) for e in statuses] == [
            (Status.HOLD, Status.PENDING_PAYMENT), (Status.PENDING_PAYMENT, Status.CONFIRMED)]


def test_illegal_transition_names_both_states_and_changes_nothing(hotel, book, future):
    std = factories.make_room_type(hotel, slug="std", rooms=1)
    b = book(hotel, std, future, future + timedelta(days=1))
    with scope(hotel=hotel), pytest.raises(IllegalTransition) as err:
        services.booking_transition(booking=b, to=Status.CHECKED_OUT, actor="staff@example.com")
    assert "CONFIRMED" in str(err.value) and "CHECKED_OUT" in str(err.value)
    b.refresh_from_db()
    assert b.status == Status.CONFIRMED


def test_status_machine_matches_the_architecture():
    s = Status
    chain = [s.HOLD, s.PENDING_PAYMENT, s.CONFIRMED, s.CHECKIN_COMPLETED, s.CHECKED_IN, s.CHECKED_OUT]
    assert all(b in TRANSITIONS[a] for a, b in zip(chain, chain[1:], strict=False))
    assert all(not TRANSITIONS[t] for t in (s.CHECKED_OUT, s.CANCELLED, s.NO_SHOW, s.EXPIRED))
    assert s.CANCELLED not in TRANSITIONS[s.CHECKED_IN]


def test_cancelled_and_checked_out_stays_free_the_room(hotel, book, now, future):
    std = factories.make_room_type(hotel, slug="std", rooms=1)
    b = book(hotel, std, future, future + timedelta(days=1))
    with scope(hotel=hotel):
        services.booking_cancel(booking=b, actor="staff@example.com", reason="guest called")
    b.refresh_from_db()
    assert (b.status, b.cancel_reason, b.cancelled_at is not None) == (Status.CANCELLED, "guest called", True)
    assert book(hotel, std, future, future + timedelta(days=1)).room_id == b.room_id


def test_guest_may_cancel_before_arrival_only(hotel, book, now, future):
    std = factories.make_room_type(hotel, slug="std", rooms=2)
    b = book(hotel, std, future, future + timedelta(days=1))
    with scope(hotel=hotel):
        with pytest.raises(NotCancellable):
            services.booking_cancel_by_guest(booking=b, now=b.start + timedelta(minutes=1))
        assert services.booking_cancel_by_guest(booking=b, now=now).status == Status.CANCELLED
        assert services.booking_cancel_by_guest(booking=b, now=now).status == Status.CANCELLED  # twice is fine
    with scopes_disabled():
        assert activity.history(b).filter(data__to_status=Status.CANCELLED).count() == 1


def test_change_dates_keeps_the_room_when_free_and_reprices(hotel, book, now, future):
    std = factories.make_room_type(hotel, slug="std", rooms=2)
    factories.make_add_on(hotel, "transfer", "30")
    b = book(hotel, std, future, future + timedelta(days=1), add_ons=["transfer"])
    with scope(hotel=hotel):
        stay = stays.nightly(hotel, future, future + timedelta(days=3), now=now)
        changed = services.booking_change_stay(booking=b, stay=stay, actor="guest", now=now)
    assert (changed.room_id, changed.check_out, changed.total) == (b.room_id, future + timedelta(days=3), D("330"))
    with scopes_disabled():
        event = activity.history(changed).get(verb="booking.changed")
    assert event.data["before"]["total"] == "130.00" and event.data["after"]["total"] == "330.00"


def test_change_dates_moves_to_another_room_or_fails_without_changing_anything(hotel, book, now, future):
    std = factories.make_room_type(hotel, slug="std", rooms=2)
    b = book(hotel, std, future, future + timedelta(days=1))
    blocker = book(hotel, std, future + timedelta(days=1), future + timedelta(days=2))
    assert blocker.room_id == b.room_id  # b leaves at 12:00, blocker arrives at 14:00
    stay = stays.nightly(hotel, future, future + timedelta(days=2), now=now)
    with scope(hotel=hotel):
        moved = services.booking_change_stay(booking=b, stay=stay, actor="guest", now=now)
    assert moved.room_id != blocker.room_id
    book(hotel, std, future + timedelta(days=2), future + timedelta(days=3))
    book(hotel, std, future + timedelta(days=2), future + timedelta(days=3))
    with scope(hotel=hotel), pytest.raises(NoAvailability):
        services.booking_change_stay(booking=b, stay=stays.nightly(hotel, future, future + timedelta(days=3),
                                                                    now=now), actor="guest", now=now)
    b.refresh_from_db()
    assert b.check_out == future + timedelta(days=2)


def test_move_to_a_free_room_of_any_type_but_not_a_taken_one(hotel, other_hotel, book, now, future):
    std = factories.make_room_type(hotel, slug="std", rooms=1)
    lux = factories.make_room_type(hotel, slug="lux", rooms=0, turnover_minutes=90)
    suite = factories.make_room(lux, number="501")
    b = book(hotel, std, future, future + timedelta(days=2))
    with scope(hotel=hotel):
        moved = services.booking_move(booking=b, room=suite, actor="staff@example.com", now=now)
    assert (moved.room_id, moved.blocks_until) == (suite.id, moved.end + timedelta(minutes=90))
    assert moved.room_type_id == std.id  # still what the guest bought
    other = book(hotel, std, future, future + timedelta(days=1))  # std's room is free again
    with scope(hotel=hotel), pytest.raises(NoAvailability):
        services.booking_move(booking=other, room=suite, actor="staff@example.com", now=now)
    foreign = factories.make_room(factories.make_room_type(other_hotel, rooms=0))
    with scope(hotel=hotel), pytest.raises(NotFound):
        services.booking_move(booking=other, room=foreign, actor="staff@example.com", now=now)
    broken = factories.make_room(std, status=RoomStatus.MAINTENANCE)
    with scope(hotel=hotel), pytest.raises(Conflict):
        services.booking_move(booking=other, room=broken, actor="staff@example.com", now=now)


@pytest.mark.parametrize("status", [RoomStatus.MAINTENANCE, RoomStatus.BLOCKED])
def test_a_room_out_of_service_is_never_allocated(hotel, book, future, status):
    std = factories.make_room_type(hotel, slug="std")
    factories.make_room(std, number="101", status=status)  # first in room order: picked if it counted
    good = factories.make_room(std, number="102")
    first = book(hotel, std, future, future + timedelta(days=2))
    assert first.room_id == good.id
    with pytest.raises(NoAvailability):
        book(hotel, std, future, future + timedelta(days=2))
    with pytest.raises(NoAvailability):
        book(hotel, std, start=local(hotel, future + timedelta(days=1), 10), hours=2)
    assert [b.room_id for b in rows(hotel=hotel)] == [good.id]


def test_references_are_unique(hotel, book, future):
    std = factories.make_room_type(hotel, slug="std", rooms=40)
    refs = {book(hotel, std, future, future + timedelta(days=1)).reference for _ in range(40)}
    assert len(refs) == 40


def test_references_have_no_look_alike_characters(hotel, book, future):
    std = factories.make_room_type(hotel, slug="std", rooms=20)
    refs = "".join(book(hotel, std, future, future + timedelta(days=1)).reference for _ in range(20))
    assert not set("0O1IL") & (set(ALPHABET) | set(refs))
    assert len(set(ALPHABET)) == len(ALPHABET) == 31  # the other 23 letters and 2-9


def test_a_reference_already_taken_is_drawn_again(hotel, book, future, monkeypatch):
    std = factories.make_room_type(hotel, slug="std", rooms=2)
    taken = book(hotel, std, future, future + timedelta(days=1))
    draws = random.Random(2026)
    expected = random.Random(2026)
    first = "".join(expected.choice(ALPHABET) for _ in range(6))
    second = "".join(expected.choice(ALPHABET) for _ in range(6))
    with scopes_disabled():
        Booking.objects.filter(pk=taken.pk).update(reference=first)
    monkeypatch.setattr(secrets, "choice", draws.choice)  # the random source, seeded
    assert book(hotel, std, future, future + timedelta(days=1)).reference == second != first


def test_expire_holds_marks_only_lapsed_ones(hotel, book, now, future):
    std = factories.make_room_type(hotel, slug="std", rooms=3)
    lapsing = book(hotel, std, future, future + timedelta(days=1), hold=True)
    fresh = book(hotel, std, future, future + timedelta(days=1), hold=True, at=now + timedelta(minutes=10))
    with scope(hotel=hotel):
        assert services.holds_expire(hotel=hotel, now=now + timedelta(minutes=hotel.hold_minutes, seconds=1)) == 1
    with scopes_disabled():
        assert Booking.objects.get(pk=lapsing.pk).status == Status.EXPIRED
        assert Booking.objects.get(pk=fresh.pk).status == Status.HOLD
        assert activity.history(lapsing).filter(data__to_status=Status.EXPIRED, actor_kind="system").exists()


def next_spring_forward(after, tz):
    day = after.date()
    while True:
        day += timedelta(days=1)
        if local_utcoffset(day + timedelta(days=1), tz) > local_utcoffset(day, tz):
            return day + timedelta(days=1)


def local_utcoffset(day, tz):
    from datetime import datetime
    return datetime(day.year, day.month, day.day, 12, tzinfo=tz).utcoffset()


def test_hourly_stays_across_the_berlin_clock_change_are_real_hours_in_the_database(book, now, db):
    from datetime import UTC

    berlin = factories.make_hotel(slug="berlin", time_zone="Europe/Berlin", hourly_start_hour=0, hourly_end_hour=24)
    std = factories.make_room_type(berlin, slug="std", rooms=1, turnover_minutes=60)
    day = next_spring_forward(now, berlin.tz)  # clocks jump from 02:00 to 03:00 this night
    night = book(berlin, std, start=local(berlin, day, 1), hours=3)  # 01:00 CET .. 05:00 CEST
    night.refresh_from_db()
    assert night.end - night.start == timedelta(hours=3)
    assert night.end.astimezone(UTC) == local(berlin, day, 5).astimezone(UTC)
    assert night.blocks_until - night.end == timedelta(minutes=60)
    with pytest.raises(NoAvailability):  # 05:00 is inside the hour of cleaning
        book(berlin, std, start=local(berlin, day, 5), hours=2)
    morning = book(berlin, std, start=local(berlin, day, 6), hours=2)
    evening = book(berlin, std, day, day + timedelta(days=1))
    assert morning.room_id == evening.room_id == night.room_id


def test_the_same_request_key_makes_one_booking(hotel, now, future):
    std = factories.make_room_type(hotel, slug="std", rooms=3)
    stay = stays.nightly(hotel, future, future + timedelta(days=1), now=now)
    with scope(hotel=hotel):
        first, again = (services.booking_create(hotel=hotel, room_type="std", stay=stay, guests=1, now=now,
                                                guest=services.GuestDetails("Anna", "a@example.com"),
                                                request_key="form-123") for _ in range(2))
        other = services.booking_create(hotel=hotel, room_type="std", stay=stay, guests=1, now=now,
                                        guest=services.GuestDetails("Anna", "a@example.com"), request_key="form-456")
    assert first.pk == again.pk != other.pk
    assert len(rows(hotel=hotel)) == 2 and std.pk


def test_guest_cancellation_follows_the_hotels_deadline(hotel, book, now, future):
    hotel.cancellation_hours, hotel.cancellation_fee_percent = 48, 100
    hotel.save()
    std = factories.make_room_type(hotel, slug="std", rooms=1)
    early, late = (book(hotel, std, future + timedelta(days=d), future + timedelta(days=d + 1)) for d in (0, 2))
    with scope(hotel=hotel):
        with pytest.raises(CancellationFeeNotAccepted):  # past the deadline: not without the fee
            services.booking_cancel_by_guest(booking=late, now=late.start - timedelta(hours=47))
        with pytest.raises(NotCancellable):  # the stay has started
            services.booking_cancel_by_guest(booking=late, now=late.start)
        free = services.booking_cancel_by_guest(booking=early, now=early.start - timedelta(hours=49))
        assert (free.status, free.cancellation_fee) == ("CANCELLED", 0)
        assert Booking.objects.get(pk=late.pk).status == "CONFIRMED"


def test_a_request_key_reused_for_a_different_booking_is_refused(hotel, now, future):
    factories.make_room_type(hotel, slug="std", rooms=3)
    factories.make_room_type(hotel, slug="lux", rooms=3)
    stay = stays.nightly(hotel, future, future + timedelta(days=1), now=now)
    make = lambda slug, email: services.booking_create(  # noqa: E731
        hotel=hotel, room_type=slug, stay=stay, guests=1, now=now, request_key="form-9",
        guest=services.GuestDetails("Anna", email))
    with scope(hotel=hotel):
        first = make("std", "a@example.com")
        assert make("std", "A@Example.com").pk == first.pk  # the same request, retried
        for slug, email in (("lux", "a@example.com"), ("std", "b@example.com")):
            with pytest.raises(Conflict) as refused:
                make(slug, email)
            assert refused.value.code == "request_key_reused"
    assert len(rows(hotel=hotel)) == 1


def test_the_periodic_sweep_expires_lapsed_holds_in_every_hotel(hotel, other_hotel, book, now, future):
    from innkeeper import celery_app
    from innkeeper.booking.tasks import holds_expire_task

    entry = celery_app.conf.beat_schedule["booking-holds-expire"]
    assert entry["task"] == holds_expire_task.name and entry["task"] in celery_app.tasks
    lapsed_at = now - timedelta(minutes=hotel.hold_minutes + 1)
    here_type = factories.make_room_type(hotel, rooms=1)
    here = book(hotel, here_type, future, future + timedelta(days=1), hold=True, at=lapsed_at)
    there_type = factories.make_room_type(other_hotel, rooms=2)
    there = book(other_hotel, there_type, future, future + timedelta(days=1), hold=True, at=lapsed_at)
    fresh = book(other_hotel, there_type, future, future + timedelta(days=1), hold=True)
    holds_expire_task()  # as beat runs it: no hotel scope, every hotel
    assert [(b.pk, b.status) for b in rows(pk__in=[here.pk, there.pk, fresh.pk])] == [
        (here.pk, Status.EXPIRED), (there.pk, Status.EXPIRED), (fresh.pk, Status.HOLD)]
    with scopes_disabled():
        expired_in = ActivityLog.objects.filter(data__to_status=Status.EXPIRED).values_list(
            "hotel_id", flat=True)
        assert sorted(expired_in) == sorted([hotel.id, other_hotel.id])
    holds_expire_task()
    with scopes_disabled():
        assert ActivityLog.objects.filter(data__to_status=Status.EXPIRED).count() == 2  # once each


def test_moving_into_a_room_held_by_a_lapsed_hold_releases_it(hotel, book, now, future):
    std = factories.make_room_type(hotel, slug="std", rooms=1)
    lux = factories.make_room_type(hotel, slug="lux", rooms=1)
    lapsed = book(hotel, lux, future, future + timedelta(days=1), hold=True,
                  at=now - timedelta(minutes=hotel.hold_minutes + 1))
    b = book(hotel, std, future, future + timedelta(days=1))
    with scopes_disabled():
        suite = lux.rooms.get()
    with scope(hotel=hotel):
        moved = services.booking_move(booking=b, room=suite, actor="staff@example.com", now=now)
    assert moved.room_id == suite.id
    assert [b.status for b in rows(pk=lapsed.pk)] == [Status.EXPIRED]
