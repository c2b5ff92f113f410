from io import StringIO

from django.core.management import call_command
from django_scopes import scopes_disabled

from innkeeper.booking.models import Booking
from innkeeper.hotels.models import (
    AddOn,
    BookingModel,
    Hotel,
    HotelDomain,
    PaymentRule,
    RateOverride,
    Room,
    RoomType,
)


def counts():
    with scopes_disabled():
        return [m.objects.count() for m in (Hotel, HotelDomain, RoomType, Room, RateOverride, AddOn)]


def test_seed_demo_creates_two_hotels_and_is_idempotent(db):
    call_command("seed_demo", "--without-bookings", stdout=StringIO())
    first = counts()
    call_command("seed_demo", "--without-bookings", stdout=StringIO())
    assert counts() == first
    with scopes_disabled():
        assert not Booking.objects.exists()  # the hotels only (the bookings: tests/test_demo_bookings.py)
        demo = Hotel.objects.get(slug="demo")
        assert (demo.booking_model, demo.time_zone, demo.currency) == (BookingModel.BOTH, "Europe/Moscow", "RUB")
        second = Hotel.objects.exclude(slug="demo").get()
        assert second.booking_model == BookingModel.DAILY and second.time_zone != demo.time_zone
        # One pays at the hotel, one when booking (tbilisi, through the fake card provider).
        assert (demo.payment_rule, second.slug, second.payment_rule) == (
            PaymentRule.AT_HOTEL, "tbilisi", PaymentRule.PREPAY)
        assert all(h.cancellation_hours and h.cancellation_fee_percent for h in (demo, second))
        for hotel in (demo, second):
            assert hotel.room_types.count() >= 3 and hotel.rooms.count() >= 10
            assert hotel.add_ons.count() >= 3 and hotel.rate_overrides.filter(price_nightly__isnull=False).exists()
            assert all(room.lock_id for room in hotel.rooms.all())
        assert {a.code for a in demo.add_ons.all()} >= {
            "early-check-in", "late-check-out", "airport-transfer", "coworking"}
        assert demo.room_types.filter(base_price_hourly__isnull=False).count() >= 2


def test_the_demo_hotel_gives_ttlock_app_keys_and_tbilisi_does_not(db):
    from innkeeper.core.models import IntegrationAccount
    from innkeeper.locks.providers import app_keys_for

    out = StringIO()
    call_command("seed_demo", "--without-bookings", stdout=out)
    call_command("seed_demo", "--without-bookings", stdout=StringIO())  # again: the same accounts, no second one
    with scopes_disabled():
        demo, tbilisi = Hotel.objects.get(slug="demo"), Hotel.objects.get(slug="tbilisi")
        accounts = {a.hotel.slug: (a.provider, a.config) for a in IntegrationAccount.objects.filter(kind="lock")}
    assert accounts == {"demo": ("simulator", {"app_keys": True, "app_keys_remote_unlock": False}),
                        "tbilisi": ("simulator", {"app_keys": False, "app_keys_remote_unlock": False})}
    assert app_keys_for(demo) is not None and app_keys_for(tbilisi) is None
    assert "TTLock app keys on" in out.getvalue() and "TTLock app keys off" in out.getvalue()
