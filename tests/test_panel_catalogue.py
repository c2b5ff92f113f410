"""The staff panel's rooms, rates, extras and settings: owners change them (and each change is audited),
staff may only take a room in or out of service, another hotel's rows are 404."""

import re
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from innkeeper.core.activity import Actor
from innkeeper.core.models import ActivityLog
from innkeeper.hotels.models import Hotel, HotelDomain, RateOverride, Room
from innkeeper.locks.providers.ttlock import forget_tokens
from tests import factories
from tests.factories import PASSWORD
from tests.fakes.ttlock import CLIENT_ID, CLIENT_SECRET, USERNAME, FakeTTLockServer
from tests.fakes.ttlock import PASSWORD as LOCK_PASSWORD


def as_member(client, hotel, role, email):
    user = factories.make_member(hotel, role, email)
    assert client.post("/panel/sign-in/", {"username": email, "password": PASSWORD}).status_code == 302
    return user


@pytest.fixture
def std(hotel):
    return factories.make_room_type(hotel, slug="std", name="Standard", rooms=2, base_price_nightly=D("100"))


def test_an_owner_adds_a_room_with_its_lock_and_the_change_is_audited(client, hotel, std, settings, worker):
    owner = as_member(client, hotel, "OWNER", "owner@moscow.example")
    forget_tokens()
    with FakeTTLockServer() as (cloud, base_url):
        settings.LOCK_PROVIDER = "ttlock"
        settings.TTLOCK = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "username": USERNAME,
                           "password": LOCK_PASSWORD, "base_url": base_url, "timeout": 1.0}
        cloud.add_lock("12345", alias="Door 501")
        assert client.get("/panel/rooms/").status_code == 200  # a worker is asked to read the account's locks
        assert worker.run("locks.lock_list_refresh") == ["locks.lock_list_refresh"]
        assert "Door 501 (12345)" in client.get("/panel/rooms/").content.decode()  # offered from the account
        r = client.post("/panel/rooms/", {"number": "501", "room_type": std.pk, "floor": 5,
                                          "status": "AVAILABLE", "lock_id": "12345", "notes": ""})
    forget_tokens()
    assert r.status_code == 302
    with scopes_disabled():
        room = Room.objects.get(number="501")
    assert (room.hotel, room.room_type, room.lock_id) == (hotel, std, "12345")
    assert room.lock_account_key == f"ttlock:{CLIENT_ID}:{USERNAME}"
    entry = ActivityLog.objects.get(verb="room.create")
    assert (entry.actor, entry.hotel, entry.subject_id) == (Actor.staff(owner), hotel, str(room.pk))
    entry = ActivityLog.objects.get(verb="room.lock")
    assert (entry.actor, entry.hotel, entry.subject_id, entry.after["lock_id"]) == (
        Actor.staff(owner), hotel, str(room.pk), "12345")
    duplicate = client.post("/panel/rooms/", {"number": "501", "room_type": std.pk, "status": "AVAILABLE"})
    assert duplicate.status_code == 400
    with scopes_disabled():
        assert Room.objects.filter(number="501").count() == 1


def test_staff_take_a_room_out_of_service_but_change_nothing_else(client, hotel, std):
    as_member(client, hotel, "STAFF", "desk@moscow.example")
    with scopes_disabled():
        room = std.rooms.first()
    r = client.post(f"/panel/rooms/{room.pk}/", {"status": "MAINTENANCE", "number": "999", "lock_id": "X"})
    assert r.status_code == 302
    with scopes_disabled():
        room.refresh_from_db()
    assert (room.status, room.number != "999", room.lock_id != "X") == ("MAINTENANCE", True, True)
    assert client.get(f"/panel/rooms/{room.pk}/").status_code == 403
    assert client.post("/panel/rooms/", {"number": "777", "room_type": std.pk, "status": "AVAILABLE"}
                       ).status_code == 403
    assert client.post("/panel/rates/", {"room_type": std.pk}).status_code == 403


def test_rates_for_a_range_show_in_the_calendar(client, hotel, std, future):
    as_member(client, hotel, "OWNER", "owner@moscow.example")
    form = {"room_type": std.pk, "date_from": future.isoformat(), "date_to": (future + timedelta(days=2)).isoformat()}
    r = client.post(f"/panel/rates/?from={future}", {**form, "price_nightly": "150"})
    assert r.status_code == 302
    client.post(f"/panel/rates/?from={future}", {**form, "date_from": (future + timedelta(days=2)).isoformat(),
                                                "closed": "close"})
    with scopes_disabled():
        prices = dict(RateOverride.objects.filter(room_type=std).values_list("date", "price_nightly"))
        closed = list(RateOverride.objects.filter(room_type=std, closed=True).values_list("date", flat=True))
    assert prices == {future + timedelta(days=i): D("150.00") for i in range(3)}
    assert closed == [future + timedelta(days=2)]
    page = client.get("/panel/rates/", {"from": future.isoformat()}).content.decode()
    assert f'class="special" data-date="{future}">€150' in page
    assert f'class="closed" data-date="{future + timedelta(days=2)}">closed' in page
    nothing = client.post("/panel/rates/", form)
    assert nothing.status_code == 400 and "Nothing to change" in nothing.content.decode()
    backwards = client.post("/panel/rates/", {**form, "date_to": (future - timedelta(days=1)).isoformat(),
                                              "price_nightly": "1"})
    assert backwards.status_code == 400 and "must not be before the start date" in backwards.content.decode()


def test_settings_change_the_hotel_and_the_audit_keeps_before_and_after(client, hotel):
    owner = as_member(client, hotel, "OWNER", "owner@moscow.example")
    page = client.get("/panel/settings/")
    form = {k.replace("hotel-", ""): v for k, v in page.context["form"].initial.items()}
    data = {f"hotel-{k}": ("" if v is None else v) for k, v in form.items() if k not in ("theme",)}
    data.update({"hotel-check_in_time": "15:00", "hotel-primary_colour": "#AA3300", "hotel-accent_colour": "#c7862f"})
    for flag in ("prices_include_tax",):
        if not data.get(f"hotel-{flag}"):
            data.pop(f"hotel-{flag}", None)
    r = client.post("/panel/settings/", data)
    assert r.status_code == 302, r.content.decode()[:2000]
    with scopes_disabled():
        hotel = Hotel.objects.get(pk=hotel.pk)
    assert (hotel.check_in_time.hour, hotel.theme["primary"]) == (15, "#aa3300")
    entry = ActivityLog.objects.get(verb="hotel.update")
    assert entry.actor == Actor.staff(owner) and entry.before["check_in_time"] == "14:00:00"
    assert entry.after["check_in_time"] == "15:00:00" and "name" not in entry.after  # only what changed


def test_a_domain_of_another_hotel_is_refused(client, hotel, other_hotel):
    with scopes_disabled():
        HotelDomain.objects.create(hotel=other_hotel, domain="taken.example", verified_at=timezone.now())
    as_member(client, hotel, "OWNER", "owner@moscow.example")
    r = client.post("/panel/settings/domains/", {"domain-domain": "https://Taken.example/", "domain-primary": "on"})
    assert r.status_code == 400 and "already belongs to another hotel" in r.content.decode()
    ok = client.post("/panel/settings/domains/", {"domain-domain": "https://Moscow-Inn.example/"})
    assert ok.status_code == 302
    with scopes_disabled():
        assert HotelDomain.objects.filter(hotel=hotel, domain="moscow-inn.example").exists()


# Who may open what ---------------------------------------------------------------------------------

def objects(hotel):
    with scopes_disabled():
        rt = factories.make_room_type(hotel, slug="mx", rooms=1)
        add_on = factories.make_add_on(hotel, "tea", "3", "PER_STAY")
        return {"room": rt.rooms.first().pk, "room_type": rt.pk, "add_on": add_on.pk}


PAGES = [  # path, staff, owner (other hotel's owner: 200 on lists, 404 on this hotel's objects)
    ("/panel/rooms/", 200, 200), ("/panel/rooms/{room}/", 403, 200), ("/panel/room-types/new/", 403, 200),
    ("/panel/room-types/{room_type}/", 403, 200), ("/panel/rates/", 200, 200), ("/panel/extras/", 403, 200),
    ("/panel/extras/{add_on}/", 403, 200), ("/panel/settings/", 403, 200), ("/panel/audit/", 403, 200),
    ("/panel/messages/", 200, 200), ("/panel/messages/templates/", 403, 200),
]


@pytest.mark.parametrize("path, staff, owner", PAGES)
@pytest.mark.parametrize("who", ["anonymous", "staff", "owner", "other_owner"])
def test_permission_matrix(client, hotel, other_hotel, path, staff, owner, who):
    url = path.format(**objects(hotel))
    if who == "staff":
        as_member(client, hotel, "STAFF", "s@moscow.example")
    elif who == "owner":
        as_member(client, hotel, "OWNER", "o@moscow.example")
    elif who == "other_owner":
        as_member(client, other_hotel, "OWNER", "o@other.example")
    r = client.get(url)
    if who == "anonymous":
        assert r.status_code == 302 and r["Location"].startswith("/panel/sign-in/")
    elif who == "other_owner":
        assert r.status_code == (404 if "{" in path else 200)
    else:
        assert r.status_code == {"staff": staff, "owner": owner}[who]


def test_an_owner_sets_the_hotels_own_ttlock_account_with_secrets_kept_and_encrypted(client, hotel):
    from django.db import connection

    from innkeeper.core.models import IntegrationAccount
    owner = as_member(client, hotel, "OWNER", "owner@moscow.example")
    form = {"lock-provider": "ttlock", "lock-client_id": "app-1", "lock-client_secret": "s3cret",
            "lock-username": "hotel-user", "lock-password": "pw-123", "lock-is_active": "on"}
    missing = client.post("/panel/settings/locks/", {**form, "lock-password": ""})
    assert missing.status_code == 400 and "needs the app id" in missing.content.decode()
    assert client.post("/panel/settings/locks/", form).status_code == 302
    assert client.post("/panel/settings/locks/", {**form, "lock-client_secret": "", "lock-password": "",
                                                  "lock-username": "renamed"}).status_code == 302
    with scopes_disabled():
        config = IntegrationAccount.objects.get(hotel=hotel, kind="lock").config
    assert (config["username"], config["client_secret"], config["password"]) == ("renamed", "s3cret", "pw-123")
    with connection.cursor() as cursor:
        cursor.execute("SELECT config FROM core_integrationaccount WHERE kind = 'lock'")
        stored = "".join(cursor.fetchone())
        assert "s3cret" not in stored and "pw-123" not in stored and "hotel-user" not in stored
    entries = ActivityLog.objects.filter(verb="lockaccount.set", actor_kind="staff",
                                         actor_id=str(owner.pk)).order_by("id")
    assert [e.after.get("username") for e in entries] == ["hotel-user", "renamed"]
    assert all("s3cret" not in str(e.before) + str(e.after) for e in entries)


def test_an_owner_switches_ttlock_app_keys_on_for_the_hotels_guests(client, hotel, other_hotel, settings):
    from innkeeper.core.models import IntegrationAccount
    from innkeeper.locks.providers import app_keys_for

    settings.TTLOCK_APP_KEYS = False
    as_member(client, hotel, "OWNER", "owner@moscow.example")
    page = client.get("/panel/settings/").content.decode()
    switch = re.compile(r'<input type="checkbox" name="lock-app_keys"[^>]*>')
    assert "Guests also get a key in the TTLock app" in page and "checked" not in switch.search(page).group(0)
    form = {"lock-provider": "simulator", "lock-app_keys": "on", "lock-app_keys_remote_unlock": "on",
            "lock-is_active": "on"}
    assert client.post("/panel/settings/locks/", form).status_code == 302
    with scopes_disabled():
        config = IntegrationAccount.objects.get(hotel=hotel, kind="lock").config
    assert config == {"app_keys": True, "app_keys_remote_unlock": True}
    assert app_keys_for(hotel).remote_unlock is True and app_keys_for(other_hotel) is None
    page = client.get("/panel/settings/").content.decode()
    assert "checked" in switch.search(page).group(0)
    # Remote opening goes with the app key: off with it.
    assert client.post("/panel/settings/locks/", {"lock-provider": "simulator", "lock-app_keys_remote_unlock": "on",
                                                  "lock-is_active": "on"}).status_code == 302
    with scopes_disabled():
        assert IntegrationAccount.objects.get(hotel=hotel, kind="lock").config == {
            "app_keys": False, "app_keys_remote_unlock": False}
    assert app_keys_for(hotel) is None


def test_an_owner_chooses_the_main_domain_and_removes_domains_with_each_change_audited(client, hotel, other_hotel):
    from innkeeper.hotels.links import hotel_host

    owner = as_member(client, hotel, "OWNER", "owner@moscow.example")
    with scopes_disabled():
        old = HotelDomain.objects.create(hotel=hotel, domain="old.example", is_primary=True,
                                         verified_at=timezone.now())
        new = HotelDomain.objects.create(hotel=hotel, domain="new.example", verified_at=timezone.now())
        theirs = HotelDomain.objects.create(hotel=other_hotel, domain="theirs.example", is_primary=True)
    page = client.get("/panel/domains/").content.decode()
    assert 'data-domain="old.example"' in page and 'data-domain="new.example"' in page and "theirs" not in page
    assert f'action="/panel/domains/{new.pk}/main/"' in page and f'action="/panel/domains/{old.pk}/main/"' not in page
    refused = client.post(f"/panel/domains/{old.pk}/remove/", follow=True)
    assert "old.example is the main domain. Make another domain the main one first." in refused.content.decode()
    assert client.post(f"/panel/domains/{new.pk}/main/").status_code == 302
    with scopes_disabled():
        assert hotel_host(hotel) == "new.example"
    assert client.post(f"/panel/domains/{old.pk}/remove/")["Location"] == "/panel/domains/"
    assert client.post(f"/panel/domains/{theirs.pk}/remove/").status_code == 404
    assert client.post(f"/panel/domains/{theirs.pk}/main/").status_code == 404
    with scopes_disabled():
        assert list(HotelDomain.objects.filter(hotel=hotel).values_list("domain", "is_primary")) == [
            ("new.example", True)]
        assert HotelDomain.objects.filter(pk=theirs.pk, is_primary=True).exists()
    entries = [(e.actor, e.verb, e.subject_id, e.before, e.after)
               for e in ActivityLog.objects.filter(verb__startswith="hoteldomain.").order_by("id")]
    by_owner = Actor.staff(owner)
    assert entries == [
        (by_owner, "hoteldomain.primary", str(new.pk), {"main_domain": "old.example"}, {"main_domain": "new.example"}),
        (by_owner, "hoteldomain.remove", str(old.pk), {"domain": "old.example", "primary": False}, {}),
    ]


def _settings_form(client) -> dict:
    page = client.get("/panel/settings/")
    initial = {k.replace("hotel-", ""): v for k, v in page.context["form"].initial.items()}
    data = {f"hotel-{k}": ("" if v is None else v) for k, v in initial.items() if k != "theme"}
    for flag in ("prices_include_tax",):
        if not data.get(f"hotel-{flag}"):
            data.pop(f"hotel-{flag}", None)
    return data


def test_an_owner_chooses_the_hotels_languages_and_main_language(client, hotel):
    as_member(client, hotel, "OWNER", "owner@moscow.example")
    with scopes_disabled():
        Hotel.objects.filter(pk=hotel.pk).update(locales=["en", "ru"], default_locale="en")
    data = _settings_form(client)
    assert data["hotel-locales"] == ["en", "ru"]

    wrong = client.post("/panel/settings/", dict(data, **{"hotel-locales": ["en"], "hotel-default_locale": "ru"}))
    assert wrong.status_code == 400
    assert "The main language must be one of the hotel&#x27;s languages." in wrong.content.decode()
    assert wrong.context["form"].errors["default_locale"]
    none = client.post("/panel/settings/", dict(data, **{"hotel-locales": []}))
    assert none.status_code == 400 and none.context["form"].errors["locales"]
    with scopes_disabled():
        assert Hotel.objects.get(pk=hotel.pk).locales == ["en", "ru"]  # nothing half-written

    done = client.post("/panel/settings/", dict(data, **{"hotel-locales": ["ru"], "hotel-default_locale": "ru",
                                                          "hotel-latitude": "55.751244",
                                                          "hotel-longitude": "37.618423"}))
    assert done.status_code == 302, done.content.decode()[:2000]
    with scopes_disabled():
        saved = Hotel.objects.get(pk=hotel.pk)
        entry = ActivityLog.objects.get(verb="hotel.update")
    assert (saved.locales, saved.default_locale, str(saved.latitude)) == (["ru"], "ru", "55.751244")
    assert entry.before["locales"] == ["en", "ru"] and entry.after["locales"] == ["ru"]
    # The site now speaks Russian only: a guest whose browser asks for English gets Russian.
    site = client.get("/", HTTP_HOST="moscow.localhost", HTTP_ACCEPT_LANGUAGE="en")
    assert site.status_code == 302 and site["Location"].startswith("/ru/")


@pytest.mark.parametrize("first, error", [
    ("9999-12-25", "Choose a day between"), ("0001-01-05", "Choose a day between"), ("x", "Enter a valid date."),
])
def test_a_far_off_or_broken_day_on_the_rates_page_is_400_with_the_error_beside_the_field(
        client, hotel, other_hotel, std, first, error):
    as_member(client, hotel, "OWNER", "owner@moscow.example")
    factories.make_room_type(other_hotel, slug="theirs", name="Their Suite")
    r = client.get("/panel/rates/", {"from": first})
    assert r.status_code == 400
    page = r.content.decode()
    assert f'<p class="error" id="id_from_error">{error}' in page
    assert "Standard" in page and "Their Suite" not in page  # today's prices, this hotel's room types only
