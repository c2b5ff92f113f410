"""A guest reads the hotel's own texts in the site's language, in a real browser: Russian on /ru/ where the
hotel gave it (as the demo hotels do), English on /."""

from django_scopes import scopes_disabled

from innkeeper.hotels.models import Hotel
from tests import factories


def test_a_guest_reads_room_types_in_russian_on_ru_and_in_english_on_the_default_site(page, hotel, other_hotel):
    with scopes_disabled():
        Hotel.objects.filter(pk=hotel.pk).update(default_locale="en", locales=["en", "ru"],
                                                 name_ru="Московская гостиница")
    factories.make_room_type(hotel, slug="deluxe", rooms=1, name_en="Deluxe King",
                             name_ru="Делюкс с кроватью king-size",
                             description_en="A spacious room with a bathtub and a view of the city.",
                             description_ru="Просторный номер с ванной и видом на город.")
    factories.make_room_type(other_hotel, slug="deluxe", rooms=1, name_en="Their Deluxe", name_ru="Их делюкс")
    base = f"http://moscow.localhost:{page.port}"

    page.goto(f"{base}/ru/rooms/")
    card = page.locator("article.room")
    assert card.get_by_role("heading").inner_text() == "Делюкс с кроватью king-size"
    assert "Просторный номер с ванной и видом на город." in card.inner_text()
    assert page.get_by_role("heading", level=1).count() == 1 and "Московская гостиница" in page.title()
    card.get_by_role("link", name="Делюкс с кроватью king-size").click()
    page.get_by_role("heading", level=1, name="Делюкс с кроватью king-size").wait_for()
    assert "Их делюкс" not in page.content() and "Deluxe King" not in page.content()

    page.context.clear_cookies()  # the site remembers a language chosen; a new guest asks for none
    page.goto(f"{base}/")
    assert page.url == f"{base}/en/"
    card = page.locator("article.room")
    assert card.get_by_role("heading").inner_text() == "Deluxe King"
    assert "A spacious room with a bathtub and a view of the city." in card.inner_text()
    assert "Делюкс" not in page.content() and "Moscow Inn" in page.title()


def test_a_russian_guest_reads_dates_and_prices_as_russian_writes_them(page, hotel, other_hotel, future):
    from datetime import timedelta
    from decimal import Decimal

    from innkeeper.core import dates
    from innkeeper.core.money import format_money

    with scopes_disabled():
        Hotel.objects.filter(pk=hotel.pk).update(default_locale="en", locales=["en", "ru"], currency="RUB")
    factories.make_room_type(hotel, slug="deluxe", rooms=1, name_en="Deluxe", name_ru="Делюкс",
                             base_price_nightly=Decimal("12500"))
    factories.make_room_type(other_hotel, slug="deluxe", rooms=1, name_en="Their Deluxe", name_ru="Их делюкс")
    out = future + timedelta(days=2)
    page.goto(f"http://moscow.localhost:{page.port}/ru/book/?mode=nightly&check_in={future.isoformat()}"
              f"&check_out={out.isoformat()}&guests=2")
    heading = page.locator("#results-title").inner_text()
    assert dates.format_day(future, "ru") in heading and dates.format_day(out, "ru") in heading
    assert future.isoformat() not in heading and "г." in heading  # "вт, 5 янв. 2027 г.", never 2027-01-05
    assert format_money(Decimal("25000"), "RUB", "ru") in page.locator("main").inner_text()  # two nights
    assert "Их делюкс" not in page.content()
