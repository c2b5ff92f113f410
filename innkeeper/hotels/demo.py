"""Demo data: two hotels in two time zones, one selling nightly and hourly stays and paid at the hotel, one
nightly only and paid when booking.

Idempotent: running it again updates the same rows (found by slug, number, code and date) and
creates nothing twice. Rate overrides are placed relative to ``today`` so the demo always has some.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal as D

from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from innkeeper.hotels.models import (
    AddOn,
    AddOnCharge,
    BookingModel,
    Hotel,
    HotelDomain,
    PaymentRule,
    RateOverride,
    Room,
    RoomType,
)


def texts(field: str, english: str, russian: str) -> dict:
    """A text in both of the demo's languages, as its columns (hotels.translation)."""
    return {f"{field}_en": english, f"{field}_ru": russian}


HOTELS = [
    {
        "slug": "demo",
        "fields": dict(
            **texts("name", "Innkeeper Demo Hotel", "Демо-отель Innkeeper"),
            **texts("description", "A small city hotel that sells nights and hours.",
                    "Небольшой городской отель: номера на ночь и на несколько часов."),
            **texts("cancellation_policy_text", "A guest who does not arrive pays for the first night.",
                    "Если гость не приехал, оплачивается первая ночь."),
            **texts("house_rules", "Quiet hours from 23:00 to 07:00. No smoking in the rooms. Pets by arrangement.",
                    "Тихие часы с 23:00 до 07:00. В номерах не курят. Домашние животные — по договорённости."),
            time_zone="Europe/Moscow", currency="RUB", default_locale="ru", locales=["ru", "en"],
            booking_model=BookingModel.BOTH, check_in_time=time(14), check_out_time=time(12),
            hourly_min_hours=2, hourly_max_hours=12, hourly_start_hour=8, hourly_end_hour=23,
            tax_rate=D("20.00"), prices_include_tax=True, email="stay@demo.innkeeper.local",
            phone="+7 495 000-00-00", address="Tverskaya 1", city="Moscow", postal_code="125009",
            country="RU", latitude=D("55.757600"), longitude=D("37.613600"),
            theme={"primary": "#7a2e3a", "accent": "#d9a441", "font": "serif"},
            # Guests pay at the hotel; free cancellation until two days before, then half the total.
            payment_rule=PaymentRule.AT_HOTEL, cancellation_hours=48, cancellation_fee_percent=50,
        ),
        "room_types": [
            # slug, (name, description) in English and Russian, nightly, hourly, base occ, max occ, extra, override,
            # turnover, rooms, amenities
            ("standard", (("Standard Double", "Стандарт с двуспальной кроватью"),
                          ("A quiet double room with a shower, 18 m².",
                           "Тихий номер с двуспальной кроватью и душем, 18 м².")), D("5200"), D("900"), 2, 2, D("0"), "", 30,
             ["101", "102", "103", "104", "105", "106"], ["wifi", "air-conditioning", "shower"]),
            ("deluxe", (("Deluxe King", "Делюкс с кроватью king-size"),
                        ("A spacious room with a king-size bed, a bathtub and a view of the city.",
                         "Просторный номер с кроватью king-size, ванной и видом на город.")), D("7900"), D("1300"), 2, 3, D("1500"), "", 45,
             ["201", "202", "203", "204", "205"], ["wifi", "air-conditioning", "bathtub", "city-view"]),
            ("suite", (("Family Suite", "Семейный люкс"),
                       ("Two rooms for up to four guests, with a kitchenette and a sofa bed.",
                        "Две комнаты для четырёх гостей, с мини-кухней и диваном-кроватью.")), D("12500"), None, 2, 4, D("2000"), BookingModel.DAILY, 60,
             ["301", "302"], ["wifi", "kitchenette", "sofa-bed", "bathtub"]),
        ],
        "add_ons": [
            ("early-check-in", ("Early check-in (from 10:00)", "Ранний заезд (с 10:00)"), D("1500"),
             AddOnCharge.PER_STAY),
            ("late-check-out", ("Late check-out (until 16:00)", "Поздний выезд (до 16:00)"), D("1500"),
             AddOnCharge.PER_STAY),
            ("airport-transfer", ("Airport transfer", "Трансфер из аэропорта"), D("3500"), AddOnCharge.PER_STAY),
            ("coworking", ("Coworking day pass", "Дневной абонемент в коворкинг"), D("900"), AddOnCharge.PER_NIGHT),
            ("breakfast", ("Breakfast", "Завтрак"), D("800"), AddOnCharge.PER_GUEST),
        ],
    },
    {
        "slug": "tbilisi",
        "fields": dict(
            **texts("name", "Old Town Inn Tbilisi", "Гостевой дом «Старый город» в Тбилиси"),
            **texts("description", "A guesthouse in the old town, nightly stays only.",
                    "Гостевой дом в Старом городе, только посуточно."),
            **texts("cancellation_policy_text", "A guest who does not arrive pays for the first night.",
                    "Если гость не приехал, оплачивается первая ночь."),
            **texts("house_rules", "Quiet hours from 22:00 to 08:00. No smoking indoors. Please leave your shoes "
                    "at the door.", "Тихие часы с 22:00 до 08:00. В доме не курят. Пожалуйста, оставляйте обувь "
                    "у входа."),
            time_zone="Asia/Tbilisi", currency="EUR", default_locale="en", locales=["en", "ru"],
            booking_model=BookingModel.DAILY, check_in_time=time(15), check_out_time=time(11),
            tax_rate=D("18.00"), prices_include_tax=False, email="hello@tbilisi.innkeeper.local",
            phone="+995 32 200 00 00", address="Kote Afkhazi St 10", city="Tbilisi", postal_code="0105",
            country="GE", latitude=D("41.691500"), longitude=D("44.807800"),
            theme={"primary": "#1f5f5b", "accent": "#e07a3f", "font": "sans"},
            # Guests pay when booking (the fake card provider until real ones arrive); free cancellation
            # until three days before, then the whole total.
            payment_rule=PaymentRule.PREPAY, cancellation_hours=72, cancellation_fee_percent=100,
        ),
        "room_types": [
            ("single", (("Cosy Single", "Уютный одноместный"),
                        ("A small, warm room for one, with a desk.",
                         "Небольшой тёплый номер для одного гостя, с рабочим столом.")), D("45"), None, 1, 1, D("0"), "", 0,
             ["1", "2", "3"], ["wifi", "heating"]),
            ("double", (("Balcony Double", "Двухместный с балконом"),
                        ("A double room with a balcony over the old town.",
                         "Двухместный номер с балконом с видом на Старый город.")), D("70"), None, 2, 3, D("15"), "", 0,
             ["4", "5", "6", "7"], ["wifi", "balcony", "heating"]),
            ("loft", (("Loft Apartment", "Апартаменты-лофт"),
                      ("An apartment under the roof for up to five, with a kitchen and a washing machine.",
                       "Апартаменты под крышей до пяти гостей, с кухней и стиральной машиной.")), D("120"), None, 2, 5, D("20"), "", 0,
             ["8", "9", "10"], ["wifi", "kitchen", "washing-machine"]),
        ],
        "add_ons": [
            ("airport-transfer", ("Airport transfer", "Трансфер из аэропорта"), D("25"), AddOnCharge.PER_STAY),
            ("breakfast", ("Georgian breakfast", "Грузинский завтрак"), D("8"), AddOnCharge.PER_GUEST),
            ("late-check-out", ("Late check-out (until 15:00)", "Поздний выезд (до 15:00)"), D("15"),
             AddOnCharge.PER_STAY),
        ],
    },
]


def _next_weekday(today: date, weekday: int) -> date:
    return today + timedelta(days=(weekday - today.weekday()) % 7 or 7)


@scopes_disabled()
@transaction.atomic
def seed(today: date) -> list[Hotel]:
    hotels = []
    for spec in HOTELS:
        hotel, _ = Hotel.objects.update_or_create(slug=spec["slug"], defaults=spec["fields"])
        # <slug>.localhost is the hotel's own name: it needs no DNS proof, so it is verified at once.
        HotelDomain.objects.update_or_create(domain=f"{hotel.slug}.localhost", defaults={
            "hotel": hotel, "is_primary": True, "verified_at": timezone.now()})
        for order, (slug, (name, description), nightly, hourly, base, most, extra, override, turnover, numbers,
                    amenities) in enumerate(spec["room_types"]):
            room_type, _ = RoomType.objects.update_or_create(hotel=hotel, slug=slug, defaults=dict(
                **texts("name", *name), **texts("description", *description), base_price_nightly=nightly, base_price_hourly=hourly, base_occupancy=base,
                max_occupancy=most, extra_guest_charge=extra, booking_model_override=override,
                turnover_minutes=turnover, amenities=amenities, sort_order=order, is_active=True))
            for number in numbers:
                # Their locks come from the hotel's lock account (seed_demo binds them afterwards).
                Room.objects.update_or_create(hotel=hotel, number=number, defaults=dict(
                    room_type=room_type, floor=int(number[0]) if len(number) == 3 else 1))
            # Weekends cost more; one date is closed for maintenance; New Year needs 3 nights.
            friday = _next_weekday(today, 4)
            for day, price in ((friday, nightly * D("1.25")), (friday + timedelta(days=1), nightly * D("1.25"))):
                RateOverride.objects.update_or_create(hotel=hotel, room_type=room_type, date=day,
                                                      defaults={"price_nightly": price.quantize(D("1"))})
            if order == len(spec["room_types"]) - 1:
                RateOverride.objects.update_or_create(hotel=hotel, room_type=room_type,
                                                      date=_next_weekday(today, 2) + timedelta(days=14),
                                                      defaults={"closed": True})
            new_year = date(today.year if today < date(today.year, 12, 31) else today.year + 1, 12, 31)
            RateOverride.objects.update_or_create(hotel=hotel, room_type=room_type, date=new_year,
                                                  defaults={"min_stay": 3, "price_nightly": nightly * 2})
        for order, (code, name, price, charge) in enumerate(spec["add_ons"]):
            AddOn.objects.update_or_create(hotel=hotel, code=code, defaults=dict(
                **texts("name", *name), price=price, charge=charge, sort_order=order, is_active=True))
        hotels.append(hotel)
    return hotels
