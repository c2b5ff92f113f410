"""Friendly error pages: 404 and 500 on a hotel's site, the platform and the panel say what happened and what to
do, in the page's language, with no debugging detail; the 500 page needs no database."""

import pytest
from django.db import OperationalError, connection
from django.test import Client, RequestFactory

from innkeeper import handlers
from tests import factories

pytestmark = pytest.mark.django_db

DEBUG_SIGNS = ("Traceback", "OperationalError", "the database went away", "File \"", "DEBUG")


class DatabaseGone:
    """Every query from the first one that names ``table`` on fails, as when the database goes away in the
    middle of a request; ``refused`` keeps them, so a page that needed the database shows up there."""

    def __init__(self, table: str):
        self.table, self.refused = table, []

    def __call__(self, execute, sql, params, many, context):
        if self.refused or f'"{self.table}"' in sql:
            self.refused.append(sql)
            raise OperationalError("server closed the connection: the database went away")
        return execute(sql, params, many, context)


@pytest.fixture
def sites(hotel, other_hotel):
    hotel.phone, hotel.email, hotel.theme = "+7 495 000-00-00", "stay@moscow.example", {"primary": "#7a2e3a"}
    hotel.save()
    return hotel, other_hotel


@pytest.fixture
def browser() -> Client:
    return Client(raise_request_exception=False)  # as a real server: an error becomes a page


def no_debug_detail(body: str) -> bool:
    return not any(sign in body for sign in DEBUG_SIGNS)


# -- 404 -----------------------------------------------------------------------------------------------

def test_a_missing_page_on_a_hotel_site_says_what_to_do_in_the_guests_language(browser, sites):
    r = browser.get("/en/no-such-page/", HTTP_HOST="moscow.localhost")
    body = r.content.decode()
    assert r.status_code == 404
    assert "Page not found" in body and "There is no page at this address." in body
    for link in ('href="/en/"', 'href="/en/book/"', 'href="/en/manage/"', 'href="tel:+74950000000"',
                 'href="mailto:stay@moscow.example"'):
        assert link in body
    assert "Moscow Inn" in body and no_debug_detail(body)
    ru = browser.get("/ru/no-such-page/", HTTP_HOST="moscow.localhost").content.decode()
    assert "Страница не найдена" in ru and 'href="/ru/book/"' in ru
    assert "Страница не найдена" in browser.get("/ru/no-such-page/", HTTP_HOST="other.localhost").content.decode()


def test_a_missing_page_on_the_platform_points_to_the_hotels_and_the_panel(browser, sites):
    r = browser.get("/no-such-page/", HTTP_HOST="localhost")
    body = r.content.decode()
    assert r.status_code == 404 and "Page not found" in body
    assert 'href="/"' in body and 'href="/panel/"' in body and no_debug_detail(body)
    ru = browser.get("/no-such-page/", HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Страница не найдена" in ru and '<html lang="ru">' in ru


def test_a_missing_page_in_the_panel_stays_in_the_panel(browser, sites):
    hotel, other_hotel = sites
    browser.force_login(factories.make_member(hotel, "OWNER", "owner@moscow.example"))
    theirs = factories.make_room_type(other_hotel, slug="x", rooms=1)
    for path in ("/panel/no-such-page/", "/panel/bookings/ZZZZZZ/", f"/panel/rooms/{theirs.pk}/"):
        r = browser.get(path, HTTP_HOST="localhost")
        body = r.content.decode()
        assert r.status_code == 404, path
        assert "This page of the staff panel does not exist." in body and 'href="/panel/"' in body
        assert no_debug_detail(body)


# -- 500 -----------------------------------------------------------------------------------------------

def test_a_failure_on_a_hotel_site_shows_a_page_that_needs_no_database(browser, sites):
    gone = DatabaseGone("hotels_roomtype")  # the hotel is found, then the rooms cannot be read
    with connection.execute_wrapper(gone):
        r = browser.get("/ru/rooms/", HTTP_HOST="moscow.localhost")
    body = r.content.decode()
    assert r.status_code == 500 and len(gone.refused) == 1  # the page itself asked the database nothing
    assert "Что-то пошло не так" in body and '<html lang="ru">' in body
    assert 'href="/ru/"' in body and 'href="tel:+74950000000"' in body and "stay@moscow.example" in body
    assert "Moscow Inn" in body and no_debug_detail(body)
    # In the hotel's colour, with a style the Content-Security-Policy allows, and its icon.
    nonce = r["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert f'<style nonce="{nonce}">:root{{--primary:#7a2e3a}}</style>' in body
    assert 'href="/favicon.svg"' in body


def test_a_failure_on_the_platform_and_in_the_panel_shows_a_page_that_needs_no_database(browser, sites):
    hotel, _other = sites
    gone = DatabaseGone("hotels_hotel")
    with connection.execute_wrapper(gone):
        r = browser.get("/", HTTP_HOST="localhost")
    body = r.content.decode()
    assert r.status_code == 500 and len(gone.refused) == 1
    assert "Something went wrong on our side" in body and "Go to the list of hotels" in body
    assert no_debug_detail(body)
    browser.force_login(factories.make_member(hotel, "OWNER", "owner@moscow.example"))
    gone = DatabaseGone("django_session")  # the panel cannot even find out who is signed in
    with connection.execute_wrapper(gone):
        r = browser.get("/panel/bookings/", HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="ru")
    body = r.content.decode()
    assert r.status_code == 500 and len(gone.refused) == 1
    assert "Что-то пошло не так" in body and 'href="/panel/"' in body and no_debug_detail(body)


def test_the_api_answers_a_failure_in_json(sites):
    request = RequestFactory().get("/api/v1/hotels/moscow/availability")
    r = handlers.server_error(request)
    assert r.status_code == 500 and r["Content-Type"] == "application/json"
    assert r.content == (b'{"detail": "Something went wrong on our side. Please try again in a few minutes.", '
                         b'"code": "server_error"}')


def test_the_500_page_renders_without_a_single_query(sites, django_assert_num_queries):
    hotel, _other = sites
    request = RequestFactory().get("/en/", HTTP_HOST="moscow.localhost")
    request.hotel = hotel
    with django_assert_num_queries(0):
        r = handlers.server_error(request)
    assert r.status_code == 500 and "Moscow Inn" in r.content.decode()
