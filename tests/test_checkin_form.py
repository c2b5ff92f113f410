"""The check-in guest details form: every mistake at once beside its field, an error summary linking to them,
what was typed kept, nothing saved while anything is wrong; the phone given with its country, stored E.164."""

import re
from datetime import date, timedelta

import pytest
from django_scopes import scope, scopes_disabled

from innkeeper.checkin import services
from innkeeper.checkin.models import CheckIn
from innkeeper.core import activity
from innkeeper.hotels import links
from innkeeper.locks.models import LockKey
from innkeeper.messaging.models import Message, MessageType
from tests import factories
from tests.outbox_helpers import work_outbox
from tests.test_checkin import IDENTITY
from tests.test_form_fields import described_errors

HOST = {"HTTP_HOST": "moscow.localhost"}
WRONG = {"legal_name": "  ", "date_of_birth": "2999-01-01", "document_number": "12", "nationality": "",
         "phone_0": "GE", "phone_1": "123", "address": "Rustaveli 12, Tbilisi"}


@pytest.fixture
def booking(hotel, other_hotel, book, future):
    hotel.country = "RU"
    hotel.save()
    room_type = factories.make_room_type(hotel, slug="double", rooms=1)
    factories.make_room(room_type, number="101", lock_id="SIM-101")
    far = factories.make_room_type(other_hotel, slug="far", rooms=1)
    book(other_hotel, far, future, future + timedelta(days=1), email="other@example.com")
    return book(hotel, room_type, future, future + timedelta(days=2))


def guest_page(booking, lang="en") -> str:
    return f"/{lang}/check-in/?token={links.checkin_token(booking)}&step=guest"


def value(page: str, name: str) -> str | None:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)
    found = re.search(r'value="([^"]*)"', tag)
    return found.group(1) if found else None


def draft(booking) -> dict:
    with scopes_disabled():
        return services.draft_load(booking)


def selected(page: str, name: str) -> str:
    select = re.search(rf'<select name="{name}".*?</select>', page, re.S).group(0)
    return re.search(r'<option value="([^"]*)" selected>', select).group(1)


def test_every_identity_problem_is_reported_at_once():
    with pytest.raises(services.IdentityInvalid) as err:
        services.clean_identity(legal_name="", date_of_birth="nope", document_number="1", nationality="Atlantis",
                                address="x" * 300, today=date(2026, 11, 1))
    assert [(p.field, p.code) for p in err.value.problems] == [
        ("legal_name", "required"), ("date_of_birth", "required"), ("document_number", "invalid"),
        ("nationality", "invalid"), ("address", "too_long")]
    assert (err.value.field, err.value.message) == (  # read as one error (the API), it is the first
        "legal_name", "Please enter your full name as it appears in your passport or ID.")


def test_all_mistakes_at_once_beside_their_fields_with_what_was_typed_and_nothing_saved(client, booking):
    page = client.post(guest_page(booking), WRONG, **HOST)
    html = page.text
    assert page.status_code == 200
    assert described_errors(html) == {
        "legal_name": "Please enter your full name as it appears in your passport or ID.",
        "date_of_birth": "Please check your date of birth.",
        "document_number": "A passport or ID number has 5 to 20 letters and digits.",
        "nationality": "Please enter your nationality.",
        "id_phone_error": "This is not a valid phone number in Georgia. Check the number and the country.",
    }
    # The summary at the top links to each field, in the form's order.
    summary = re.search(r'<div class="alert error-summary".*?</div>', html, re.S).group(0)
    assert re.findall(r'<a href="#([^"]+)">', summary) == [
        "id_legal_name", "id_date_of_birth", "id_document_number", "id_nationality", "id_phone_1"]
    for target in ("id_legal_name", "id_date_of_birth", "id_document_number", "id_nationality", "id_phone_1"):
        assert f'id="{target}"' in html
    # What was typed is still there, the address (which was right) too.
    assert (value(html, "date_of_birth"), value(html, "document_number"), value(html, "phone_1"),
            value(html, "address")) == ("2999-01-01", "12", "123", "Rustaveli 12, Tbilisi")
    assert selected(html, "phone_0") == "GE"
    with scopes_disabled():
        assert not CheckIn.objects.exists()  # not even the address that was right
    # Back with mistakes leaves without saving them either.
    back = client.post(guest_page(booking), {**WRONG, "back": ""}, **HOST)
    assert back.status_code == 302 and back["Location"].endswith("step=overview")
    with scopes_disabled():
        assert not CheckIn.objects.exists()


def test_a_fixed_form_replaces_nothing_until_it_is_all_right(client, booking):
    assert client.post(guest_page(booking), IDENTITY, **HOST).status_code == 302
    before = draft(booking)
    client.post(guest_page(booking), {**IDENTITY, "legal_name": "Someone Else", "document_number": "x"}, **HOST)
    assert draft(booking) == before  # the half-right change was not kept
    again = client.get(guest_page(booking), **HOST).text
    assert value(again, "legal_name") == "Anna Petrova"


def test_the_russian_page_says_the_same_in_russian(client, booking):
    html = client.post(guest_page(booking, "ru"), WRONG, **HOST).text
    assert "Исправьте, пожалуйста, эти поля:" in html
    assert "Это неправильный номер телефона для страны Грузия. Проверьте номер и страну." in html
    assert '<label class="visually-hidden" for="id_phone_0">Код страны</label>' in html


def test_the_phones_country_starts_as_the_hotels_then_the_guests_nationality(client, booking):
    first = client.get(guest_page(booking), **HOST).text
    assert selected(first, "phone_0") == "RU" and value(first, "phone_1") is None
    assert "Georgia (+995)" in first and "Russia (+7)" in first
    ok = client.post(guest_page(booking), {**IDENTITY, "nationality": "GE", "phone_0": "GE", "phone_1": ""}, **HOST)
    assert ok.status_code == 302
    assert selected(client.get(guest_page(booking), **HOST).text, "phone_0") == "GE"


def test_a_phone_with_its_country_is_stored_in_e164_and_the_door_code_goes_to_it(
        client, booking, hotel, django_capture_on_commit_callbacks):
    token = links.checkin_token(booking)
    ok = client.post(guest_page(booking), {**IDENTITY, "phone_0": "GE", "phone_1": "555 12-34-56"}, **HOST)
    assert ok.status_code == 302 and draft(booking)["phone"] == "+995555123456"
    shown = client.get(guest_page(booking), **HOST).text  # a stored number shows its own country
    assert (selected(shown, "phone_0"), value(shown, "phone_1")) == ("GE", "555 12 34 56")
    confirm = client.get(f"/en/check-in/?token={token}&step=confirm", **HOST).text
    assert "+995555123456" in confirm
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(f"/en/check-in/?token={token}&step=confirm", {"complete": ""}, **HOST)
    assert done.status_code == 302
    assert work_outbox("lock_key") == 1
    with scopes_disabled():
        booking.refresh_from_db()
        assert booking.guest_phone == "+995555123456" and LockKey.objects.get(booking=booking).status == "ACTIVE"
        access = Message.objects.get(booking=booking, type=MessageType.ACCESS_INSTRUCTIONS, channel="WHATSAPP")
        assert access.recipient == "+995555123456"
    with scope(hotel=hotel):
        entry = activity.history(booking).get(verb="booking.guest_phone")
        assert entry.data == {"reference": booking.reference}  # the number is not logged
        assert activity.sentence(entry) == f"The guest changed the phone number of booking {booking.reference}"


def test_a_full_international_number_wins_over_the_country_beside_it(client, booking):
    client.post(guest_page(booking), {**IDENTITY, "phone_0": "GE", "phone_1": "+7 916 123-45-67"}, **HOST)
    assert draft(booking)["phone"] == "+79161234567"
    no_country = client.post(guest_page(booking), {**IDENTITY, "phone_0": "", "phone_1": "916 123 45 67"}, **HOST)
    assert described_errors(no_country.text) == {"id_phone_error": "Choose the country of this phone number."}


def test_the_date_of_birth_picker_is_limited_to_possible_dates(client, booking):
    html = client.get(guest_page(booking), **HOST).text
    tag = re.search(r'<input type="date" name="date_of_birth"[^>]*>', html).group(0)
    assert re.search(r'min="\d{4}-01-01"', tag) and re.search(r'max="\d{4}-\d\d-\d\d"', tag)


def test_the_booking_form_takes_the_phone_with_the_hotels_country(client, booking, hotel, future):
    factories.make_room_type(hotel, slug="lux", name="Deluxe", rooms=1)
    query = {"mode": "nightly", "check_in": future.isoformat(), "check_out": (future + timedelta(days=1)).isoformat(),
             "guests": 1, "room_type": "lux"}
    first = client.get("/en/book/details/", query, **HOST).text
    assert selected(first, "phone_0") == "RU"
    key = re.search(r'name="request_key" value="([0-9a-f]+)"', first).group(1)
    form = {**query, "name": "Boris", "email": "boris@example.com", "request_key": key, "phone_0": "RU"}
    wrong = client.post("/en/book/details/", {**form, "phone_1": "12"}, **HOST)
    assert described_errors(wrong.text) == {
        "id_phone_error": "This is not a valid phone number in Russia. Check the number and the country."}
    ok = client.post("/en/book/details/", {**form, "phone_1": "8 (916) 123-45-67"}, **HOST)
    assert ok.status_code == 302
    with scopes_disabled():
        assert booking.__class__.objects.get(guest_email="boris@example.com").guest_phone == "+79161234567"
