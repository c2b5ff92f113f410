"""Hotel texts in every offered language: the fallback, the tenant scope around them, the panel editing both
languages side by side, and guests (pages, API, messages) reading their own language."""

import json
import re
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.utils import translation
from django_scopes import scope, scopes_disabled
from django_scopes.exceptions import ScopeError

from innkeeper.core.models import ActivityLog
from innkeeper.hotels.models import AddOn, Hotel, RoomType
from innkeeper.messaging.models import Message
from tests import factories
from tests.factories import PASSWORD
from tests.messaging_helpers import confirmed_booking, rendered


def in_language(language, read):
    with translation.override(language):
        return read()


def shown(row, text, language):
    """``row``'s ``text`` as a guest reading ``language`` sees it."""
    with translation.override(language):
        return getattr(row, text)


@pytest.mark.parametrize("main", ["en", "ru"])
def test_a_missing_text_shows_the_hotels_main_language_then_english_never_empty(hotel, other_hotel, main):
    with scopes_disabled():
        Hotel.objects.filter(pk=hotel.pk).update(default_locale=main, locales=["en", "ru"])
        hotel.refresh_from_db()
    given = {"en": {"name_en": "Double room", "description_en": "Quiet, on the courtyard."},
             "ru": {"name_ru": "Двухместный номер", "description_ru": "Тихий, окнами во двор."}}[main]
    only_main = factories.make_room_type(hotel, slug="double", **given)
    both = factories.make_room_type(hotel, slug="twin", name_en="Twin room", name_ru="Номер с двумя кроватями",
                                    description_en="", description_ru="")
    blank = factories.make_room_type(hotel, slug="blank", name_en="Suite", name_ru="")  # "" counts as not given
    factories.make_room_type(other_hotel, slug="double", name_en="Their double", name_ru="Их номер")
    with scopes_disabled():
        only_main, both, blank = (RoomType.objects.get(pk=rt.pk) for rt in (only_main, both, blank))
    for language in ("en", "ru"):
        assert shown(only_main, "name", language) == given[f"name_{main}"]
        assert shown(only_main, "description", language) == given[f"description_{main}"]
        assert shown(blank, "name", language) == "Suite"
        # Nothing given in any language: empty, never None.
        assert shown(both, "description", language) == ""
    assert (shown(both, "name", "en"), shown(both, "name", "ru")) == (
        "Twin room", "Номер с двумя кроватями")


def test_translated_models_are_still_scoped_to_one_hotel(hotel, other_hotel):
    factories.make_room_type(hotel, slug="std", name_en="Standard", name_ru="Стандарт")
    factories.make_room_type(other_hotel, slug="std", name_en="Standard", name_ru="Стандарт")
    factories.make_add_on(hotel, "tea", "3", name_en="Tea", name_ru="Чай")
    factories.make_add_on(other_hotel, "tea", "3", name_en="Tea", name_ru="Чай")
    for query in (lambda: list(RoomType.objects.all()), lambda: RoomType.objects.filter(name="Standard").count(),
                  lambda: RoomType.objects.get(slug="std"), lambda: list(AddOn.objects.filter(code="tea"))):
        with pytest.raises(ScopeError):
            query()
    with scope(hotel=hotel), translation.override("ru"):
        assert [(rt.hotel_id, rt.name) for rt in RoomType.objects.all()] == [(hotel.pk, "Стандарт")]
        # A lookup on a text field reads the active language's column, still within the hotel.
        assert list(RoomType.objects.filter(name="Стандарт").values_list("hotel_id", flat=True)) == [hotel.pk]
        assert [(a.hotel_id, a.name) for a in AddOn.objects.filter(code="tea")] == [(hotel.pk, "Чай")]
    with scope(hotel=other_hotel):
        assert RoomType.objects.get(slug="std").hotel_id == other_hotel.pk


def test_room_types_are_listed_by_the_name_shown_in_each_language(hotel):
    factories.make_room_type(hotel, slug="a", name_en="Attic", name_ru="Мансарда")
    factories.make_room_type(hotel, slug="b", name_en="Balcony", name_ru="")  # Russian falls back to "Balcony"
    factories.make_room_type(hotel, slug="c", name_en="Courtyard", name_ru="Апартаменты во дворе")
    with scope(hotel=hotel):
        assert in_language("en", lambda: [rt.slug for rt in RoomType.objects.all()]) == ["a", "b", "c"]
        assert in_language("ru", lambda: [rt.slug for rt in RoomType.objects.all()]) == ["b", "c", "a"]


# The panel --------------------------------------------------------------------------------------------

def owner_of(client, hotel):
    factories.make_member(hotel, "OWNER", f"owner@{hotel.slug}.example")
    assert client.post("/panel/sign-in/", {"username": f"owner@{hotel.slug}.example",
                                           "password": PASSWORD}).status_code == 302


ROOM_TYPE = {"slug": "garden", "base_price_nightly": "90", "base_occupancy": 2, "max_occupancy": 2,
             "extra_guest_charge": "0", "turnover_minutes": 0, "sort_order": 0, "is_active": "on"}


def test_the_panel_edits_both_languages_side_by_side_and_saves_both(client, hotel, other_hotel):
    theirs = factories.make_room_type(other_hotel, slug="garden", name_en="Their garden room")
    owner_of(client, hotel)
    page = client.get("/panel/room-types/new/").content.decode()
    group = re.search(r'<div class="languages" role="group" aria-label="Name">(.*?)</div>\s*</div>', page, re.S)
    labels = re.findall(r'<label for="id_(name_\w+)">([^<]+)</label>', group.group(0))
    assert labels == [("name_en", "Name (English)"), ("name_ru", "Name (Русский)")]
    assert re.search(r'<input[^>]*name="name_ru"[^>]*lang="ru"', page)

    r = client.post("/panel/room-types/new/", {**ROOM_TYPE, "name_en": "Garden room", "name_ru": "Номер с садом",
                                                "description_en": "Opens onto the garden.",
                                                "description_ru": "Выход в сад."})
    assert r.status_code == 302, r.content.decode()[:2000]
    with scopes_disabled():
        mine = RoomType.objects.get(hotel=hotel, slug="garden")
        theirs_now = RoomType.objects.get(pk=theirs.pk)
    assert (mine.name_en, mine.name_ru, mine.description_en, mine.description_ru) == (
        "Garden room", "Номер с садом", "Opens onto the garden.", "Выход в сад.")
    assert (theirs_now.name_en, theirs_now.name_ru) == ("Their garden room", None)
    assert ActivityLog.objects.get(verb="roomtype.create").after["name_ru"] == "Номер с садом"
    assert client.get(f"/panel/room-types/{theirs.pk}/").status_code == 404

    # Editing one language leaves the other as it was.
    r = client.post(f"/panel/room-types/{mine.pk}/", {**ROOM_TYPE, "name_en": "Garden room",
                                                       "name_ru": "Номер с выходом в сад"})
    assert r.status_code == 302
    with scopes_disabled():
        mine.refresh_from_db()
    assert (mine.name_en, mine.name_ru, mine.description_en, mine.description_ru) == (
        "Garden room", "Номер с выходом в сад", None, None)


def test_a_name_is_required_in_at_least_one_language_beside_the_main_languages_input(client, hotel, other_hotel):
    with scopes_disabled():
        Hotel.objects.filter(pk=hotel.pk).update(default_locale="ru", locales=["ru", "en"])
    owner_of(client, hotel)
    r = client.post("/panel/room-types/new/", {**ROOM_TYPE, "name_en": "", "name_ru": ""})
    assert r.status_code == 400
    assert r.context["form"].errors == {"name_ru": ["This field is required."]}
    r = client.post("/panel/extras/", {"code": "tea", "name_en": "", "name_ru": "", "price": "3",
                                       "charge": "PER_STAY", "sort_order": 0})
    assert r.status_code == 400 and r.context["form"].errors == {"name_ru": ["This field is required."]}
    too_long = client.post("/panel/room-types/new/", {**ROOM_TYPE, "name_en": "x" * 121, "name_ru": ""})
    assert too_long.status_code == 400 and list(too_long.context["form"].errors) == ["name_en"]
    with scopes_disabled():
        assert not RoomType.objects.filter(hotel=hotel).exists() and not AddOn.objects.filter(hotel=hotel).exists()
    # One language is enough: the other falls back to it.
    assert client.post("/panel/extras/", {"code": "tea", "name_en": "Tea", "name_ru": "", "price": "3",
                                          "charge": "PER_STAY", "sort_order": 0}).status_code == 302
    with scopes_disabled():
        tea = AddOn.objects.get(hotel=hotel, code="tea")
    assert (tea.name_en, tea.name_ru, shown(tea, "name", "ru")) == ("Tea", None, "Tea")


def test_hotel_settings_save_the_hotels_texts_in_both_languages(client, hotel, other_hotel):
    owner_of(client, hotel)
    page = client.get("/panel/settings/")
    data = {k: ("" if v is None else v) for k, v in page.context["form"].initial.items() if k != "theme"}
    data = {f"hotel-{k}": v for k, v in data.items() if v is not False}
    data.update({"hotel-name_ru": "Московская гостиница", "hotel-house_rules_en": "No smoking.",
                 "hotel-house_rules_ru": "Не курить.", "hotel-cancellation_policy_text_ru": "Без штрафа."})
    r = client.post("/panel/settings/", data)
    assert r.status_code == 302, r.content.decode()[:2000]
    with scopes_disabled():
        saved, theirs = Hotel.objects.get(pk=hotel.pk), Hotel.objects.get(pk=other_hotel.pk)
    assert (saved.name_en, saved.name_ru, saved.house_rules_en, saved.house_rules_ru) == (
        "Moscow Inn", "Московская гостиница", "No smoking.", "Не курить.")
    assert (saved.cancellation_policy_text_en, saved.cancellation_policy_text_ru) == (None, "Без штрафа.")
    assert (theirs.name_ru, theirs.house_rules_ru) == (None, None)


# Guests -----------------------------------------------------------------------------------------------

@pytest.fixture
def russian_content(hotel, other_hotel):
    with scopes_disabled():
        Hotel.objects.filter(pk=hotel.pk).update(
            name_ru="Московская гостиница", description_en="Near the Kremlin.", description_ru="Рядом с Кремлём.",
            house_rules_en="No smoking.", house_rules_ru="Не курить.")
    std = factories.make_room_type(hotel, slug="std", name_en="Standard", name_ru="Стандарт",
                                   description_en="A quiet room.", description_ru="Тихий номер.", rooms=2)
    lux = factories.make_room_type(hotel, slug="lux", name_en="Deluxe", description_en="With a view.", rooms=1)
    factories.make_add_on(hotel, "breakfast", "10", name_en="Breakfast", name_ru="Завтрак")
    factories.make_room_type(other_hotel, slug="std", name_en="Their standard", name_ru="Их стандарт", rooms=1)
    return std, lux


def test_guest_pages_show_russian_where_given_and_the_fallback_elsewhere(client, hotel, russian_content):
    ru = client.get("/ru/rooms/", HTTP_HOST="moscow.localhost").content.decode()
    assert "Стандарт" in ru and "Тихий номер." in ru
    assert "Deluxe" in ru and "With a view." in ru  # not given in Russian
    assert "Их стандарт" not in ru and "Standard" not in ru
    en = client.get("/en/rooms/", HTTP_HOST="moscow.localhost").content.decode()
    assert "Standard" in en and "A quiet room." in en and "Стандарт" not in en
    about = client.get("/ru/about/", HTTP_HOST="moscow.localhost").content.decode()
    assert "Московская гостиница" in about and "Рядом с Кремлём." in about and "Не курить." in about
    assert "No smoking." in client.get("/en/about/", HTTP_HOST="moscow.localhost").content.decode()


def test_the_public_api_answers_in_the_requests_language_with_the_same_keys(client, hotel, russian_content, future):
    path = (f"/api/v1/hotels/moscow/availability?check_in={future}"
            f"&check_out={future + timedelta(days=2)}&guests=1")
    en = client.get(path).json()
    by_query = client.get(path + "&lang=ru").json()
    by_header = client.get(path, HTTP_ACCEPT_LANGUAGE="ru").json()
    on_the_site = client.get(path, HTTP_HOST="moscow.localhost", HTTP_ACCEPT_LANGUAGE="ru").json()
    assert [rt["name"] for rt in en["room_types"]] == ["Deluxe", "Standard"]
    for answer in (by_query, by_header, on_the_site):
        assert {rt["slug"]: rt["name"] for rt in answer["room_types"]} == {"std": "Стандарт", "lux": "Deluxe"}
        assert answer.keys() == en.keys()
        assert [rt.keys() for rt in answer["room_types"]] == [rt.keys() for rt in en["room_types"]]
    # ?lang= wins over the header; a language the install does not speak is ignored.
    assert {rt["name"] for rt in client.get(path + "&lang=en", HTTP_ACCEPT_LANGUAGE="ru").json()["room_types"]} == {
        "Standard", "Deluxe"}
    assert client.get(path + "&lang=xx").json() == en

    body = {"room_type": "std", "check_in": str(future), "check_out": str(future + timedelta(days=2)), "guests": 1,
            "guest": {"name": "Anna", "email": "anna@example.com"}, "add_ons": ["breakfast"]}
    made = client.post("/api/v1/hotels/moscow/bookings?lang=ru", data=json.dumps(body),
                       content_type="application/json").json()
    assert (made["room_type_name"], made["add_ons"][0]["name"]) == ("Стандарт", "Завтрак")
    again = client.get(f"/api/v1/bookings/{made['reference']}?email=anna@example.com").json()
    assert (again["room_type_name"], again["add_ons"][0]["name"]) == ("Standard", "Breakfast")
    assert again.keys() == made.keys()


def test_messages_name_the_hotel_room_type_and_extras_in_the_guests_language(hotel, other_hotel):
    with scopes_disabled():
        Hotel.objects.filter(pk=hotel.pk).update(name_ru="Московская гостиница")
    factories.make_add_on(hotel, "breakfast", "10", name_en="Breakfast", name_ru="Завтрак")
    factories.make_add_on(other_hotel, "breakfast", "10", name_en="Their breakfast", name_ru="Их завтрак")
    russian = confirmed_booking(hotel, locale="ru", add_ons=["breakfast"], email="anna@example.com")
    english = confirmed_booking(hotel, locale="en", add_ons=["breakfast"], email="bob@example.com")
    with scopes_disabled():
        RoomType.objects.filter(pk__in=[russian.room_type_id, english.room_type_id]).update(name_ru="Стандарт")
        ru_mail = Message.objects.get(booking=russian, channel="EMAIL")
        en_mail = Message.objects.get(booking=english, channel="EMAIL")
    ru_mail, en_mail = rendered(ru_mail), rendered(en_mail)
    assert ru_mail.subject == f"Бронирование {russian.reference} в Московская гостиница подтверждено"
    assert "Номер: Стандарт" in ru_mail.body_text and "Дополнительно: Завтрак" in ru_mail.body_text
    assert "Московская гостиница" in ru_mail.body_html and "Их завтрак" not in ru_mail.body_text
    assert en_mail.subject == f"Your booking {english.reference} at Moscow Inn is confirmed"
    assert "Extras: Breakfast" in en_mail.body_text and "Стандарт" not in en_mail.body_text


def test_the_demo_hotels_give_their_texts_in_russian(db):
    from django.core.management import call_command

    call_command("seed_demo", "--without-bookings", stdout=__import__("io").StringIO())
    with scopes_disabled():
        for hotel in Hotel.objects.filter(slug__in=["demo", "tbilisi"]):
            texts = [hotel] + list(hotel.room_types.all()) + list(hotel.add_ons.all())
            assert all(row.name_ru and row.name_en and row.name_ru != row.name_en for row in texts)
            assert all(rt.description_ru and rt.description_en for rt in hotel.room_types.all())
            assert hotel.description_ru and hotel.house_rules_ru and hotel.cancellation_policy_text_ru
        demo = Hotel.objects.get(slug="demo")
        assert shown(demo, "name", "ru") == "Демо-отель Innkeeper"
        assert shown(demo, "name", "en") == "Innkeeper Demo Hotel"


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_existing_texts_into_each_hotels_main_language():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("hotels", "0008_currency_iso_4217")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    made = {}
    for slug, language in (("moscow", "ru"), ("tbilisi", "en"), ("berlin", "de")):  # de: no column, so English
        hotel = old.get_model("hotels", "Hotel").objects.create(
            name=f"{slug} name", slug=slug, description=f"{slug} text", default_locale=language, locales=[language])
        old.get_model("hotels", "RoomType").objects.create(hotel_id=hotel.pk, name=f"{slug} room", slug="std",
                                                           description=f"{slug} room text",
                                                           base_price_nightly=D("10"))
        old.get_model("hotels", "AddOn").objects.create(hotel_id=hotel.pk, code="tea", name=f"{slug} tea", price=D("1"))
        made[slug] = hotel.pk
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    with scopes_disabled():
        for slug, language, other in (("moscow", "ru", "en"), ("tbilisi", "en", "ru"), ("berlin", "en", "ru")):
            hotel = Hotel.objects.get(pk=made[slug])
            room_type, add_on = RoomType.objects.get(hotel=hotel), AddOn.objects.get(hotel=hotel)
            assert (getattr(hotel, f"name_{language}"), getattr(hotel, f"description_{language}")) == (
                f"{slug} name", f"{slug} text")
            assert (getattr(room_type, f"name_{language}"), getattr(room_type, f"description_{language}")) == (
                f"{slug} room", f"{slug} room text")
            assert getattr(add_on, f"name_{language}") == f"{slug} tea"
            assert (getattr(hotel, f"name_{other}"), getattr(room_type, f"name_{other}")) == (None, None)
            assert shown(room_type, "name", other) == f"{slug} room"  # shown through the fallback
        RoomType.objects.filter(hotel_id=made["moscow"]).update(name_ru="Номер", name_en="Room")
    # Going back, the plain columns hold each text in the hotel's main language.
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(before)
        old = executor.loader.project_state(before).apps
        names = dict(old.get_model("hotels", "RoomType").objects.values_list("hotel__slug", "name"))
        assert names == {"moscow": "Номер", "tbilisi": "tbilisi room", "berlin": "berlin room"}
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
