from datetime import timedelta
from decimal import Decimal as D

import pytest
from django_scopes import scopes_disabled

from innkeeper.booking import selectors, stays
from innkeeper.core import dates
from innkeeper.hotels.models import BookingModel, RoomStatus
from tests import factories
from tests.conftest import local


def search(in_scope, hotel, now, guests=2, **kw):
    def run():
        stay = stays.from_request(hotel, now=now, **kw)
        return {o.room_type.slug: o for o in selectors.availability(hotel=hotel, stay=stay, guests=guests, now=now)}
    return in_scope(hotel, run)


def test_counts_free_rooms_per_type_and_quotes_them(hotel, other_hotel, in_scope, book, now, future):
    std = factories.make_room_type(hotel, slug="std", rooms=3)
    factories.make_room_type(hotel, slug="lux", rooms=1, base_price_nightly=D("250"))
    other = factories.make_room_type(other_hotel, slug="std", rooms=2)
    book(hotel, std, future, future + timedelta(days=2))
    book(other_hotel, other, future, future + timedelta(days=2))  # another hotel's booking changes nothing here
    offers = search(in_scope, hotel, now, check_in=future, check_out=future + timedelta(days=2))
    assert {slug: o.available for slug, o in offers.items()} == {"std": 2, "lux": 1}
    assert offers["lux"].quote.total == D("500.00")


def test_a_stay_that_ends_before_the_next_check_in_does_not_count(hotel, in_scope, book, now, future):
    std = factories.make_room_type(hotel, slug="std", rooms=1)
    book(hotel, std, future, future + timedelta(days=2))
    before = search(in_scope, hotel, now, check_in=future - timedelta(days=2), check_out=future)
    after = search(in_scope, hotel, now, check_in=future + timedelta(days=2), check_out=future + timedelta(days=3))
    during = search(in_scope, hotel, now, check_in=future + timedelta(days=1), check_out=future + timedelta(days=3))
    assert (before["std"].available, after["std"].available, during["std"].available) == (1, 1, 0)
    assert during["std"].reason == "no_availability" and during["std"].quote is not None


def test_rooms_out_of_service_are_not_offered(hotel, in_scope, now, future):
    std = factories.make_room_type(hotel, slug="std", rooms=2)
    factories.make_room(std, status=RoomStatus.MAINTENANCE)
    factories.make_room(std, status=RoomStatus.BLOCKED)
    offers = search(in_scope, hotel, now, check_in=future, check_out=future + timedelta(days=1))
    assert offers["std"].available == 2


def test_closed_dates_min_stay_and_occupancy(hotel, in_scope, now, future):
    closed = factories.make_room_type(hotel, slug="closed", rooms=2)
    factories.make_override(closed, future + timedelta(days=1), closed=True)
    min3 = factories.make_room_type(hotel, slug="min3", rooms=2)
    factories.make_override(min3, future, min_stay=3)
    factories.make_room_type(hotel, slug="small", rooms=2, base_occupancy=1, max_occupancy=1)
    offers = search(in_scope, hotel, now, guests=2, check_in=future, check_out=future + timedelta(days=2))
    assert {s: (o.available, o.reason) for s, o in offers.items()} == {
        "closed": (0, "closed"), "min3": (0, "min_stay"), "small": (0, "too_many_guests")}
    assert dates.format_day(future + timedelta(days=1)) in offers["closed"].message  # as the page's language writes dates
    # Departing on the closed date is fine: the closed night is not stayed.
    ok = search(in_scope, hotel, now, guests=1, check_in=future, check_out=future + timedelta(days=1))
    assert ok["closed"].available == 2


def test_hourly_rules_per_room_type(hotel, in_scope, now, future):
    factories.make_room_type(hotel, slug="hourly", rooms=1, min_hours_override=3, max_hours_override=4)
    factories.make_room_type(hotel, slug="nightly-only", rooms=1, booking_model_override=BookingModel.DAILY)
    factories.make_room_type(hotel, slug="no-hourly-price", rooms=1, base_price_hourly=None)
    offers = search(in_scope, hotel, now, start=local(hotel, future, 10), hours=2)
    assert {s: o.reason for s, o in offers.items()} == {
        "hourly": "hours_out_of_range", "nightly-only": "not_sold_hourly", "no-hourly-price": "not_sold_hourly"}
    offers = search(in_scope, hotel, now, start=local(hotel, future, 10), hours=3)
    assert (offers["hourly"].available, offers["hourly"].quote.total) == (1, D("60.00"))


def test_hourly_only_type_is_not_sold_nightly(hotel, in_scope, now, future):
    factories.make_room_type(hotel, slug="day-use", rooms=1, booking_model_override=BookingModel.HOURLY)
    offers = search(in_scope, hotel, now, check_in=future, check_out=future + timedelta(days=1))
    assert offers["day-use"].reason == "not_sold_nightly"


def test_nightly_stay_blocks_hourly_and_hourly_stays_share_a_day(hotel, in_scope, book, now, future):
    std = factories.make_room_type(hotel, slug="std", rooms=1)
    book(hotel, std, start=local(hotel, future, 9), hours=3)  # 09-12
    assert search(in_scope, hotel, now, start=local(hotel, future, 12), hours=3)["std"].available == 1
    assert search(in_scope, hotel, now, start=local(hotel, future, 11), hours=3)["std"].available == 0
    # A nightly stay from 14:00 on that day is free; the morning stay ended at 12:00.
    assert search(in_scope, hotel, now, check_in=future, check_out=future + timedelta(days=1))["std"].available == 1
    book(hotel, std, future, future + timedelta(days=1))
    assert search(in_scope, hotel, now, start=local(hotel, future, 15), hours=3)["std"].available == 0
    assert search(in_scope, hotel, now, start=local(hotel, future + timedelta(days=1), 13),
                  hours=2)["std"].available == 1


def test_turnover_keeps_the_room_busy_after_a_stay(hotel, in_scope, book, now, future):
    std = factories.make_room_type(hotel, slug="std", rooms=1, turnover_minutes=60)
    book(hotel, std, start=local(hotel, future, 9), hours=3)  # 09-12, busy until 13:00
    assert search(in_scope, hotel, now, start=local(hotel, future, 12), hours=2)["std"].available == 0
    assert search(in_scope, hotel, now, start=local(hotel, future, 13), hours=2)["std"].available == 1
    # ...and before one: a stay 06-09 would leave no time to clean before 09:00.
    hotel.hourly_start_hour = 6
    assert search(in_scope, hotel, now, start=local(hotel, future, 6), hours=3)["std"].available == 0


def test_lapsed_holds_do_not_block(hotel, in_scope, book, now, future):
    std = factories.make_room_type(hotel, slug="std", rooms=1)
    book(hotel, std, future, future + timedelta(days=1), hold=True)
    assert search(in_scope, hotel, now, check_in=future, check_out=future + timedelta(days=1))["std"].available == 0
    later = now + timedelta(minutes=hotel.hold_minutes + 1)
    assert search(in_scope, hotel, later, check_in=future,
                  check_out=future + timedelta(days=1))["std"].available == 1


def test_search_takes_a_fixed_number_of_queries(hotel, in_scope, book, now, future, django_assert_num_queries):
    for i in range(6):
        rt = factories.make_room_type(hotel, slug=f"t{i}", rooms=3)
        factories.make_override(rt, future, price_nightly=D("90"))
        book(hotel, rt, future, future + timedelta(days=1))
    with django_assert_num_queries(4):
        offers = search(in_scope, hotel, now, check_in=future, check_out=future + timedelta(days=1))
    assert len(offers) == 6 and all(o.available == 2 for o in offers.values())


def test_unscoped_queries_are_refused(hotel):
    from django_scopes.exceptions import ScopeError

    from innkeeper.hotels.models import RoomType

    with pytest.raises(ScopeError):
        list(RoomType.objects.all())
    with scopes_disabled():
        assert list(RoomType.objects.all()) == []
