"""Every kind of page in a real browser under the Content-Security-Policy: the page fixture fails the test
on any style or script the policy refused, so each page here still looks and works as written."""

from datetime import timedelta

from tests import factories
from tests.factories import PASSWORD
from tests.messaging_helpers import deliver, rows

HOTEL_PAGES = ("/en/", "/en/rooms/", "/en/rooms/std/", "/en/about/", "/en/contact/", "/en/book/",
               "/en/manage/")
PANEL_PAGES = ("/panel/", "/panel/bookings/", "/panel/rooms/", "/panel/rates/", "/panel/messages/",
               "/panel/messages/templates/", "/panel/extras/", "/panel/team/", "/panel/settings/",
               "/panel/audit/")


def test_hotel_platform_and_demo_pages_render_under_the_policy(page, hotel, other_hotel, book, future,
                                                                settings):
    settings.EMAIL_BACKEND = "innkeeper.simulators.messages.EmailBackend"
    hotel.theme = {"primary": "#123456", "font": "serif"}
    hotel.save()
    std = factories.make_room_type(hotel, slug="std", name="Standard", rooms=1)
    deliver(rows(book(hotel, std, future, future + timedelta(days=2)))["EMAIL"])
    port = page.port
    for path in HOTEL_PAGES:
        page.goto(f"http://moscow.localhost:{port}{path}")
    # The theme's nonce'd <style> applied: the page has the hotel's colour property.
    assert page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--primary')"
                         ).strip() == "#123456"
    page.goto(f"http://localhost:{port}/")
    page.get_by_role("link", name="Moscow Inn").wait_for()
    page.goto(f"http://localhost:{port}/outbox/")
    assert page.evaluate("getComputedStyle(document.querySelector('article')).borderTopStyle") == "solid"
    page.goto(f"http://localhost:{port}/api/docs")
    page.locator(".swagger-ui .info").wait_for()
    page.goto(f"http://nobody.localhost:{port}/")
    page.get_by_role("heading", name="No hotel here").wait_for()


def test_panel_pages_render_under_the_policy_and_the_tape_keeps_its_grid(page, hotel, other_hotel, book,
                                                                          future):
    page.set_viewport_size({"width": 1280, "height": 900})
    std = factories.make_room_type(hotel, slug="std", name="Standard", rooms=2)
    booking = book(hotel, std, future + timedelta(days=1), future + timedelta(days=3))
    owner = factories.make_member(hotel, "OWNER", "owner@moscow.example")
    base = f"http://localhost:{page.port}"
    page.goto(f"{base}/panel/")
    page.get_by_label("E-mail").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Tape chart").wait_for()
    for path in PANEL_PAGES:
        page.goto(f"{base}{path}")
    page.goto(f"{base}/panel/tape/?from={future}")
    # The bar starts on its second day column and spans two nights: the nonce'd block placed it.
    bar = page.locator(f'.stay[data-reference="{booking.reference}"]')
    assert bar.evaluate("e => getComputedStyle(e).gridColumnStart + ' ' + getComputedStyle(e).gridColumnEnd"
                        ) == "3 span 2"
