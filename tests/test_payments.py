"""Paying for a booking: one charge and one payment however often the guest presses "Pay", every
declined attempt kept with its reason, the payments on the panel's booking page, never another hotel's."""

import re
import threading
import time
import urllib.parse
import urllib.request
from datetime import timedelta
from decimal import Decimal as D
from http.cookies import SimpleCookie

import pytest
from django.db import IntegrityError, connection, transaction
from django_scopes import scope, scopes_disabled

from innkeeper.booking.errors import HoldExpired
from innkeeper.booking.models import Booking
from innkeeper.core.errors import InvalidInput
from innkeeper.hotels.models import PaymentRule
from innkeeper.journey import services as journey
from innkeeper.payments import fake
from innkeeper.payments.models import Payment
from innkeeper.web.views.booking import booking_token
from tests import factories
from tests.conftest import locked_elsewhere
from tests.factories import PASSWORD

GOOD, DECLINED = "4242 4242 4242 4242", "4000 0000 0000 0002"
HOST = "moscow.localhost"


@pytest.fixture
def charges(monkeypatch):
    """Every call that reaches the (fake) card provider, slowed a little so that racing requests overlap."""
    calls, real = [], fake.charge

    def charge(**kwargs):
        calls.append(kwargs)
        time.sleep(0.2)
        return real(**kwargs)

    monkeypatch.setattr(fake, "charge", charge)
    return calls


@pytest.fixture
def held(hotel, book, future):
    hotel.payment_rule = PaymentRule.PREPAY
    hotel.save()
    rt = factories.make_room_type(hotel, slug="std", rooms=1, base_price_nightly=D("120"))
    return book(hotel, rt, future, future + timedelta(days=2), hold=True)


def test_paying_twice_charges_once_and_keeps_one_payment(hotel, held, charges):
    with scope(hotel=hotel):
        first = journey.booking_pay(booking=held, card_number=GOOD)
        again = journey.booking_pay(booking=held, card_number=GOOD)
        payments = list(Payment.objects.filter(booking=held))
    assert first.status == again.status == "CONFIRMED"
    assert len(charges) == 1 and charges[0]["amount"] == D("240.00")
    assert [(p.status, p.amount, p.currency, p.provider, p.hotel_id) for p in payments] == [
        ("SUCCEEDED", D("240.00"), "EUR", "fake", hotel.pk)]
    assert payments[0].provider_reference.startswith("fake_") and payments[0].idempotency_key == f"{held.reference}-1"


def test_a_declined_card_is_recorded_as_failed_with_the_reason_and_another_card_may_pay(hotel, held, charges):
    with scope(hotel=hotel):
        with pytest.raises(InvalidInput) as refused:
            journey.booking_pay(booking=held, card_number=DECLINED)
        assert refused.value.code == "declined"
        assert Booking.objects.get(pk=held.pk).status == "HOLD"
        journey.booking_pay(booking=held, card_number=GOOD)
        rows = list(Payment.objects.filter(booking=held).values_list("status", "failure_code", "failure_message"))
    assert rows == [("FAILED", "declined", "The card was declined. Please use another card."), ("SUCCEEDED", "", "")]


def test_the_database_refuses_a_second_successful_payment(hotel, held):
    with scope(hotel=hotel):
        journey.booking_pay(booking=held, card_number=GOOD)
        with pytest.raises(IntegrityError), transaction.atomic():
            Payment.objects.create(hotel=hotel, booking=held, provider="fake", amount=D("1"), currency="EUR",
                                   status="SUCCEEDED", idempotency_key="another")


def _http(url, data=None, cookies=""):
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers={"Host": HOST, "Cookie": cookies})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=60) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read().decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_payments_sent_at_once_over_http_make_one_charge(wsgi_server, hotel, held, charges):
    url = f"http://127.0.0.1:{wsgi_server}/en/book/pay/{booking_token(held)}/"
    status, headers, page = _http(url)
    assert status == 200
    jar = SimpleCookie()
    for value in headers.get_all("Set-Cookie"):
        jar.load(value)
    cookies = "; ".join(f"{k}={m.value}" for k, m in jar.items())
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    gate, answers = threading.Barrier(2), []

    def pay():
        gate.wait()
        answers.append(_http(url, {"csrfmiddlewaretoken": token, "card_number": GOOD, "card_name": "Anna"}, cookies))

    threads = [threading.Thread(target=pay) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    connection.close()
    assert [a[0] for a in answers] == [302, 302]
    assert all("/en/book/done/" in a[1]["Location"] for a in answers)
    assert len(charges) == 1
    with scopes_disabled():
        assert list(Payment.objects.values_list("status", flat=True)) == ["SUCCEEDED"]
        assert Booking.objects.get(pk=held.pk).status == "CONFIRMED"


def test_the_panel_booking_page_lists_its_payments_and_never_another_hotels(client, hotel, other_hotel, held, book,
                                                                           future):
    other_hotel.payment_rule = PaymentRule.PREPAY
    other_hotel.save()
    theirs = book(other_hotel, factories.make_room_type(other_hotel, slug="x", rooms=1), future,
                  future + timedelta(days=1), hold=True)
    with scope(hotel=hotel):
        with pytest.raises(InvalidInput):
            journey.booking_pay(booking=held, card_number=DECLINED)
        journey.booking_pay(booking=held, card_number=GOOD)
    with scope(hotel=other_hotel):
        journey.booking_pay(booking=theirs, card_number=GOOD)
    with scopes_disabled():
        ours = {p.status: p for p in Payment.objects.filter(booking=held)}
        their_payment = Payment.objects.get(booking=theirs)
    staff = factories.make_member(hotel, "STAFF", "desk@moscow.example")
    client.post("/panel/sign-in/", {"username": staff.email, "password": PASSWORD})
    page = client.get(f"/panel/bookings/{held.reference}/").content.decode()
    assert ours["SUCCEEDED"].provider_reference in page and "Paid" in page
    assert "Failed" in page and "The card was declined" in page
    assert their_payment.provider_reference not in page
    assert page.count('class="payment"') == 2


def test_a_hold_the_sweep_already_expired_is_refused_as_expired_before_any_charge(hotel, held, charges):
    with scope(hotel=hotel):
        Booking.objects.filter(pk=held.pk).update(status="EXPIRED")
        with pytest.raises(HoldExpired):
            journey.booking_pay(booking=held, card_number=GOOD)
        assert not Payment.objects.filter(booking=held).exists()
    assert charges == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_payment_that_waits_too_long_for_its_booking_says_try_again(client, hotel, held, settings):
    settings.INNKEEPER_BOOKING_LOCK_TIMEOUT_MS = 100
    with locked_elsewhere(lambda: Booking.objects.select_for_update().filter(pk=held.pk)):
        r = client.post(f"/en/book/pay/{booking_token(held)}/", {"card_number": GOOD, "card_name": "Anna"},
                        HTTP_HOST=HOST)
    assert r.status_code == 200 and "try again" in r.content.decode().lower()
    with scopes_disabled():
        assert Booking.objects.get(pk=held.pk).status == "HOLD" and not Payment.objects.exists()
