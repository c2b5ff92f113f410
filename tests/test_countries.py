"""Countries are ISO 3166-1 codes with translated names: the hotel's country (also the region its guests'
phone numbers are read in) and the guest's nationality at check-in, and the migration that brought old
values over."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import translation
from django_scopes import scope, scopes_disabled

from innkeeper.booking.models import Booking
from innkeeper.booking.states import Status
from innkeeper.checkin import services as checkin
from innkeeper.checkin.models import GuestIdentity
from innkeeper.core.errors import InvalidInput
from innkeeper.hotels import links
from innkeeper.hotels import services as hotels
from innkeeper.hotels.models import Hotel
from innkeeper.messaging import services as messaging
from tests import factories

IDENTITY = {"legal_name": "Anna Petrova", "date_of_birth": "1990-05-17", "document_number": "75 1234567",
            "address": "Tverskaya 7, Moscow", "today": date(2026, 11, 1)}


# The hotel's country -----------------------------------------------------------------------------------

@pytest.mark.parametrize("language, words", [
    ("en", "Value 'XX' is not a valid choice."),
    ("ru", "Значения 'XX' нет среди допустимых вариантов."),
])
def test_an_unknown_country_is_refused_in_words_and_nothing_is_saved(hotel, other_hotel, language, words):
    hotels.hotel_update(hotel=hotel, country="GE")
    with translation.override(language), pytest.raises(InvalidInput) as refused:
        hotels.hotel_update(hotel=hotel, country="XX")
    assert (refused.value.field, refused.value.message) == ("country", words)
    with scopes_disabled():
        assert Hotel.objects.get(pk=hotel.pk).country.code == "GE"
        assert Hotel.objects.get(pk=other_hotel.pk).country.code == ""


def test_the_panel_settings_offer_countries_by_name_and_refuse_an_unknown_one(client, hotel):
    owner = factories.make_member(hotel, "OWNER", "owner@moscow.example")
    assert client.post("/panel/sign-in/", {"username": owner.email, "password": factories.PASSWORD}).status_code == 302
    page = client.get("/panel/settings/")
    assert '<select name="hotel-country"' in page.text and '<option value="GE">Georgia</option>' in page.text
    data = {f"hotel-{k}": ("" if v is None else v) for k, v in page.context["form"].initial.items()
            if k not in ("theme", "prices_include_tax")}
    refused = client.post("/panel/settings/", {**data, "hotel-country": "XX"})
    assert refused.status_code == 400
    assert "Select a valid choice. XX is not one of the available choices." in refused.text
    assert client.post("/panel/settings/", {**data, "hotel-country": "GE"}).status_code == 302
    with scopes_disabled():
        assert Hotel.objects.get(pk=hotel.pk).country.code == "GE"


def test_a_national_phone_number_is_read_in_the_hotels_country(hotel, other_hotel, settings):
    settings.INNKEEPER_WHATSAPP = {**settings.INNKEEPER_WHATSAPP, "default_region": ""}
    hotels.hotel_update(hotel=hotel, country="RU")
    hotels.hotel_update(hotel=other_hotel, country="GE")

    def opt_out(hotel, number):
        with scope(hotel=hotel):
            return messaging.optout_add(hotel=hotel, channel="WHATSAPP", address=number, actor=None)

    assert opt_out(hotel, "8 916 123-45-67").address == "+79161234567"
    assert opt_out(other_hotel, "555 12 34 56").address == "+995555123456"
    hotels.hotel_update(hotel=other_hotel, country="")
    with pytest.raises(InvalidInput):  # no country, no region: the number needs its country code
        opt_out(other_hotel, "555 12 34 57")


# The guest's nationality -------------------------------------------------------------------------------

@pytest.mark.parametrize("typed, code", [("RU", "RU"), ("de", "DE"), ("DEU", "DE"), ("Georgia", "GE"),
                                         ("Германия", "DE"), ("  france ", "FR")])
def test_a_nationality_is_stored_as_its_country_code(typed, code):
    assert checkin.clean_identity(**IDENTITY, nationality=typed).nationality == code


@pytest.mark.parametrize("language, words", [
    ("en", "Please choose your nationality from the list of countries."),
    ("ru", "Пожалуйста, выберите гражданство из списка стран."),
])
def test_an_unknown_nationality_is_refused_in_words(language, words):
    with translation.override(language), pytest.raises(InvalidInput) as refused:
        checkin.clean_identity(**IDENTITY, nationality="Martian")
    assert (refused.value.field, refused.value.code, refused.value.message) == ("nationality", "invalid", words)


@pytest.mark.parametrize("language, germany, russia", [("en", "Germany", "Russia"), ("ru", "Германия", "Россия")])
def test_the_check_in_form_offers_countries_in_the_pages_language(
        client, hotel, other_hotel, book, future, language, germany, russia):
    room_type = factories.make_room_type(hotel, slug="double", base_price_nightly="100.00")
    factories.make_room(room_type, number="101")
    booking = book(hotel, room_type, future, future + timedelta(days=2))
    page = f"/{language}/check-in/?token={links.checkin_token(booking)}&step=guest"
    host = {"HTTP_HOST": "moscow.localhost"}
    form = client.get(page, **host)
    assert f'<option value="DE">{germany}</option>' in form.text
    posted = client.post(page, {**{k: v for k, v in IDENTITY.items() if k != "today"}, "nationality": "RU"},
                         **host)
    assert posted.status_code == 302
    confirm = client.get(posted["Location"].replace("step=extras", "step=confirm"), **host)
    assert f"<dd>{russia}</dd>" in confirm.text
    assert client.get(page, HTTP_HOST="other.localhost").status_code == 404  # the other hotel's site


@scopes_disabled()
def _booking(room, start):
    return Booking.objects.create(
        hotel=room.hotel, reference=f"C{start.day:05d}", room_type=room.room_type, room=room, kind="HOURLY",
        check_in=start.date(), hours=1, start=start, end=start + timedelta(hours=1), blocks_from=start,
        blocks_until=start + timedelta(hours=1), status=Status.CONFIRMED, guests=1, guest_name="x",
        guest_email="x@example.com", locale="en", currency="EUR", subtotal=0, tax=0, total=0, quote={})


@pytest.mark.django_db(transaction=True)
def test_the_migration_brings_old_countries_and_nationalities_over():
    hotel, other_hotel = factories.make_hotel(slug="a"), factories.make_hotel(slug="b")
    # Made with today's models, so before going back to a schema they no longer fit (texts per language).
    room = factories.make_room(factories.make_room_type(hotel))
    before = [("hotels", "0006_room_lock_account"), ("checkin", "0001_initial")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    apps.get_model("hotels", "Hotel").objects.filter(pk=hotel.pk).update(country="ge")
    apps.get_model("hotels", "Hotel").objects.filter(pk=other_hotel.pk).update(country="Q1")
    guests = {}
    for day, typed in enumerate(("Russia", "россия", "fr", "DEU", "Russian", "Earth, mostly")):
        booking = _booking(room, datetime(2026, 1, 1 + day, 10, tzinfo=UTC))
        guests[typed] = apps.get_model("checkin", "GuestIdentity").objects.create(
            hotel_id=hotel.pk, booking_id=booking.pk, legal_name="Anna", date_of_birth=date(1990, 1, 1),
            document_number="AB12345", nationality=typed).pk
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    with scopes_disabled():
        assert {h.pk: h.country.code for h in Hotel.objects.filter(pk__in=[hotel.pk, other_hotel.pk])} == {
            hotel.pk: "GE", other_hotel.pk: ""}  # not a code: blank, and the migration said so
        now = {typed: GuestIdentity.objects.values_list("nationality", "nationality_text").get(pk=pk)
               for typed, pk in guests.items()}
    assert now == {"Russia": ("RU", ""), "россия": ("RU", ""), "fr": ("FR", ""), "DEU": ("DE", ""),
                   "Russian": ("", "Russian"), "Earth, mostly": ("", "Earth, mostly")}  # kept word for word
