"""Guest e-mail as the guest opens it: the hotel's name on its colour, links as buttons that say what they do,
a plain-text part with the addresses, the hotel's sender name; sent through a real SMTP server."""

import re

import pytest
from django_scopes import scopes_disabled

from innkeeper.hotels import theme
from innkeeper.messaging.models import MessageStatus as S
from tests.messaging_helpers import confirmed_booking, deliver, fast, rows, smtp  # noqa: F401 - fixtures

HOST = "moscow.localhost"


def buttons(html: str) -> dict[str, str]:
    """Label -> link of every button in ``html``."""
    return {label: href.replace("&amp;", "&") for href, label in
            re.findall(r'<a href="([^"]+)" style="display:inline-block[^"]*">([^<]+)</a>', html)}


def test_the_confirmation_has_buttons_for_check_in_and_managing_the_booking_and_the_text_keeps_the_addresses(hotel):
    booking = confirmed_booking(hotel)
    email = rows(booking)["EMAIL"]
    found = buttons(email.body_html)
    assert set(found) == {"Check in online", "Manage your booking"}
    assert found["Check in online"] in email.body_text and found["Manage your booking"] in email.body_text
    assert "/check-in/?token=" in found["Check in online"] and "/manage/" in found["Manage your booking"]


def test_the_manage_button_opens_this_booking_and_no_other_hotel_answers_it(client, hotel, other_hotel):
    booking = confirmed_booking(hotel)
    link = buttons(rows(booking)["EMAIL"].body_html)["Manage your booking"]
    path = "/" + link.split("/", 3)[3]
    page = client.get(path, HTTP_HOST=HOST)
    assert page.status_code == 200 and booking.reference in page.content.decode()
    with scopes_disabled():
        other_host = f"{other_hotel.slug}.localhost"
    assert client.get(path, HTTP_HOST=other_host).status_code == 404


def test_a_russian_guest_gets_russian_buttons(hotel):
    email = rows(confirmed_booking(hotel, locale="ru"))["EMAIL"]
    assert set(buttons(email.body_html)) == {"Пройти онлайн-регистрацию", "Управлять бронированием"}
    assert '<html lang="ru">' in email.body_html


def test_the_header_is_the_hotels_name_on_its_colour_with_text_that_reads_on_it(hotel):
    hotel.theme = {"primary": "#f5d90a"}  # a light yellow: dark text
    hotel.phone, hotel.city = "+7 495 123-45-67", "Moscow"
    hotel.save()
    html = rows(confirmed_booking(hotel))["EMAIL"].body_html
    assert re.search(r'background:#f5d90a;color:#1d2430;[^"]*">Moscow Inn</td>', html)
    assert "+7 495 123-45-67" in html and html.startswith("<!doctype html>")


def test_text_on_picks_the_readable_colour():
    assert theme.text_on("#1d4e6b") == "#ffffff"
    assert theme.text_on("#fff") == "#1d2430"
    assert theme.text_on("#f5d90a") == "#1d2430"


def test_a_colour_that_is_not_a_colour_falls_back(hotel):
    hotel.theme = {"primary": "red;background:url(x)"}
    assert theme.colour(hotel) == theme.DEFAULT_PRIMARY


@pytest.mark.django_db
def test_over_smtp_the_mail_is_from_the_hotel_and_carries_both_parts(hotel, smtp):  # noqa: F811
    email = deliver(rows(confirmed_booking(hotel))["EMAIL"])
    assert email.status == S.SENT
    (sent,) = smtp.messages
    assert sent["From"].addresses[0].display_name == "Moscow Inn"
    plain = sent.get_body(("plain",)).get_content()
    html = sent.get_body(("html",)).get_content()
    assert "/manage/" in plain and "Manage your booking</a>" in html


def test_every_shipped_whatsapp_text_is_short_and_carries_at_most_one_link():
    from innkeeper.messaging.defaults import DEFAULTS

    for (type_, channel, locale), (_subject, body) in DEFAULTS.items():
        if channel != "WHATSAPP":
            continue
        links = set(re.findall(r"{{ (\w+_link) }}", body))
        assert len(links) <= 1, (type_, locale, links)
        # Every branch taken, each value 20 characters long (a link counts as one): what a phone shows.
        words = re.sub(r"{{ \w+ }}", "x" * 20, re.sub(r"{%.*?%}", "", body))
        assert len(words) <= 400, (type_, locale, len(words))
