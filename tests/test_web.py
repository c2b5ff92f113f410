"""The hotel website through HTTP: routing by host, languages, SEO tags, booking, manage booking."""

import json
import re
from datetime import timedelta
from decimal import Decimal as D
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django_scopes import scope, scopes_disabled

from innkeeper.booking.models import Booking
from innkeeper.booking.states import Status
from innkeeper.hotels.models import HotelDomain
from tests import factories

HOST = "moscow.localhost"


@pytest.fixture
def site(hotel):
    hotel.description = "A quiet hotel by the river."
    hotel.city, hotel.country, hotel.address = "Moscow", "RU", "Tverskaya 1"
    hotel.latitude, hotel.longitude = D("55.7576"), D("37.6136")
    hotel.theme = {"primary": "#123456", "font": "serif"}
    hotel.save()
    std = factories.make_room_type(hotel, slug="std", name="Standard", rooms=1)
    lux = factories.make_room_type(hotel, slug="lux", name="Deluxe", rooms=2, base_price_nightly=D("180"))
    return hotel, std, lux


def get(client, path, host=HOST, **headers):
    return client.get(path, HTTP_HOST=host, **headers)


def post(client, path, data, host=HOST):
    return client.post(path, data, HTTP_HOST=host)


def text(response) -> str:
    return response.content.decode()


def nightly_query(day, nights=2, guests=2, **extra):
    return {"mode": "nightly", "check_in": day.isoformat(), "check_out": (day + timedelta(days=nights)).isoformat(),
            "guests": guests, **extra}


# Routing -------------------------------------------------------------------------------------------

def test_each_host_gets_its_own_hotel(client, site, other_hotel):
    assert "Moscow Inn" in text(get(client, "/en/"))
    page = text(get(client, "/en/", host="other.localhost"))
    assert "Other Inn" in page and "Moscow Inn" not in page


def test_custom_domains_route_to_their_hotel(client, site):
    hotel = site[0]
    with scopes_disabled():
        HotelDomain.objects.create(hotel=hotel, domain="www.moscow-inn.example", is_primary=True)
    r = get(client, "/en/", host="www.moscow-inn.example")
    assert r.status_code == 200 and "Moscow Inn" in text(r)
    # the *.localhost alias names the primary domain as canonical
    assert '<link rel="canonical" href="http://www.moscow-inn.example/en/">' in text(get(client, "/en/"))


def test_unknown_and_inactive_hosts_get_a_404_not_another_hotel(client, site):
    r = get(client, "/", host="nobody.localhost")
    assert r.status_code == 404 and "No hotel here" in text(r) and "Moscow Inn" not in text(r)
    hotel = site[0]
    hotel.is_active = False
    hotel.save()
    assert get(client, "/en/").status_code == 404


def test_the_platform_host_lists_hotels_with_links_to_their_sites(client, site):
    r = client.get("/", HTTP_HOST="localhost:8000")
    assert r.status_code == 200 and 'href="http://moscow.localhost:8000/"' in text(r)


# Languages -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("accept, cookie, default, expected", [
    ("ru-RU,ru;q=0.9,en;q=0.5", None, "en", "/ru/"),
    ("de-DE,de;q=0.9", None, "ru", "/ru/"),
    ("de-DE,de;q=0.9", None, "en", "/en/"),
    ("ru", "en", "ru", "/en/"),
])
def test_first_visit_picks_a_language(client, site, accept, cookie, default, expected):
    hotel = site[0]
    hotel.default_locale = default
    hotel.save()
    if cookie:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = cookie
    r = get(client, "/", HTTP_ACCEPT_LANGUAGE=accept)
    assert (r.status_code, r["Location"]) == (302, expected)


def test_the_chosen_language_is_remembered_and_the_switcher_keeps_the_page(client, site):
    r = get(client, "/ru/rooms/")
    assert r.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ru"
    assert '<html lang="ru">' in text(r) and "Номера и цены" in text(r)
    assert 'href="/en/rooms/" hreflang="en"' in text(r)
    assert get(client, "/", HTTP_ACCEPT_LANGUAGE="en")["Location"] == "/ru/"


# SEO -----------------------------------------------------------------------------------------------

def jsonld(page: str) -> dict:
    return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))


def test_home_has_title_description_canonical_hreflang_og_and_hotel_jsonld(client, site):
    page = text(get(client, "/en/"))
    assert "<title>Moscow Inn, Moscow</title>" in page
    assert '<meta name="description" content="A quiet hotel by the river.">' in page
    assert '<link rel="canonical" href="http://moscow.localhost/en/">' in page
    for lang in ("en", "ru"):
        assert f'<link rel="alternate" hreflang="{lang}" href="http://moscow.localhost/{lang}/">' in page
    assert 'hreflang="x-default" href="http://moscow.localhost/en/"' in page
    assert '<meta property="og:url" content="http://moscow.localhost/en/">' in page
    data = jsonld(page)
    assert (data["@type"], data["checkinTime"], data["checkoutTime"]) == ("Hotel", "14:00", "12:00")
    assert data["geo"] == {"@type": "GeoCoordinates", "latitude": 55.7576, "longitude": 37.6136}
    assert data["address"]["addressLocality"] == "Moscow" and data["priceRange"]


def test_room_page_has_hotelroom_and_offer(client, site):
    page = text(get(client, "/en/rooms/lux/"))
    data = jsonld(page)
    assert (data["@type"], data["name"], data["offers"]["price"], data["offers"]["priceCurrency"]) == (
        "HotelRoom", "Deluxe", "180.00", "EUR")
    assert get(client, "/en/rooms/nope/").status_code == 404


def test_sitemap_and_robots_are_per_hotel(client, site):
    sitemap = text(get(client, "/sitemap.xml"))
    assert "<loc>http://moscow.localhost/en/rooms/lux/</loc>" in sitemap
    assert 'hreflang="ru" href="http://moscow.localhost/ru/rooms/lux/"' in sitemap
    robots = text(get(client, "/robots.txt"))
    assert "Sitemap: http://moscow.localhost/sitemap.xml" in robots


def test_theme_sets_css_properties_and_refuses_anything_else(client, site):
    assert ":root{--primary:#123456;--font:Georgia" in text(get(client, "/en/"))
    hotel = site[0]
    hotel.theme = {"primary": "red;}</style><script>alert(1)</script>", "font": "x"}
    hotel.save()
    page = text(get(client, "/en/"))
    assert "alert(1)" not in page and "--primary" not in page.split("<style>")[1].split("</style>")[0]


# Booking -------------------------------------------------------------------------------------------

def test_search_shows_every_room_with_its_full_price(client, site, future):
    page = text(get(client, "/en/book/", data=nightly_query(future)))
    assert "Standard" in page and "Deluxe" in page and "€360" in page and "€200" in page


@pytest.mark.parametrize("query, message", [
    (lambda d: nightly_query(d - timedelta(days=60)), "The check-in date is in the past."),
    (lambda d: nightly_query(d, nights=0), "The check-out date must be after the check-in date."),
    (lambda d: {"mode": "hourly", "date": d.isoformat(), "start_time": 21, "hours": 3, "guests": 1},
     "Hourly stays must start at 08:00 or later and end by 22:00."),
    (lambda d: {"mode": "nightly", "check_in": d.isoformat(), "guests": 1}, "This field is required."),
    (lambda d: nightly_query(d + timedelta(days=800)), "Bookings can be made at most 730 days ahead."),
    (lambda d: {"mode": "hourly", "date": "9999-12-31", "start_time": 21, "hours": 3, "guests": 1},
     "Bookings can be made at most 730 days ahead."),
])
def test_search_errors_are_shown_beside_the_field(client, site, future, query, message):
    page = text(get(client, "/en/book/", data=query(future)))
    assert message in page and 'aria-invalid="true"' in page and 'class="error"' in page


def test_errors_are_in_the_pages_language(client, site, future):
    page = text(get(client, "/ru/book/", data=nightly_query(future - timedelta(days=60))))
    assert "Дата заезда уже прошла." in page


def details_form(client, query):
    page = text(get(client, "/en/book/details/", data=query))
    key = re.search(r'name="request_key" value="([0-9a-f]+)"', page).group(1)
    return {**query, "name": "Anna Petrova", "email": "anna@example.com", "phone": "", "request_key": key}


def test_nightly_booking_from_search_to_confirmation(client, site, future):
    form = details_form(client, nightly_query(future, room_type="lux"))
    r = post(client, "/en/book/details/", form)
    assert r.status_code == 302 and "/en/book/done/" in r["Location"]
    done = text(get(client, r["Location"]))
    with scopes_disabled():
        booking = Booking.objects.get()
    assert booking.reference in done and "Your booking is confirmed" in done
    assert (booking.status, booking.room_type.slug, booking.total, booking.locale, booking.source) == (
        Status.CONFIRMED, "lux", D("360.00"), "en", "DIRECT")


def test_double_submit_makes_one_booking(client, site, future):
    form = details_form(client, nightly_query(future, room_type="lux"))
    first, second = post(client, "/en/book/details/", form), post(client, "/en/book/details/", form)
    # the same booking in both (the token's signature carries its own timestamp, so compare the payload)
    assert first["Location"].split(":")[0] == second["Location"].split(":")[0]
    with scopes_disabled():
        assert Booking.objects.count() == 1


def test_a_form_sent_back_with_other_details_after_booking_asks_before_booking_again(client, site, future):
    form = details_form(client, nightly_query(future, room_type="lux"))
    post(client, "/en/book/details/", form)
    changed = post(client, "/en/book/details/", {**form, "email": "boris@example.com"})
    page = text(changed)
    assert changed.status_code == 200 and "This form was already used for a booking with other details" in page
    new_key = re.search(r'name="request_key" value="([0-9a-f]+)"', page).group(1)
    assert new_key != form["request_key"] and 'value="boris@example.com"' in page
    again = post(client, "/en/book/details/", {**form, "email": "boris@example.com", "request_key": new_key})
    assert again.status_code == 302
    with scopes_disabled():
        assert sorted(Booking.objects.values_list("guest_email", flat=True)) == ["anna@example.com",
                                                                               "boris@example.com"]


def test_pages_are_compressed_for_browsers_that_accept_it(client, site):
    import gzip
    r = get(client, "/en/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert r["Content-Encoding"] == "gzip" and "Accept-Encoding" in r["Vary"]
    assert "Moscow Inn" in gzip.decompress(r.content).decode()


def test_amenities_are_named_in_the_pages_language(client, site):
    hotel, std, _lux = site
    std.amenities = ["wifi", "sofa-bed", "rooftop piano"]
    std.save()
    assert "Wi-Fi, sofa bed, rooftop piano" in text(get(client, "/en/rooms/std/"))
    assert "Wi-Fi, диван-кровать, rooftop piano" in text(get(client, "/ru/rooms/std/"))


def test_a_price_breakdown_with_cents_shows_cents_on_every_line(client, site, future):
    hotel, std, _lux = site
    hotel.tax_rate, hotel.prices_include_tax = D("7"), True
    hotel.save()
    page = text(get(client, "/en/book/", data=nightly_query(future, nights=2)))
    table = page[page.index("Standard"):]
    table = table[table.index("<table"):table.index("</table>")]
    assert "€100.00" in table and "€200.00" in table and "€13.08" in table  # 200 - 200/1.07


def test_sold_out_between_search_and_submit_says_so_and_shows_what_is_free(client, site, book, future):
    hotel, std, _lux = site
    form = details_form(client, nightly_query(future, room_type="std"))
    book(hotel, std, future, future + timedelta(days=2))  # someone else takes the last Standard
    r = post(client, "/en/book/details/", form)
    page = text(r)
    assert r.status_code == 409
    assert "the last Standard for these dates was just booked" in page and "Book Deluxe" in page
    with scopes_disabled():
        assert Booking.objects.count() == 1


def test_guest_details_are_checked_and_nothing_is_booked(client, site, future):
    form = {**details_form(client, nightly_query(future, room_type="lux")), "email": "not-an-email"}
    r = post(client, "/en/book/details/", form)
    assert r.status_code == 200 and "Enter a valid email address." in text(r)
    with scopes_disabled():
        assert Booking.objects.count() == 0


def test_payment_step_when_the_hotel_requires_it(client, site, future):
    hotel = site[0]
    hotel.payment_required = True
    hotel.save()
    r = post(client, "/en/book/details/", details_form(client, nightly_query(future, room_type="lux")))
    assert "/en/book/pay/" in r["Location"]
    with scopes_disabled():
        booking = Booking.objects.get()
    assert booking.status == Status.HOLD
    declined = post(client, r["Location"], {"card_number": "4000 0000 0000 0002", "card_name": "Anna"})
    assert "The card was declined" in text(declined)
    booking.refresh_from_db()
    assert booking.status == Status.HOLD
    paid = post(client, r["Location"], {"card_number": "4242 4242 4242 4242", "card_name": "Anna"})
    assert "/en/book/done/" in paid["Location"]
    booking.refresh_from_db()
    assert booking.status == Status.CONFIRMED


def test_forged_booking_tokens_are_404(client, site):
    assert get(client, "/en/book/done/not-a-token/").status_code == 404
    assert get(client, "/en/manage/not-a-token/").status_code == 404


# Manage booking ------------------------------------------------------------------------------------

def test_manage_finds_the_booking_and_cancels_it(client, site, book, future):
    hotel, std, _lux = site
    booking = book(hotel, std, future, future + timedelta(days=1), email="anna@example.com")
    wrong = post(client, "/en/manage/", {"reference": booking.reference, "email": "eve@example.com"})
    assert "We could not find a booking" in text(wrong) and "Anna" not in text(wrong)
    r = post(client, "/en/manage/", {"reference": booking.reference.lower(), "email": "ANNA@example.com"})
    detail = get(client, r["Location"])
    assert booking.reference in text(detail) and "Cancel booking" in text(detail)
    confirm = get(client, r["Location"] + "cancel/")
    assert "Yes, cancel this booking" in text(confirm)
    done = post(client, r["Location"] + "cancel/", {})
    assert "Your booking has been cancelled." in text(get(client, done["Location"]))
    booking.refresh_from_db()
    assert booking.status == Status.CANCELLED


def test_manage_does_not_show_another_hotels_booking(client, site, other_hotel, book, future):
    theirs = book(other_hotel, factories.make_room_type(other_hotel, rooms=1), future, future + timedelta(days=1),
                  email="anna@example.com")
    r = post(client, "/en/manage/", {"reference": theirs.reference, "email": "anna@example.com"})
    assert r.status_code == 200 and "We could not find a booking" in text(r)


def test_late_cancellation_is_refused_with_a_way_forward(client, site, book, future, now):
    hotel, std, _lux = site
    hotel.cancellation_hours = 24 * 60
    hotel.save()
    booking = book(hotel, std, future, future + timedelta(days=1), email="anna@example.com")
    r = post(client, "/en/manage/", {"reference": booking.reference, "email": "anna@example.com"})
    page = text(get(client, r["Location"]))
    assert "can no longer be cancelled online" in page and "Cancel booking" not in page
    post(client, r["Location"] + "cancel/", {})
    booking.refresh_from_db()
    assert booking.status == Status.CONFIRMED


# Translations --------------------------------------------------------------------------------------

def test_russian_catalogue_is_complete_and_compiled():
    po_path = Path(settings.BASE_DIR) / "locale" / "ru" / "LC_MESSAGES" / "django.po"
    po = polib.pofile(str(po_path))
    assert po.untranslated_entries() == [] and po.fuzzy_entries() == []
    mo = {e.msgid: (e.msgstr or e.msgstr_plural) for e in polib.mofile(str(po_path.with_suffix(".mo")))}
    assert {e.msgid: (e.msgstr or e.msgstr_plural) for e in po.translated_entries()} == mo, \
        "django.mo is stale: run bin/messages compile"
