"""The hotel website through HTTP: routing by host, languages, SEO tags, booking, manage booking."""

import hashlib
import html
import json
import re
import struct
import threading
import time
import zlib
from datetime import timedelta
from decimal import Decimal as D
from pathlib import Path
from urllib.parse import parse_qsl

import polib
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.utils import timezone, translation
from django_scopes import scopes_disabled

from innkeeper.booking.models import Booking
from innkeeper.booking.states import Status
from innkeeper.core import dates
from innkeeper.hotels import theme
from innkeeper.hotels.models import HotelDomain, HotelLogo, PaymentRule
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
        HotelDomain.objects.create(hotel=hotel, domain="www.moscow-inn.example", is_primary=True,
                                   verified_at=timezone.now())
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

def theme_style(page: str) -> str:
    return re.search(r'<style nonce="[^"]+">(.*?)</style>', page, re.S).group(1)


def jsonld(page: str) -> dict:
    block = re.search(r'<script type="application/ld\+json" nonce="[^"]+">(.*?)</script>', page, re.S)
    return json.loads(block.group(1))


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


def test_an_hourly_only_room_offers_its_hourly_price(client, site):
    hotel = site[0]
    factories.make_room_type(hotel, slug="day-room", name="Day room", booking_model_override="HOURLY",
                             base_price_hourly=D("25"), base_price_nightly=D("0"))
    offer = jsonld(text(get(client, "/en/rooms/day-room/")))["offers"]
    assert (offer["price"], offer["unitCode"]) == ("25.00", "HUR")
    offer = jsonld(text(get(client, "/en/rooms/lux/")))["offers"]
    assert (offer["price"], offer["unitCode"]) == ("180.00", "DAY")


def test_sitemap_and_robots_are_per_hotel(client, site, other_hotel):
    sitemap = text(get(client, "/sitemap.xml"))
    assert "<loc>http://moscow.localhost/en/rooms/lux/</loc>" in sitemap
    assert 'hreflang="ru" href="http://moscow.localhost/ru/rooms/lux/"' in sitemap
    robots = text(get(client, "/robots.txt"))
    assert "Sitemap: http://moscow.localhost/sitemap.xml" in robots
    factories.make_room_type(other_hotel, slug="penthouse", name="Penthouse", rooms=1)
    other = text(get(client, "/sitemap.xml", host="other.localhost"))
    assert "<loc>http://other.localhost/en/rooms/penthouse/</loc>" in other and "/rooms/lux/" not in other
    assert "penthouse" not in text(get(client, "/sitemap.xml"))
    # with a primary domain, the sitemap's addresses are the canonical ones, whatever host was asked
    with scopes_disabled():
        HotelDomain.objects.create(hotel=site[0], domain="www.moscow-inn.example", is_primary=True,
                                   verified_at=timezone.now())
    sitemap = text(get(client, "/sitemap.xml"))
    locs = re.findall(r"<loc>(.*?)</loc>", sitemap)
    assert locs and all(loc.startswith("http://www.moscow-inn.example/") for loc in locs)
    assert "http://www.moscow-inn.example/ru/rooms/lux/" in locs and "moscow.localhost" not in sitemap
    assert "Sitemap: http://www.moscow-inn.example/sitemap.xml" in text(get(client, "/robots.txt"))
    assert '<link rel="canonical" href="http://www.moscow-inn.example/en/rooms/lux/">' in text(
        get(client, "/en/rooms/lux/"))


def test_theme_sets_css_properties_and_refuses_anything_else(client, site):
    assert ":root{--primary:#123456;--font:Georgia" in text(get(client, "/en/"))
    hotel = site[0]
    hotel.theme = {"primary": "red;}</style><script>alert(1)</script>", "font": "x"}
    hotel.save()
    page = text(get(client, "/en/"))
    assert "alert(1)" not in page and "--primary" not in theme_style(page)


def png(width: int, height: int, padding: int = 0) -> bytes:
    """A real PNG of width x height grey pixels; ``padding`` bytes of a private chunk make it bigger."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    rows = b"".join(b"\x00" + b"\x80\x80\x80" * width for _ in range(height))
    extra = chunk(b"ruBY", b"\x00" * padding) if padding else b""
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) + extra
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def panel_settings(client, hotel, **changes):
    """The owner sends the panel's settings form with ``changes`` (files as SimpleUploadedFile)."""
    form = client.get("/panel/settings/").context["form"]
    data = {f"hotel-{k}": ("" if v is None else v) for k, v in form.initial.items() if k != "theme"}
    for flag in ("prices_include_tax", "remove_logo"):
        if not data.get(f"hotel-{flag}"):
            data.pop(f"hotel-{flag}", None)
    data.update({f"hotel-{k}": v for k, v in changes.items()})
    return client.post("/panel/settings/", data)


def test_the_owner_sets_accent_font_and_logo_in_the_panel_and_the_site_shows_them(client, site, other_hotel):
    hotel = site[0]
    factories.make_member(hotel, "OWNER", "owner@moscow.example")
    assert client.post("/panel/sign-in/", {"username": "owner@moscow.example",
                                           "password": factories.PASSWORD}).status_code == 302
    image = png(120, 40)
    r = panel_settings(client, hotel, accent_colour="#BB2200", font="rounded",
                       logo=SimpleUploadedFile("logo.png", image, content_type="image/png"))
    assert r.status_code == 302, text(r)[:2000]
    page = text(get(client, "/en/"))
    style = theme_style(page)
    assert "--accent:#bb2200" in style and '--font:"Trebuchet MS"' in style
    digest = hashlib.sha256(image).hexdigest()[:16]
    header = page[page.index('<header'):page.index('</header>')]
    assert f'<img src="/logo/{digest}.png" width="120" height="40" alt="Moscow Inn">' in header
    logo = get(client, f"/logo/{digest}.png")
    assert (logo.status_code, logo["Content-Type"], logo.content) == (200, "image/png", image)
    assert logo["Cache-Control"] == "public, max-age=31536000, immutable" and "sandbox" in logo[
        "Content-Security-Policy"] and logo["X-Content-Type-Options"] == "nosniff"
    assert get(client, f"/logo/{digest}.png", host="other.localhost").status_code == 404
    assert get(client, "/logo/0000000000000000.png").status_code == 404

    r = panel_settings(client, hotel, remove_logo="on")
    assert r.status_code == 302
    page = text(get(client, "/en/"))
    assert "<img" not in page[page.index('<header'):page.index('</header>')]
    assert get(client, f"/logo/{digest}.png").status_code == 404


@pytest.mark.parametrize("name, content, message", [
    ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>',
     "The logo must be a PNG or WebP image (SVG and other formats are not accepted)."),
    ("logo.png", png(10, 10, padding=200 * 1024), "This file is too large: the logo may be at most 200 KB."),
    ("logo.png", b"\x89PNG\r\n\x1a\n not really", "The logo must be a PNG or WebP image"),
])
def test_a_bad_logo_is_refused_beside_the_field_and_nothing_changes(client, site, name, content, message):
    hotel = site[0]
    factories.make_member(hotel, "OWNER", "owner@moscow.example")
    client.post("/panel/sign-in/", {"username": "owner@moscow.example", "password": factories.PASSWORD})
    r = panel_settings(client, hotel, accent_colour="#bb2200",
                       logo=SimpleUploadedFile(name, content, content_type="image/png"))
    assert r.status_code == 400
    error = re.search(r'<p class="error" id="id_hotel-logo_error">(.*?)</p>', text(r)).group(1)
    assert html.unescape(error).startswith(message)
    with scopes_disabled():
        hotel.refresh_from_db()
        assert "accent" not in hotel.theme and "logo" not in hotel.theme and not HotelLogo.objects.exists()


def test_a_webp_logo_gets_its_size_from_its_header():
    lossless = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f" + ((99) | (29 << 14)).to_bytes(4, "little") + b"\x00" * 9
    extended = b"RIFF\x1a\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x10\x00\x00\x00" + (319).to_bytes(3, "little") \
        + (79).to_bytes(3, "little") + b"\x00" * 4
    assert theme.logo_inspect(lossless) == theme.LogoImage("image/webp", 100, 30)
    assert theme.logo_inspect(extended) == theme.LogoImage("image/webp", 320, 80)
    assert theme.logo_inspect(png(7, 3)) == theme.LogoImage("image/png", 7, 3)


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


def field_error(page: str, name: str) -> str:
    """The error a screen reader announces for the input named ``name``: the element its
    aria-describedby points at (the input must also say aria-invalid)."""
    tag = re.search(rf'<(?:input|select)[^>]*\bname="{name}"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in tag, tag
    described = re.search(r'aria-describedby="([^"]+)"', tag).group(1)
    return html.unescape(re.search(rf'<p class="error" id="{described}">(.*?)</p>', page, re.S).group(1))


def invalid_inputs(page: str) -> list[str]:
    return re.findall(r'<(?:input|select)[^>]*\bname="(\w+)"[^>]*aria-invalid="true"', page)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_closed_dates_are_explained_beside_check_in_in_the_pages_language(client, site, future, lang):
    _hotel, std, lux = site
    closed = future + timedelta(days=1)
    for room_type in (std, lux):
        factories.make_override(room_type, closed, closed=True)
    page = text(get(client, f"/{lang}/book/", data=nightly_query(future, nights=3)))
    day = dates.format_day(closed, lang)
    expected = {"en": f"Deluxe cannot be booked on {day}. Standard cannot be booked on {day}.",
                "ru": f"«Deluxe» нельзя забронировать на {day}. «Standard» нельзя забронировать на {day}."}[lang]
    assert field_error(page, "check_in") == expected
    assert closed.isoformat() not in expected and invalid_inputs(page) == ["check_in"]
    assert (day in "".join(re.findall(r'class="facts">(.*?)</p>', page)))  # each result says it too


def test_a_closed_date_of_an_hourly_search_is_explained_beside_the_date(client, site, future):
    _hotel, std, lux = site
    for room_type in (std, lux):
        factories.make_override(room_type, future, closed=True)
    page = text(get(client, "/en/book/", data={"mode": "hourly", "date": future.isoformat(), "start_time": 10,
                                               "hours": 3, "guests": 1}))
    day = dates.format_day(future, "en")
    assert field_error(page, "date") == f"Deluxe cannot be booked on {day}. Standard cannot be booked on {day}."
    assert invalid_inputs(page) == ["date"]


def test_a_rule_only_some_room_types_break_stays_on_their_results(client, site, future):
    _hotel, std, _lux = site
    factories.make_override(std, future, closed=True)
    page = text(get(client, "/en/book/", data=nightly_query(future)))
    assert invalid_inputs(page) == [] and "Standard cannot be booked on" in page and "Book Deluxe" in page


def test_a_minimum_stay_is_explained_beside_check_out(client, site, future):
    _hotel, std, lux = site
    for room_type in (std, lux):
        factories.make_override(room_type, future, min_stay=3)
    page = text(get(client, "/ru/book/", data=nightly_query(future, nights=2)))
    day = dates.format_day(future, "ru")
    assert field_error(page, "check_out") == f"При заезде {day} минимальный срок проживания — 3 ночи."


def test_hours_no_room_type_sells_are_explained_beside_hours(client, site, future):
    _hotel, std, lux = site
    for room_type in (std, lux):
        room_type.max_hours_override = 4
        room_type.save()
    query = {"mode": "hourly", "date": future.isoformat(), "start_time": 10, "hours": 4, "guests": 1}
    assert invalid_inputs(text(get(client, "/en/book/", data=query))) == []
    page = text(get(client, "/en/book/", data={**query, "hours": 2}))
    assert invalid_inputs(page) == []
    std.max_hours_override, std.min_hours_override = 12, 6
    std.save()
    page = text(get(client, "/en/book/", data={**query, "hours": 5}))
    assert field_error(page, "hours") == "Deluxe is sold for 2 to 4 hours. Standard is sold for 6 to 12 hours."


@pytest.mark.parametrize("lang, query, name, message", [
    ("en", {"guests": 9}, "guests", "This hotel takes at most 3 guests per room."),
    ("ru", {"guests": 9}, "guests", "В этом отеле в одном номере могут жить не более 3 гостей."),
    ("en", {"guests": 0}, "guests", "At least one guest is needed."),
    ("en", {"mode": "hourly", "start_time": 10, "hours": 13}, "hours", "Stays are 2 to 12 hours."),
    ("ru", {"mode": "hourly", "start_time": 10, "hours": 1}, "hours", "Можно забронировать от 2 до 12 часов."),
    ("en", {"mode": "hourly", "start_time": 23, "hours": 3}, "start_time",
     "Hourly stays start between 08:00 and 21:00."),
])
def test_values_outside_the_drop_downs_say_what_the_limits_are(client, site, future, lang, query, name, message):
    base = {"mode": "nightly", "check_in": future.isoformat(), "check_out": (future + timedelta(days=1)).isoformat(),
            "date": future.isoformat(), "guests": 1}
    page = text(get(client, f"/{lang}/book/", data={**base, **query}))
    assert field_error(page, name) == message and "Select a valid choice" not in page
    assert invalid_inputs(page) == [name]


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


def test_dates_closed_between_search_and_submit_give_the_rule_not_sold_out(client, site, future):
    _hotel, std, _lux = site
    form = details_form(client, nightly_query(future, room_type="std"))
    factories.make_override(std, future + timedelta(days=1), closed=True)  # staff close a night meanwhile
    r = post(client, "/en/book/details/", form)
    page = text(r)
    alert = page[page.index('role="alert"'):page.index("</div>", page.index('role="alert"'))]
    assert r.status_code == 409
    with translation.override("en"):
        assert f"Standard cannot be booked on {dates.format_day(future + timedelta(days=1), 'en')}." in alert
    assert "just booked by someone else" not in page and "These rooms are still free:" in alert
    assert "Book Deluxe" in page and "Book Standard" not in page
    with scopes_disabled():
        assert Booking.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_the_last_room_taken_while_the_booking_waits_for_its_lock_is_sold_out(client, site, book, future):
    """The page saw a room free; another guest's booking, not yet committed, holds the room type's lock
    (PostgreSQL: the row lock; SQLite: the write lock) and commits only once this request waits for it,
    so booking_create itself finds no room and raises NoAvailability."""
    hotel, std, _lux = site
    factories.make_room(std)  # two Standards, one of them taken
    book(hotel, std, future, future + timedelta(days=2), email="first@example.com")
    assert "1 room left" in text(get(client, "/en/book/", data=nightly_query(future)))
    form = details_form(client, nightly_query(future, room_type="std"))
    holding, waited = threading.Event(), []

    def other_guest():
        try:
            with transaction.atomic():
                book(hotel, std, future, future + timedelta(days=2), email="second@example.com")
                holding.set()
                if connection.vendor == "postgresql":  # commit once the request waits for the lock
                    deadline = time.monotonic() + 20
                    while time.monotonic() < deadline and not waited:
                        with connection.cursor() as cursor:
                            cursor.execute("SELECT count(*) FROM pg_stat_activity"  # blocked by this transaction
                                           " WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))")
                            if cursor.fetchone()[0]:
                                waited.append(True)
                        time.sleep(0.02)
                else:  # SQLite cannot show who waits: hold the lock long enough to be sure
                    time.sleep(2)
        finally:
            holding.set()
            connection.close()

    thread = threading.Thread(target=other_guest)
    thread.start()
    assert holding.wait(20)
    started = time.monotonic()
    r = post(client, "/en/book/details/", form)
    elapsed = time.monotonic() - started
    thread.join()
    # The request really waited inside booking_create for the other guest's transaction.
    assert waited if connection.vendor == "postgresql" else elapsed > 1.5
    assert r.status_code == 409 and "the last Standard for these dates was just booked" in text(r)
    assert "Book Deluxe" in text(r) and "Book Standard" not in text(r)
    with scopes_disabled():
        assert sorted(Booking.objects.values_list("guest_email", flat=True)) == ["first@example.com",
                                                                               "second@example.com"]


def switcher_link(page: str, lang: str) -> tuple[str, dict]:
    languages = page[page.index('<ul class="languages"'):]
    href = html.unescape(re.search(rf'<a href="([^"]*)" hreflang="{lang}"', languages).group(1))
    path, _sep, query = href.partition("?")
    return path, dict(parse_qsl(query))


def test_the_language_switcher_after_a_post_keeps_the_search(client, site, book, future):
    hotel, std, _lux = site
    query = nightly_query(future, guests=1, room_type="std")
    form = details_form(client, query)
    book(hotel, std, future, future + timedelta(days=2))
    sold_out = post(client, "/ru/book/details/", form)
    assert sold_out.status_code == 409
    search = {k: str(v) for k, v in query.items() if k != "room_type"}
    assert switcher_link(text(sold_out), "en") == ("/en/book/", search)
    english = get(client, "/en/book/", data=search)
    assert "the last Standard for these dates" not in text(english) and "Book Deluxe" in text(english)
    # the details page answering a POST (here: a bad e-mail) switches to the same step with the same stay
    retry = post(client, "/ru/book/details/", {**details_form(client, nightly_query(future, room_type="lux")),
                                               "email": "not-an-email"})
    assert retry.status_code == 200
    assert switcher_link(text(retry), "en") == ("/en/book/details/", {
        k: str(v) for k, v in nightly_query(future, room_type="lux").items()})


def test_guest_details_are_checked_and_nothing_is_booked(client, site, future):
    form = {**details_form(client, nightly_query(future, room_type="lux")), "email": "not-an-email"}
    r = post(client, "/en/book/details/", form)
    assert r.status_code == 200 and "Enter a valid email address." in text(r)
    with scopes_disabled():
        assert Booking.objects.count() == 0


def test_payment_step_when_the_hotel_requires_it(client, site, future):
    hotel = site[0]
    hotel.payment_rule = PaymentRule.PREPAY
    hotel.save()
    r = post(client, "/en/book/details/", details_form(client, nightly_query(future, room_type="lux")))
    assert "/en/book/pay/" in r["Location"]
    with scopes_disabled():
        booking = Booking.objects.get()
    assert booking.status == Status.PENDING_PAYMENT
    declined = post(client, r["Location"], {"card_number": "4000 0000 0000 0002", "card_name": "Anna"})
    assert "The card was declined" in text(declined)
    booking.refresh_from_db()
    assert booking.status == Status.PENDING_PAYMENT
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


def test_a_late_cancellation_shows_the_fee_before_anything_changes(client, site, book, future, now):
    hotel, std, _lux = site
    hotel.cancellation_hours, hotel.cancellation_fee_percent = 24 * 60, 50
    hotel.save()
    booking = book(hotel, std, future, future + timedelta(days=1), email="anna@example.com")  # €100
    r = post(client, "/en/manage/", {"reference": booking.reference, "email": "anna@example.com"})
    page = text(get(client, r["Location"]))
    assert "Free cancellation ended on" in page
    assert "Cancelling now costs a cancellation fee of €50 (50% of the total)." in page and "Cancel booking" in page
    confirm = text(get(client, r["Location"] + "cancel/"))
    assert "If you cancel now, you pay a cancellation fee of €50." in confirm
    assert '<input type="hidden" name="fee" value="50.00">' in confirm
    refused = post(client, r["Location"] + "cancel/", {})  # a fee the guest was not shown: nothing changes
    assert refused.status_code == 409 and "Nothing has changed" in text(refused)
    assert "Cancelling now costs a cancellation fee of €50" in text(refused)
    booking.refresh_from_db()
    assert (booking.status, booking.cancellation_fee) == (Status.CONFIRMED, None)
    done = post(client, r["Location"] + "cancel/", {"fee": "50.00"})
    page = text(get(client, done["Location"]))
    assert "Your booking has been cancelled." in page and "A cancellation fee of €50 applies." in page
    booking.refresh_from_db()
    assert (booking.status, booking.cancellation_fee) == (Status.CANCELLED, D("50.00"))


def test_a_lapsed_hold_is_expired_however_the_guest_opens_it(client, site, book, now, future):
    """The manage link, the payment link and the lookup by reference tell the same thing: before and after
    the sweep marks it, a hold whose time ran out is EXPIRED, cannot be cancelled and cannot be paid."""
    from innkeeper.booking import services
    from innkeeper.web.views.booking import booking_token
    hotel, std, _lux = site
    held = book(hotel, std, future, future + timedelta(days=1), hold=True, email="anna@example.com",
                at=now - timedelta(minutes=hotel.hold_minutes + 1))
    token = booking_token(held)
    looked_up = post(client, "/en/manage/", {"reference": held.reference, "email": "anna@example.com"})
    assert looked_up["Location"] == f"/en/manage/{token}/"
    for swept in (False, True):
        if swept:
            assert services.holds_expire(now=now) == 1
        page = text(get(client, f"/en/manage/{token}/"))
        assert '<dd class="status">Expired</dd>' in page and "Cancel booking" not in page, swept
        for pay in (get(client, f"/en/book/pay/{token}/"),
                    post(client, f"/en/book/pay/{token}/", {"card_number": "4242 4242 4242 4242", "card_name": "A"})):
            assert pay.status_code == 200 and "The time to complete this booking ran out" in text(pay), swept
            assert "<form" not in text(pay).split("<main", 1)[-1], swept
    with scopes_disabled():
        assert Booking.objects.get(pk=held.pk).status == Status.EXPIRED and not held.payments.exists()


# Translations --------------------------------------------------------------------------------------

def test_russian_catalogue_is_complete_and_compiled():
    po_path = Path(settings.BASE_DIR) / "locale" / "ru" / "LC_MESSAGES" / "django.po"
    po = polib.pofile(str(po_path))
    assert po.untranslated_entries() == [] and po.fuzzy_entries() == []
    mo = {e.msgid: (e.msgstr or e.msgstr_plural) for e in polib.mofile(str(po_path.with_suffix(".mo")))}
    assert {e.msgid: (e.msgstr or e.msgstr_plural) for e in po.translated_entries()} == mo, \
        "django.mo is stale: run bin/messages compile"
