"""A form sent back with errors, in a real browser: every aria-describedby on the page names elements that
exist, and a screen reader reads each field's error as that field's description; the check-in form shows
every mistake at once and keeps what was typed."""

from datetime import timedelta

from django_scopes import scopes_disabled
from playwright.sync_api import expect

from innkeeper.booking.states import Status
from innkeeper.checkin.models import CheckIn, GuestIdentity
from innkeeper.hotels import links
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


def test_the_check_in_form_shows_every_mistake_at_once_keeps_what_was_typed_then_completes(
        page, hotel, other_hotel, book, future):
    hotel.country = "RU"
    hotel.save()
    room_type = factories.make_room_type(hotel, slug="lux", name="Deluxe", rooms=1)
    factories.make_room_type(other_hotel, slug="far", name="Faraway Suite", rooms=1)
    booking = book(hotel, room_type, future, future + timedelta(days=2), email="anna@example.com")
    page.goto(url(page, f"/en/check-in/?token={links.checkin_token(booking)}&step=guest"))
    assert described(page) == {}
    assert page.get_by_label("Country code").input_value() == "RU"  # the hotel's country to start with

    page.get_by_label("Full name (as in your passport or ID)").fill("Anna Petrova")
    page.get_by_label("Date of birth").fill((future + timedelta(days=1)).isoformat())  # in the future
    page.get_by_label("Passport or ID number").fill("12")
    page.get_by_label("Phone number").fill("123")
    page.get_by_label("Home address (optional)").fill("Tverskaya 7, Moscow")
    page.get_by_role("button", name="Continue").click()
    summary = page.locator(".error-summary")
    summary.wait_for()

    # Every mistake at once, each read out as its field's description; the summary links to each field.
    assert described(page) == {
        "date_of_birth": "Please check your date of birth.",
        "document_number": "A passport or ID number has 5 to 20 letters and digits.",
        "nationality": "Please enter your nationality.",
        "fieldset": "This is not a valid phone number in Russia. Check the number and the country.",
    }
    expect(page.get_by_label("Passport or ID number")).to_have_accessible_description(
        "A passport or ID number has 5 to 20 letters and digits.")
    expect(page.get_by_label("Full name (as in your passport or ID)")).to_have_accessible_description("")
    assert summary.get_by_role("link").evaluate_all("links => links.map(a => a.getAttribute('href'))") == [
        "#id_date_of_birth", "#id_document_number", "#id_nationality", "#id_phone_1"]
    summary.get_by_role("link", name="Passport or ID number").click()
    assert page.evaluate("location.hash") == "#id_document_number"
    # What was typed is still there, and nothing was saved.
    assert [page.get_by_label(label).input_value() for label in (
        "Full name (as in your passport or ID)", "Date of birth", "Passport or ID number", "Phone number",
        "Home address (optional)")] == [
        "Anna Petrova", (future + timedelta(days=1)).isoformat(), "12", "123", "Tverskaya 7, Moscow"]
    with scopes_disabled():
        assert not CheckIn.objects.exists()

    # Fixed, the check-in goes through, with the phone stored in E.164.
    page.get_by_label("Date of birth").fill("1990-05-17")
    page.get_by_label("Passport or ID number").fill("75 1234567")
    page.get_by_label("Nationality").select_option("RU")
    page.get_by_label("Phone number").fill("916 123-45-67")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Additional services").wait_for()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Check and confirm").wait_for()
    assert "+79161234567" in page.locator(".facts-list").inner_text()
    page.get_by_role("button", name="Complete check-in").click()
    page.get_by_role("heading", name="Online check-in complete").wait_for()
    with scopes_disabled():
        booking.refresh_from_db()
        identity = GuestIdentity.objects.get(booking=booking)
    assert (booking.status, booking.guest_phone) == (Status.CHECKIN_COMPLETED, "+79161234567")
    assert (identity.legal_name, identity.document_number, identity.nationality.code, identity.address) == (
        "Anna Petrova", "751234567", "RU", "Tverskaya 7, Moscow")
