from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from innkeeper.core.errors import InvalidInput, NotFound
from innkeeper.hotels import services
from innkeeper.hotels.models import Hotel, HotelDomain, RateOverride, Room, RoomStatus
from tests import factories


def test_hotel_create_validates_every_field_and_writes_nothing_on_error(db):
    with pytest.raises(InvalidInput) as err:
        services.hotel_create(name="Sea View", slug="sea-view", time_zone="Mars/Base")
    assert err.value.field == "time_zone"
    with pytest.raises(InvalidInput) as err:
        services.hotel_create(name="Sea View", slug="Sea View!")
    assert err.value.field == "slug"
    with pytest.raises(InvalidInput) as err:
        services.hotel_create(name="Sea View", slug="sea", hourly_min_hours=8, hourly_max_hours=4)
    assert str(err.value) == "The minimum hours must not exceed the maximum hours."
    with pytest.raises(InvalidInput) as err:
        services.hotel_create(name="Sea View", slug="sea", colour="blue")
    assert err.value.code == "unknown"
    assert Hotel.objects.count() == 0
    hotel = services.hotel_create(name="Sea View", slug="sea-view", time_zone="Asia/Tbilisi", currency="GEL")
    assert (hotel.time_zone, hotel.currency, hotel.locales) == ("Asia/Tbilisi", "GEL", ["en"])


def test_domains_are_normalised_and_belong_to_one_hotel(hotel, other_hotel):
    with scope(hotel=hotel):
        row = services.domain_add(hotel=hotel, domain="https://Hotel.Example.com:443/path", primary=True)
        assert row.domain == "hotel.example.com"
        services.domain_add(hotel=hotel, domain="www.hotel.example.com", primary=True)
        assert HotelDomain.objects.get(is_primary=True).domain == "www.hotel.example.com"
        with pytest.raises(InvalidInput):
            services.domain_add(hotel=hotel, domain="not a domain")
    with scope(hotel=other_hotel):  # a pending claim is nobody's yet: it blocks no one
        assert services.domain_add(hotel=other_hotel, domain="hotel.example.com").verified_at is None
    with scopes_disabled():
        HotelDomain.objects.filter(hotel=hotel, domain="hotel.example.com").update(verified_at=timezone.now())
    with scope(hotel=other_hotel), pytest.raises(InvalidInput) as err:
        services.domain_add(hotel=other_hotel, domain="hotel.example.com")
    assert err.value.code == "taken"


def test_room_types_and_rooms_stay_inside_their_hotel(hotel, other_hotel):
    with scope(hotel=hotel):
        std = services.room_type_create(hotel=hotel, name="Standard", slug="std", base_price_nightly=D("80"),
                                        max_occupancy=2, turnover_minutes=30)
        room = services.room_create(hotel=hotel, room_type=std, number="101", floor=1)
        with pytest.raises(InvalidInput) as err:  # a lock is bound by innkeeper.locks, from the lock account
            services.room_update(hotel=hotel, room=room, lock_id="L-1")
        assert err.value.field == "lock_id"
        with pytest.raises(InvalidInput) as err:
            services.room_create(hotel=hotel, room_type=std, number="101")
        assert err.value.field in ("number", None)
        with pytest.raises(InvalidInput) as err:
            services.room_type_create(hotel=hotel, name="Bad", slug="bad", base_price_nightly=D("-1"))
        assert err.value.field == "base_price_nightly"
        services.room_update(hotel=hotel, room=room, status=RoomStatus.MAINTENANCE)
    foreign = factories.make_room_type(other_hotel, slug="theirs")
    with scope(hotel=hotel), pytest.raises(NotFound):
        services.room_create(hotel=hotel, room_type=foreign, number="102")
    with scope(hotel=hotel), pytest.raises(NotFound):
        services.room_type_update(hotel=hotel, room_type=foreign, name="Mine now")
    with scopes_disabled():
        assert Room.objects.get(number="101").status == RoomStatus.MAINTENANCE
        assert Room.objects.filter(number="102").count() == 0


def test_rates_set_over_a_range_changes_only_what_is_given(hotel, future):
    std = factories.make_room_type(hotel, slug="std")
    with scope(hotel=hotel):
        assert services.rates_set(hotel=hotel, room_type=std, date_from=future,
                                  date_to=future + timedelta(days=6), price_nightly=D("120")) == 7
        services.rates_set(hotel=hotel, room_type=std, date_from=future + timedelta(days=5),
                           date_to=future + timedelta(days=9), closed=True)
        services.rates_set(hotel=hotel, room_type=std, date_from=future, date_to=future, price_nightly=None,
                           min_stay=2)
        rows = {r.date: r for r in RateOverride.objects.filter(room_type=std)}
        with pytest.raises(InvalidInput):
            services.rates_set(hotel=hotel, room_type=std, date_from=future, date_to=future - timedelta(days=1),
                               closed=True)
        with pytest.raises(InvalidInput):
            services.rates_set(hotel=hotel, room_type=std, date_from=future, date_to=future)
    assert len(rows) == 10
    assert (rows[future].price_nightly, rows[future].min_stay) == (None, 2)
    six = rows[future + timedelta(days=6)]
    assert (six.price_nightly, six.closed) == (D("120"), True)
    assert (rows[future + timedelta(days=9)].price_nightly, rows[future + timedelta(days=9)].closed) == (None, True)
