"""A form sent back with errors, in a real browser: every aria-describedby on the page names elements that
exist, and a screen reader reads each field's error as that field's description."""

from datetime import timedelta

from playwright.sync_api import expect

from tests import factories
from tests.e2e.test_guest_flows import site, url  # noqa: F401  (site is a fixture)
from tests.factories import PASSWORD

DESCRIBED = """() => [...document.querySelectorAll('[aria-describedby]')].map(e => {
  const ids = e.getAttribute('aria-describedby').split(/\\s+/).filter(Boolean);
  return {control: e.getAttribute('name') || e.tagName.toLowerCase(), invalid: e.getAttribute('aria-invalid'),
          missing: ids.filter(id => !document.getElementById(id)),
          text: ids.map(id => document.getElementById(id)?.innerText.trim()).filter(Boolean).join(' | ')};
})"""


def described(page) -> dict[str, str]:
    """What each described control (a fieldset by its tag) is described as; no id may point at nothing."""
    found = page.evaluate(DESCRIBED)
    assert [f for f in found if f["missing"]] == [], found
    assert page.locator('[aria-invalid="true"]:not([aria-describedby])').count() == (
        page.locator('fieldset[aria-describedby] [aria-invalid="true"]').count())
    return {f["control"]: f["text"] for f in found}


def test_the_panels_new_booking_form_reads_out_each_error(page, hotel, other_hotel, future):
    page.set_viewport_size({"width": 1280, "height": 900})
    factories.make_room_type(hotel, slug="std", name="Standard", rooms=2)
    factories.make_room_type(other_hotel, slug="far", name="Faraway Suite", rooms=1)
    owner = factories.make_member(hotel, "OWNER", "owner@moscow.example")
    base = f"http://localhost:{page.port}"
    page.goto(f"{base}/panel/")
    page.get_by_label("E-mail").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{base}/panel/bookings/new/")
    assert described(page) == {}
    assert "Faraway Suite" not in page.get_by_label("Room type").inner_text()
    page.get_by_label("Room type").select_option(label="Standard")
    page.get_by_label("Check-in").fill(future.isoformat())
    page.get_by_label("Check-out").fill((future + timedelta(days=2)).isoformat())
    page.get_by_label("Guests").fill("0")
    page.get_by_label("Guest e-mail").fill("not-an-email")
    page.get_by_role("button", name="Book").click()
    page.get_by_text("Enter a valid email address.").wait_for()

    assert described(page) == {"guests": "Ensure this value is greater than or equal to 1.",
                               "name": "This field is required.", "email": "Enter a valid email address."}
    expect(page.get_by_label("Guest e-mail")).to_have_accessible_description("Enter a valid email address.")
    expect(page.get_by_label("Guest name")).to_have_accessible_description("This field is required.")
    expect(page.get_by_label("Guest phone")).to_have_accessible_description("")


def test_the_guest_details_form_reads_out_each_error(page, site, future):  # noqa: F811  (a fixture)
    check_out = future + timedelta(days=2)
    page.goto(url(page, f"/en/book/details/?mode=nightly&check_in={future}&check_out={check_out}&guests=2"
                        "&room_type=lux"))
    assert described(page) == {}
    page.get_by_label("E-mail").fill("not-an-email")
    page.get_by_role("button", name="Confirm booking").click()
    page.get_by_text("Enter a valid email address.").wait_for()

    assert described(page) == {"name": "This field is required.", "email": "Enter a valid email address."}
    expect(page.get_by_label("Full name")).to_have_accessible_description("This field is required.")
    expect(page.get_by_label("E-mail")).to_have_accessible_description("Enter a valid email address.")
