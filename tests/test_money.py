"""Money in one format per language: the pages and the guest's messages write an amount the same way
(CLDR through Babel), and a hotel's currency is an ISO 4217 code."""

import html
import re
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.utils import translation
from django_scopes import scope, scopes_disabled

from innkeeper.booking.models import Booking
from innkeeper.core.errors import InvalidInput
from innkeeper.core.money import format_money
from innkeeper.hotels import services as hotel_services
from innkeeper.messaging.models import Message
from tests import factories
from tests.messaging_helpers import rendered

HOST = "moscow.localhost"
NBSP = "\u00a0"


@pytest.mark.parametrize("amount, currency, locale, cents, expected", [
    ("12500", "RUB", "ru", None, f"12{NBSP}500{NBSP}₽"),
    ("1250.5", "RUB", "ru", None, f"1{NBSP}250,50{NBSP}₽"),
    ("12500", "RUB", "en", None, f"RUB{NBSP}12,500"),
    ("1250.5", "EUR", "en", None, "€1,250.50"),
    ("360", "EUR", "en", None, "€360"),
    ("360", "EUR", "en", True, "€360.00"),
    ("360.50", "EUR", "ru", None, f"360,50{NBSP}€"),
    ("12500", "JPY", "en", None, "¥12,500"),
    ("12500", "JPY", "ru", None, f"12{NBSP}500{NBSP}¥"),
    ("2000.5", "GEL", "en", None, f"GEL{NBSP}2,000.50"),
    ("2000.5", "GEL", "ru", None, f"2{NBSP}000,50{NBSP}GEL"),
    ("99.9", "USD", "en-gb", None, "US$99.90"),
    ("5", "EUR", "xx", None, "€5"),  # a language CLDR does not know falls back to English
])
def test_one_format_per_language_with_cents_only_when_needed(amount, currency, locale, cents, expected):
    assert format_money(D(amount), currency, locale, cents=cents) == expected


# (currency, nightly price, the two nights' total in English and in Russian)
TOTALS = [
    ("RUB", "6250", f"RUB{NBSP}12,500", f"12{NBSP}500{NBSP}₽"),
    ("EUR", "180.25", "€360.50", f"360,50{NBSP}€"),
    ("JPY", "6250", "¥12,500", f"12{NBSP}500{NBSP}¥"),
    ("GEL", "1000.25", f"GEL{NBSP}2,000.50", f"2{NBSP}000,50{NBSP}GEL"),
]


@pytest.mark.parametrize("lang, label", [("en", "Total"), ("ru", "Итого")])
@pytest.mark.parametrize("currency, price, total_en, total_ru", TOTALS)
def test_the_total_reads_the_same_on_the_confirmation_page_and_in_the_confirmation_message(
        client, hotel, other_hotel, future, lang, label, currency, price, total_en, total_ru):
    expected = total_en if lang == "en" else total_ru
    with scopes_disabled():
        hotel.currency = currency
        hotel.save()
        other_hotel.currency = "GBP"
        other_hotel.save()
    factories.make_room_type(hotel, slug="std", name="Standard", rooms=1, base_price_nightly=D(price))
    factories.make_room_type(other_hotel, slug="std", name="Standard", rooms=1, base_price_nightly=D(price))
    query = {"mode": "nightly", "check_in": future.isoformat(),
             "check_out": (future + timedelta(days=2)).isoformat(), "guests": 1, "room_type": "std"}
    page = client.get(f"/{lang}/book/details/", query, HTTP_HOST=HOST).content.decode()
    key = re.search(r'name="request_key" value="([0-9a-f]+)"', page).group(1)
    r = client.post(f"/{lang}/book/details/", {**query, "name": "Anna Petrova", "email": "anna@example.com",
                                               "phone": "", "request_key": key}, HTTP_HOST=HOST)
    assert r.status_code == 302, r.content.decode()[:2000]
    done = client.get(r["Location"], HTTP_HOST=HOST).content.decode()

    on_page = html.unescape(re.search(rf"<dt>{label}</dt><dd>(.*?)</dd>", done).group(1))
    with scopes_disabled():
        booking = Booking.objects.get()
        assert (booking.locale, booking.currency, booking.hotel_id) == (lang, currency, hotel.pk)
        email = rendered(Message.objects.get(booking=booking, channel="EMAIL"))
    assert on_page == expected
    assert f"{label}: {expected}\n" in email.body_text
    # The other hotel's currency stays its own (the booking's random reference may spell GBP: not a price).
    assert "£" not in done and "GBP" not in email.body_text.replace(booking.reference, "")


def test_an_unknown_currency_is_refused_in_words_and_nothing_changes(hotel, other_hotel):
    with scope(hotel=hotel):
        with pytest.raises(InvalidInput) as refused:
            hotel_services.hotel_update(hotel=hotel, currency="XYZ")
        assert str(refused.value) == "XYZ is not an ISO 4217 currency code. Use one such as EUR, RUB or USD."
        with translation.override("ru"), pytest.raises(InvalidInput) as refused:
            hotel_services.hotel_update(hotel=hotel, currency="QQQ")
        assert str(refused.value) == "QQQ — не код валюты ISO 4217. Укажите, например, EUR, RUB или USD."
        hotel_services.hotel_update(hotel=hotel, currency="JPY")
    with pytest.raises(InvalidInput):
        hotel_services.hotel_create(name="New Inn", slug="new-inn", currency="ABC")
    with scopes_disabled():
        hotel.refresh_from_db()
        other_hotel.refresh_from_db()
        assert (hotel.currency, other_hotel.currency) == ("JPY", "EUR")
        assert not type(hotel).objects.filter(slug="new-inn").exists()


def panel_settings(client, lang, **changes):
    form = client.get("/panel/settings/", HTTP_ACCEPT_LANGUAGE=lang).context["form"]
    data = {f"hotel-{k}": ("" if v is None else v) for k, v in form.initial.items() if k != "theme"}
    for flag in ("prices_include_tax", "remove_logo"):
        if not data.get(f"hotel-{flag}"):
            data.pop(f"hotel-{flag}", None)
    data.update({f"hotel-{k}": v for k, v in changes.items()})
    return client.post("/panel/settings/", data, HTTP_ACCEPT_LANGUAGE=lang)


@pytest.mark.parametrize("lang, message", [
    ("en", "XYZ is not an ISO 4217 currency code. Use one such as EUR, RUB or USD."),
    ("ru", "XYZ — не код валюты ISO 4217. Укажите, например, EUR, RUB или USD."),
])
def test_the_panel_refuses_an_unknown_currency_beside_the_field(client, hotel, other_hotel, lang, message):
    factories.make_member(hotel, "OWNER", "owner@moscow.example")
    assert client.post("/panel/sign-in/", {"username": "owner@moscow.example",
                                           "password": factories.PASSWORD}).status_code == 302
    r = panel_settings(client, lang, currency="XYZ")
    assert r.status_code == 400
    error = re.search(r'<p class="error" id="id_hotel-currency_error">(.*?)</p>', r.content.decode()).group(1)
    assert html.unescape(error) == message
    assert ("Currency (ISO 4217 code, e.g. EUR)" if lang == "en" else "Валюта (код ISO 4217, например RUB)") in (
        r.content.decode())
    with scopes_disabled():
        hotel.refresh_from_db()
        assert hotel.currency == "EUR"
    assert panel_settings(client, lang, currency="GEL").status_code == 302
    with scopes_disabled():
        hotel.refresh_from_db()
        other_hotel.refresh_from_db()
        assert (hotel.currency, other_hotel.currency) == ("GEL", "EUR")
