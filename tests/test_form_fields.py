"""Every field of the panel and the guest site is rendered by one template: Django's aria-describedby and
aria-invalid point at a help text and an error that exist on the page, and the error is read out there."""

import re
from datetime import timedelta
from decimal import Decimal as D
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scopes_disabled

from innkeeper.hotels.models import HotelLogo
from tests import factories

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Page(HTMLParser):
    """The text of every element with an id, and the tags that name others in aria-describedby."""

    def __init__(self):
        super().__init__()
        self.text, self.described, self.open, self.unexplained = {}, [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        # An invalid control says why itself, or its fieldset (a group of radios) does.
        if attrs.get("aria-invalid") == "true" and "aria-describedby" not in attrs and not any(
                open_tag == "fieldset" and described for open_tag, _id, described in self.open):
            self.unexplained.append(attrs.get("name"))
        if "aria-describedby" in attrs:
            self.described.append((tag, attrs))
        if attrs.get("id"):
            assert attrs["id"] not in self.text, f"id {attrs['id']} is used twice"
            self.text[attrs["id"]] = ""
        if tag not in VOID:
            self.open.append((tag, attrs.get("id"), "aria-describedby" in attrs))

    def handle_endtag(self, tag):
        while self.open:
            if self.open.pop()[0] == tag:
                break

    def handle_data(self, data):
        for _tag, element_id, _described in self.open:
            if element_id:
                self.text[element_id] += data


def described_errors(page: str) -> dict[str, str]:
    """Each control's name (a fieldset: the first id it names) mapped to the text of the elements its
    aria-describedby names; every one of those ids must exist, and every invalid control must name one."""
    parsed = _Page()
    parsed.feed(page)
    seen = {}
    for tag, attrs in parsed.described:
        ids = attrs["aria-describedby"].split()
        missing = [i for i in ids if i not in parsed.text]
        assert missing == [], f"<{tag} {attrs}> points at ids that are not on the page: {missing}"
        if attrs.get("aria-invalid") == "true":
            assert any(i.endswith("_error") for i in ids), attrs
        seen[attrs.get("name") or ids[0]] = " | ".join(" ".join(parsed.text[i].split()) for i in ids)
    assert parsed.unexplained == [], f"invalid controls that point at no error: {parsed.unexplained}"
    return seen


@pytest.fixture
def signed_in(client, hotel):
    factories.make_member(hotel, "OWNER", "owner@moscow.example")
    assert client.post("/panel/sign-in/", {"username": "owner@moscow.example",
                                           "password": factories.PASSWORD}).status_code == 302
    return client


def test_the_panels_new_booking_form_ties_each_error_to_its_field(signed_in, hotel, other_hotel, future):
    std = factories.make_room_type(hotel, slug="std", name="Standard", rooms=2)
    factories.make_room_type(other_hotel, slug="far", name="Faraway Suite", rooms=1)
    r = signed_in.post("/panel/bookings/new/", {
        "source": "PHONE", "room_type": std.pk, "mode": "weekly", "check_in": future.isoformat(),
        "check_out": (future + timedelta(days=2)).isoformat(), "guests": 0, "name": "", "email": "not-an-email",
        "locale": "en", "request_key": "k1"})
    page = r.content.decode()
    assert r.status_code in (200, 400) and "Faraway Suite" not in page
    assert described_errors(page) == {
        "id_mode_error": "Select a valid choice. weekly is not one of the available choices.",
        "guests": "Ensure this value is greater than or equal to 1.",
        "name": "This field is required.",
        "email": "Enter a valid email address.",
    }


def test_a_panel_field_with_help_text_names_both_the_help_and_the_error(client, hotel, other_hotel):
    factories.make_member(hotel, "OWNER", "owner@moscow.example")
    client.post("/panel/sign-in/", {"username": "owner@moscow.example", "password": factories.PASSWORD})
    form = client.get("/panel/settings/").context["form"]
    data = {f"hotel-{k}": ("" if v is None else v) for k, v in form.initial.items() if k != "theme"}
    for flag in ("prices_include_tax", "remove_logo"):
        if not data.get(f"hotel-{flag}"):
            data.pop(f"hotel-{flag}", None)
    data["hotel-logo"] = SimpleUploadedFile("logo.png", b"\x89PNG\r\n\x1a\n not really", content_type="image/png")
    r = client.post("/panel/settings/", data)
    assert r.status_code == 400
    logo = described_errors(r.content.decode())["hotel-logo"]
    help_text, error = logo.split(" | ")
    assert help_text == "A PNG or WebP image of at most 200 KB, shown in the website's header."
    assert error.startswith("The logo must be a PNG or WebP image")
    assert "Other Inn" not in r.content.decode()
    with scopes_disabled():
        assert HotelLogo.objects.count() == 0


def test_the_guest_details_form_ties_each_error_to_its_field(client, hotel, other_hotel, future):
    hotel.default_locale = "en"
    hotel.save()
    factories.make_room_type(hotel, slug="lux", name="Deluxe", rooms=2, base_price_nightly=D("180"))
    query = {"mode": "nightly", "check_in": future.isoformat(),
             "check_out": (future + timedelta(days=2)).isoformat(), "guests": 2, "room_type": "lux"}
    first = client.get("/en/book/details/", data=query, HTTP_HOST="moscow.localhost").content.decode()
    key = re.search(r'name="request_key" value="([0-9a-f]+)"', first).group(1)
    assert described_errors(first) == {}
    r = client.post("/en/book/details/", {**query, "name": "", "email": "not-an-email", "phone": "",
                                          "request_key": key}, HTTP_HOST="moscow.localhost")
    assert described_errors(r.content.decode()) == {
        "name": "This field is required.",
        "email": "Enter a valid email address.",
    }
