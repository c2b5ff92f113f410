"""A guest who uses only the keyboard can book; every form control on a guest page has a name a screen
reader reads out (Playwright's view of Chromium's accessibility tree)."""

import re
from datetime import timedelta
from decimal import Decimal as D

from django_scopes import scopes_disabled

from innkeeper.booking.models import Booking
from innkeeper.booking.states import Status
from innkeeper.web.views.booking import booking_token
from tests.e2e.test_guest_flows import only_booking, site, url  # noqa: F401  (site is a fixture)

FOCUSED = """() => { const e = document.activeElement;
  return (e.labels && e.labels.length ? e.labels[0].innerText : e.innerText || '').trim(); }"""


def tab_to(page, name: str, *, back: bool = False, limit: int = 40) -> None:
    """Press Tab (Shift+Tab with ``back``) until the control labelled or reading ``name`` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        if page.evaluate(FOCUSED) == name:
            return
    raise AssertionError(f"{name!r} never got the focus; last: {page.evaluate(FOCUSED)!r}")


def date_keys(day) -> str:
    return f"{day.month:02d}{day.day:02d}{day.year}"  # Chromium's en-US date field: mm dd yyyy


def test_a_nightly_booking_with_the_keyboard_only(page, site, future):  # noqa: F811  (a fixture)
    page.goto(url(page, "/en/book/"))
    tab_to(page, "Check-in")
    page.keyboard.type(date_keys(future))
    tab_to(page, "Check-out")
    page.keyboard.type(date_keys(future + timedelta(days=2)))
    tab_to(page, "Guests")
    page.keyboard.type("2")
    tab_to(page, "See prices")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("#id_check_in").input_value() == future.isoformat()
    tab_to(page, "Book Deluxe")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "€360" in page.locator(".summary").inner_text()
    tab_to(page, "Full name")
    page.keyboard.type("Anna Petrova")
    tab_to(page, "E-mail")
    page.keyboard.type("anna@example.com")
    tab_to(page, "Confirm booking")
    tab_to(page, "Phone number", back=True)  # back to a field skipped on the way
    page.keyboard.type("+7 900 000-00-00")  # a full number: its own country code wins over the drop-down
    tab_to(page, "Confirm booking")
    with page.expect_navigation():
        page.keyboard.press("Space")
    page.get_by_role("heading", name="Your booking is confirmed").wait_for()
    booking = only_booking()
    assert (booking.status, booking.room_type.slug, booking.total, booking.guests) == (
        Status.CONFIRMED, "lux", D("360.00"), 2)
    assert (booking.guest_name, booking.guest_email, booking.guest_phone) == (
        "Anna Petrova", "anna@example.com", "+79000000000")  # stored E.164
    assert booking.reference in page.locator(".reference").inner_text()


CONTROL_ROLES = ("textbox", "combobox", "listbox", "button", "radio", "checkbox", "spinbutton", "searchbox", "slider")
CONTROL = re.compile(rf"^\s*- ({'|'.join(CONTROL_ROLES)})\b(.*)$")


def unnamed_controls(page) -> list[str]:
    """Controls in the accessibility tree without a name; also checks that every control of the page is
    in the tree at all."""
    lines = [m for m in (CONTROL.match(line) for line in page.locator("body").aria_snapshot().splitlines()) if m]
    visible = page.locator("input:not([type=hidden]), select, textarea, button").evaluate_all(
        "els => els.filter(e => e.offsetParent !== null || e.getClientRects().length).length")
    assert len(lines) == visible, (len(lines), visible, page.url)
    return [m.group(0).strip() for m in lines if not m.group(2).lstrip().startswith('"')]


def test_every_form_control_on_the_guest_pages_has_a_name(page, site, book, future):  # noqa: F811
    hotel, std, lux = site
    nights = f"mode=nightly&check_in={future}&check_out={future + timedelta(days=2)}&guests=2"
    hours = f"mode=hourly&date={future}&start_time=10&hours=3&guests=1"
    confirmed = book(hotel, lux, future + timedelta(days=5), future + timedelta(days=6), email="anna@example.com")
    held = book(hotel, lux, future + timedelta(days=8), future + timedelta(days=9), hold=True)
    paths = ["/en/", "/ru/", "/en/rooms/", "/en/rooms/std/", "/en/about/", "/en/contact/", "/en/manage/",
             "/en/book/", f"/en/book/?{nights}", f"/ru/book/?{hours}", f"/en/book/?{nights}&guests=9",
             f"/en/book/details/?{nights}&room_type=lux", f"/ru/book/pay/{booking_token(held)}/",
             f"/en/book/done/{booking_token(confirmed)}/", f"/en/manage/{booking_token(confirmed)}/",
             f"/en/manage/{booking_token(confirmed)}/cancel/"]
    found = {}
    for path in paths:
        page.goto(url(page, path))
        found[path] = unnamed_controls(page)
    # the sold-out page after a POST: the last Standard goes while the guest types
    page.goto(url(page, f"/en/book/details/?mode=nightly&check_in={future}&check_out={future + timedelta(days=1)}"
                        "&guests=1&room_type=std"))
    page.get_by_label("Full name").fill("Boris")
    page.get_by_label("E-mail").fill("boris@example.com")
    book(hotel, std, future, future + timedelta(days=1))
    page.get_by_role("button", name="Confirm booking").click()
    page.get_by_role("alert").wait_for()
    found["sold out"] = unnamed_controls(page)
    assert {path: names for path, names in found.items() if names} == {}
    with scopes_disabled():
        assert Booking.objects.count() == 3
