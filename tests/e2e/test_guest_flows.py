"""A guest books, pays, meets a sold-out room and cancels, in a real browser; the database agrees."""

import re
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django_scopes import scopes_disabled

from innkeeper.booking.models import Booking
from innkeeper.booking.states import Status
from innkeeper.hotels.models import PaymentRule
from tests import factories
from tests.conftest import local


@pytest.fixture
def site(hotel):
    hotel.default_locale = "en"
    hotel.save()
    std = factories.make_room_type(hotel, slug="std", name="Standard", rooms=1, base_price_hourly=D("20"))
    lux = factories.make_room_type(hotel, slug="lux", name="Deluxe", rooms=2, base_price_nightly=D("180"))
    return hotel, std, lux


def url(page, path, host="moscow.localhost"):
    return f"http://{host}:{page.port}{path}"


def only_booking():
    with scopes_disabled():
        return Booking.objects.select_related("room_type").get()


def test_nightly_booking_in_english(page, site, future):
    page.goto(url(page, "/en/"))
    page.get_by_label("Check-in").fill(future.isoformat())
    page.get_by_label("Check-out").fill((future + timedelta(days=2)).isoformat())
    page.get_by_label("Guests").select_option("2")
    page.get_by_role("button", name="See prices").click()
    page.get_by_role("button", name="Book Deluxe").click()
    assert "€360" in page.locator(".summary").inner_text()
    page.get_by_label("Full name").fill("Anna Petrova")
    page.get_by_label("E-mail").fill("anna@example.com")
    page.get_by_role("button", name="Confirm booking").click()
    page.get_by_role("heading", name="Your booking is confirmed").wait_for()
    reference = page.locator(".reference").inner_text().strip()
    booking = only_booking()
    assert (booking.reference, booking.status, booking.room_type.slug, booking.total) == (
        reference, Status.CONFIRMED, "lux", D("360.00"))
    assert (booking.guest_name, booking.guest_email, booking.locale) == ("Anna Petrova", "anna@example.com", "en")


def test_hourly_booking_in_russian_with_payment(page, site, future):
    hotel = site[0]
    hotel.payment_rule = PaymentRule.PREPAY
    hotel.save()
    page.goto(url(page, "/ru/"))
    page.get_by_text("Почасово", exact=True).click()
    page.get_by_label("Дата").fill(future.isoformat())
    page.get_by_label("Время начала").select_option(label="10:00")
    page.get_by_label("Сколько часов").select_option("3")
    page.get_by_label("Гости").select_option("1")
    page.get_by_role("button", name="Показать цены").click()
    page.get_by_role("button", name="Забронировать «Standard»").click()
    page.get_by_label("Имя и фамилия").fill("Иван Петров")
    page.get_by_label("E-mail").fill("ivan@example.com")
    page.get_by_role("button", name="Перейти к оплате").click()
    assert only_booking().status == Status.PENDING_PAYMENT
    page.get_by_label("Номер карты").fill("4242 4242 4242 4242")
    page.get_by_label("Имя на карте").fill("IVAN PETROV")
    page.get_by_role("button", name=re.compile("^Оплатить")).click()
    page.get_by_role("heading", name="Бронирование подтверждено").wait_for()
    booking = only_booking()
    assert (booking.kind, booking.hours, booking.status, booking.locale) == ("HOURLY", 3, Status.CONFIRMED, "ru")
    assert booking.start == local(hotel, future, 10) and booking.total == D("60.00")
    assert booking.reference in page.locator(".reference").inner_text()


def test_room_sold_out_while_the_guest_types(page, site, book, future):
    hotel, std, _lux = site
    page.goto(url(page, f"/en/book/?mode=nightly&check_in={future}&check_out={future + timedelta(days=1)}&guests=1"))
    page.get_by_role("button", name="Book Standard").click()
    page.get_by_label("Full name").fill("Anna Petrova")
    page.get_by_label("E-mail").fill("anna@example.com")
    book(hotel, std, future, future + timedelta(days=1), email="someone@example.com")  # the last one goes
    page.get_by_role("button", name="Confirm booking").click()
    alert = page.get_by_role("alert")
    assert "the last Standard for these dates was just booked" in alert.inner_text()
    assert page.get_by_role("button", name="Book Deluxe").is_visible()
    assert page.get_by_role("button", name="Book Standard").count() == 0
    with scopes_disabled():
        assert list(Booking.objects.values_list("guest_email", flat=True)) == ["someone@example.com"]


def test_cancellation_through_manage_booking(page, site, book, future):
    hotel, _std, lux = site
    booking = book(hotel, lux, future, future + timedelta(days=3), email="anna@example.com")
    page.goto(url(page, "/en/"))
    page.get_by_role("link", name="My booking").click()
    page.get_by_label("Booking reference").fill(booking.reference.lower())
    page.get_by_label("E-mail used for the booking").fill("anna@example.com")
    page.get_by_role("button", name="Find my booking").click()
    page.get_by_role("link", name="Cancel booking").click()
    page.get_by_role("button", name="Yes, cancel this booking").click()
    assert "Your booking has been cancelled." in page.get_by_role("status").inner_text()
    assert "Cancelled" in page.locator(".status").inner_text()
    booking.refresh_from_db()
    assert booking.status == Status.CANCELLED
