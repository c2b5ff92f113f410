"""The hotel's cancellation policy: the terms at each moment, the guest's cancellation with its fee, what it
sets off (the message in the guest's language, the history entry), and a second hotel with its own policy."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.utils import translation
from django_scopes import scope, scopes_disabled

from innkeeper.booking import services as engine
from innkeeper.booking import stays
from innkeeper.booking.cancellation import CANCELLED, CLOSED, EXPIRED, STARTED, cancellation_terms
from innkeeper.booking.errors import CancellationFeeNotAccepted, NotCancellable
from innkeeper.booking.models import Booking
from innkeeper.booking.states import Status
from innkeeper.core.models import ActivityLog
from innkeeper.journey import services as journey
from innkeeper.messaging.models import Message
from tests import factories
from tests.conftest import local
from tests.messaging_helpers import rendered

SECOND = timedelta(seconds=1)


@pytest.fixture
def policy(hotel, other_hotel):
    """Moscow: free until 48 hours before, then half the total. New York: free until 24 hours before, then
    the whole total. Each sells a room at 100 a night."""
    hotel.cancellation_hours, hotel.cancellation_fee_percent = 48, 50
    hotel.save()
    other_hotel.cancellation_hours, other_hotel.cancellation_fee_percent = 24, 100
    other_hotel.save()
    return (factories.make_room_type(hotel, slug="std", rooms=2),
            factories.make_room_type(other_hotel, slug="std", rooms=2))


def guest_booking(book, hotel, room_type, future, nights=2, **kwargs):
    return book(hotel, room_type, future, future + timedelta(days=nights), email="anna@example.com",
                **kwargs)


@pytest.mark.parametrize("before_start, can_cancel, fee", [
    (timedelta(hours=72), True, D("0.00")),
    (timedelta(hours=48) + SECOND, True, D("0.00")),  # the last second of free cancellation
    (timedelta(hours=48), True, D("100.00")),  # the deadline itself: the fee is due
    (timedelta(hours=47), True, D("100.00")),
    (SECOND, True, D("100.00")),  # the last second before arrival
    (timedelta(0), False, D("0.00")),  # the arrival time: the stay has started
])
def test_terms_at_each_moment_around_the_deadline(hotel, policy, book, future, before_start, can_cancel, fee):
    booking = guest_booking(book, hotel, policy[0], future)  # 2 nights: 200.00
    terms = cancellation_terms(booking, booking.start - before_start)
    assert (terms.can_cancel, terms.free, terms.fee, terms.currency) == (can_cancel, can_cancel and not fee, fee,
                                                                        "EUR")
    assert (terms.percent, terms.late_fee) == (50, D("100.00"))
    assert terms.why_not == ("" if can_cancel else STARTED)


def test_the_deadline_is_told_in_the_hotels_time_zone(hotel, other_hotel, policy, book, future):
    mine = guest_booking(book, hotel, policy[0], future)
    theirs = guest_booking(book, other_hotel, policy[1], future)
    moscow = cancellation_terms(mine, mine.start - timedelta(days=3)).deadline
    new_york = cancellation_terms(theirs, theirs.start - timedelta(days=3)).deadline
    # Two days before check-in at 14:00 in Moscow; one day before check-in at 14:00 in New York.
    assert moscow == local(hotel, future - timedelta(days=2), 14) and moscow.tzinfo == hotel.tz
    assert new_york == local(other_hotel, future - timedelta(days=1), 14) and new_york.tzinfo == other_hotel.tz
    assert (moscow.hour, new_york.hour) == (14, 14)


def test_a_second_hotel_applies_its_own_policy_at_the_same_moment(hotel, other_hotel, policy, book, future):
    mine = guest_booking(book, hotel, policy[0], future)
    theirs = guest_booking(book, other_hotel, policy[1], future)
    moment = local(hotel, future - timedelta(days=1), 12)  # 26 hours before Moscow's, 34 before New York's
    assert (cancellation_terms(mine, moment).fee, cancellation_terms(theirs, moment).fee) == (D("100.00"), 0)
    later = theirs.start - timedelta(hours=2)
    assert (cancellation_terms(theirs, later).fee, cancellation_terms(theirs, later).percent) == (D("200.00"), 100)


def test_the_fee_is_rounded_to_cents_and_a_zero_percent_policy_is_always_free(hotel, book, future):
    hotel.cancellation_hours, hotel.cancellation_fee_percent = 48, 33
    hotel.save()
    booking = book(hotel, factories.make_room_type(hotel, base_price_nightly=D("100.01"), rooms=1), future,
                   future + timedelta(days=1))
    late = booking.start - timedelta(hours=1)
    assert cancellation_terms(booking, late).fee == D("33.00")  # 33.0033 rounds to cents
    hotel.cancellation_fee_percent = 0
    assert (cancellation_terms(booking, late).free, cancellation_terms(booking, late).fee) == (True, 0)


def test_an_unpaid_booking_cancels_free_and_closed_ones_say_why(hotel, policy, book, future, now):
    std = policy[0]
    booked_at = local(hotel, future - timedelta(days=1), 12)  # 26 hours before arrival: past the deadline
    unpaid = book(hotel, std, future, future + timedelta(days=1), hold=True, at=booked_at)
    terms = cancellation_terms(unpaid, booked_at + timedelta(minutes=1))
    assert (terms.can_cancel, terms.free, terms.fee) == (True, True, 0)  # nothing was sold
    assert cancellation_terms(unpaid, unpaid.hold_expires_at).why_not == EXPIRED
    closed = {status: guest_booking(book, hotel, std, future + timedelta(days=3 * i), nights=1)
              for i, status in enumerate((Status.CANCELLED, Status.NO_SHOW, Status.CHECKED_IN), start=1)}
    with scope(hotel=hotel):
        for status, booking in closed.items():
            closed[status] = engine.booking_transition(booking=booking, to=status, actor="staff")
    assert {status: cancellation_terms(b, now).why_not for status, b in closed.items()} == {
        Status.CANCELLED: CANCELLED, Status.NO_SHOW: CLOSED, Status.CHECKED_IN: STARTED}
    assert not any(cancellation_terms(b, now).can_cancel for b in closed.values())


# The guest's cancellation --------------------------------------------------------------------------

def history(booking):
    with scopes_disabled():
        return list(ActivityLog.objects.filter(subject_id=str(booking.pk), verb="booking.status"))


def cancellation_messages(booking):
    with scopes_disabled():
        return {m.channel: rendered(m) for m in Message.objects.filter(booking_id=booking.pk,
                                                                      type="BOOKING_CANCELLED")}


def test_a_fee_the_guest_did_not_accept_changes_nothing(hotel, policy, book, future):
    booking = guest_booking(book, hotel, policy[0], future)
    late = booking.start - timedelta(hours=1)
    with scope(hotel=hotel):
        for accepted in (None, D("0"), D("99.99")):
            with pytest.raises(CancellationFeeNotAccepted) as refused:
                journey.booking_cancel_by_guest(booking=booking, accept_fee=accepted, now=late)
            assert refused.value.params == {"fee": "100.00", "currency": "EUR"}
    assert "a cancellation fee of €100." in refused.value.message
    with scopes_disabled():
        row = Booking.objects.get(pk=booking.pk)
    assert (row.status, row.cancellation_fee, row.cancelled_at) == (Status.CONFIRMED, None, None)
    assert history(booking) == [] and cancellation_messages(booking) == {}


def test_a_late_cancellation_records_its_fee_tells_the_history_and_messages_the_guest_in_their_language(
        hotel, other_hotel, policy, future, now):
    with scope(hotel=hotel):
        stay = stays.nightly(hotel, future, future + timedelta(days=2), now=now)
        booking = journey.booking_create(hotel=hotel, room_type="std", stay=stay, guests=1, locale="ru",
                                         guest=engine.GuestDetails("Анна Петрова", "anna@example.com",
                                                                   "+7 916 123-45-67"), now=now)
        cancelled = journey.booking_cancel_by_guest(booking=booking, accept_fee=D("100.00"),
                                                    now=booking.start - timedelta(hours=3))
    assert (cancelled.status, cancelled.cancellation_fee) == (Status.CANCELLED, D("100.00"))
    [entry] = history(booking)
    assert entry.data["fee"] == "100.00" and entry.actor_kind == "guest"
    with translation.override("en"):
        assert entry.sentence() == f"The guest cancelled booking {booking.reference} with a cancellation fee of €100"
    with translation.override("ru"):
        assert entry.sentence() == (f"Гость: бронирование {booking.reference} отменено с платой за отмену "
                                    "100\xa0€")
    sent = cancellation_messages(booking)
    assert set(sent) == {"EMAIL", "WHATSAPP"}
    assert sent["EMAIL"].subject == f"Бронирование {booking.reference} в Moscow Inn отменено"
    assert "плата за отмену: 100\xa0€." in sent["EMAIL"].body_text
    assert "Плата за отмену: 100\xa0€." in sent["WHATSAPP"].body_text and sent["WHATSAPP"].recipient == "+79161234567"
    with scopes_disabled():  # the other hotel's guests heard nothing
        assert not Message.objects.filter(hotel=other_hotel).exists()


def test_a_free_cancellation_says_so_and_twice_is_harmless(hotel, policy, book, future):
    booking = guest_booking(book, hotel, policy[0], future)
    early = booking.start - timedelta(days=5)
    with scope(hotel=hotel):
        first = journey.booking_cancel_by_guest(booking=booking, now=early)
        again = journey.booking_cancel_by_guest(booking=booking, now=early + SECOND)
    assert (first.cancellation_fee, again.status, again.cancellation_fee) == (0, Status.CANCELLED, 0)
    [entry] = history(booking)
    with translation.override("en"):
        assert entry.sentence() == f"The guest cancelled booking {booking.reference} free of charge"
    email = cancellation_messages(booking)["EMAIL"]
    assert email.subject == f"Your booking {booking.reference} at Moscow Inn is cancelled"
    assert "Nothing is charged for the cancellation." in email.body_text and "fee" not in email.body_text


def test_after_arrival_the_guest_cannot_cancel(hotel, policy, book, future):
    booking = guest_booking(book, hotel, policy[0], future)
    with scope(hotel=hotel), pytest.raises(NotCancellable):
        journey.booking_cancel_by_guest(booking=booking, accept_fee=D("1000"), now=booking.start)
    assert history(booking) == []


def test_staff_cancellations_tell_the_guest_and_lapsed_holds_do_not(hotel, policy, book, future):
    booking = guest_booking(book, hotel, policy[0], future)
    held = book(hotel, policy[0], future, future + timedelta(days=1), hold=True)
    with scope(hotel=hotel):
        journey.booking_cancel(booking=booking, actor="staff")
        journey.booking_cancel(booking=held, actor="staff")
    with scopes_disabled():
        assert Booking.objects.get(pk=booking.pk).cancellation_fee is None  # the hotel's call, not the policy's
    assert set(cancellation_messages(booking)) == {"EMAIL", "WHATSAPP"}
    assert cancellation_messages(held) == {}

