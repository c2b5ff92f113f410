from datetime import UTC, date, datetime, time
from decimal import Decimal as D

from innkeeper.booking import stays
from innkeeper.booking.pricing import quote
from innkeeper.hotels.models import AddOn, AddOnCharge, Hotel, RateOverride, RoomType

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def setup(tax="0", included=True):
    hotel = Hotel(time_zone="Europe/Moscow", currency="RUB", check_in_time=time(14), check_out_time=time(12),
                  max_nights=30, hourly_start_hour=0, hourly_end_hour=24, tax_rate=D(tax),
                  prices_include_tax=included)
    room_type = RoomType(hotel=hotel, name="Deluxe", base_price_nightly=D("100.00"), base_price_hourly=D("15.00"),
                         base_occupancy=2, max_occupancy=4, extra_guest_charge=D("10.00"))
    return hotel, room_type


def test_nightly_quote_uses_override_per_night_and_charges_extra_guests_per_night():
    hotel, room_type = setup()
    stay = stays.nightly(hotel, date(2026, 3, 6), date(2026, 3, 9), now=NOW)
    overrides = {date(2026, 3, 7): RateOverride(date=date(2026, 3, 7), price_nightly=D("150.00"))}
    q = quote(hotel=hotel, room_type=room_type, stay=stay, guests=3, overrides=overrides)
    assert [(line.kind, line.amount) for line in q.lines] == [
        ("night", D("100.00")), ("night", D("150.00")), ("night", D("100.00")), ("extra_guests", D("30.00"))]
    assert (q.subtotal, q.tax, q.total, q.currency) == (D("380.00"), D("0.00"), D("380.00"), "RUB")


def test_hourly_quote_uses_hourly_override_and_extra_guests_once():
    hotel, room_type = setup()
    stay = stays.hourly(hotel, datetime(2026, 3, 6, 10), 4, now=NOW)
    overrides = {date(2026, 3, 6): RateOverride(date=date(2026, 3, 6), price_hourly=D("12.50"))}
    q = quote(hotel=hotel, room_type=room_type, stay=stay, guests=4, overrides=overrides)
    assert [(line.kind, line.quantity, line.amount) for line in q.lines] == [
        ("hours", 4, D("50.00")), ("extra_guests", 2, D("20.00"))]
    assert q.total == D("70.00")


def test_add_ons_per_stay_per_night_per_guest():
    hotel, room_type = setup()
    stay = stays.nightly(hotel, date(2026, 3, 6), date(2026, 3, 8), now=NOW)
    add_ons = [AddOn(code="transfer", name="Transfer", price=D("30"), charge=AddOnCharge.PER_STAY),
               AddOn(code="cowork", name="Coworking", price=D("7.5"), charge=AddOnCharge.PER_NIGHT),
               AddOn(code="breakfast", name="Breakfast", price=D("5"), charge=AddOnCharge.PER_GUEST)]
    q = quote(hotel=hotel, room_type=room_type, stay=stay, guests=2, add_ons=add_ons)
    assert [(line.code, line.quantity, line.amount) for line in q.lines if line.kind == "add_on"] == [
        ("transfer", 1, D("30.00")), ("cowork", 2, D("15.00")), ("breakfast", 2, D("10.00"))]
    assert q.total == D("255.00")


def test_tax_added_on_top():
    hotel, room_type = setup(tax="18", included=False)
    q = quote(hotel=hotel, room_type=room_type, guests=2,
              stay=stays.nightly(hotel, date(2026, 3, 6), date(2026, 3, 7), now=NOW))
    assert (q.subtotal, q.tax, q.total, q.tax_included) == (D("100.00"), D("18.00"), D("118.00"), False)


def test_tax_included_is_extracted_and_rounded_half_up():
    hotel, room_type = setup(tax="20", included=True)
    q = quote(hotel=hotel, room_type=room_type, guests=2,
              stay=stays.nightly(hotel, date(2026, 3, 6), date(2026, 3, 7), now=NOW))
    assert (q.subtotal, q.tax, q.total) == (D("100.00"), D("16.67"), D("100.00"))


def test_quote_serialises_money_as_exact_strings():
    hotel, room_type = setup()
    q = quote(hotel=hotel, room_type=room_type, guests=1,
              stay=stays.nightly(hotel, date(2026, 3, 6), date(2026, 3, 7), now=NOW)).as_dict()
    assert q["total"] == "100.00" and q["lines"][0] == {
        "kind": "night", "label": "Night of 2026-03-06", "quantity": 1, "unit_price": "100.00",
        "amount": "100.00", "date": "2026-03-06", "code": None}
