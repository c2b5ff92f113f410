"""Who may do what, for every staff panel page and every staff API endpoint, as six people:
anonymous, staff of this hotel, owner of this hotel, staff of another hotel, owner of another hotel, and someone
signed in who belongs to no hotel. Every POST also checks what it did: an answer that says it worked must
come with the change, every other answer with nothing changed.

The tables must name every panel URL and every staff endpoint: a new page without a row fails here.
"""

import json
from datetime import timedelta

import pytest
from django.urls import get_resolver, reverse
from django_scopes import scope, scopes_disabled

import tests.pms_fake_adapter  # noqa: F401  (registers the fake PMS the PMS pages connect to)
from innkeeper.accounts import services as accounts
from innkeeper.accounts.models import Invitation, Membership
from innkeeper.api import api
from innkeeper.booking import services as booking_services
from innkeeper.booking.models import Booking
from innkeeper.core.models import ActivityLog, ConnectionCheck, IntegrationAccount
from innkeeper.hotels.models import AddOn, Hotel, HotelDomain, RateOverride, Room, RoomType
from innkeeper.locks.models import LockKey, LockList
from innkeeper.messaging.models import AutomationRule, Message, MessageTemplate, OptOut, WhatsAppSession
from innkeeper.pms.models import RoomMapping, SyncState
from tests import factories
from tests.factories import PASSWORD
from tests.outbox_helpers import work_outbox

PEOPLE = ["anonymous", "staff", "owner", "other_staff", "other_owner", "nobody"]  # nobody: signed in, no hotel
PUBLIC = {"login", "logout", "password_reset", "password_reset_done", "password_reset_confirm",
          "password_reset_complete", "join"}


@pytest.fixture
def world(hotel, other_hotel, book, future, django_capture_on_commit_callbacks, settings, fake_dns):
    settings.LOCK_PROVIDER = "simulator"
    rt = factories.make_room_type(hotel, slug="std")
    for n in range(3):
        factories.make_room(rt, lock_id=f"SIM-X{n}")
    booking = book(hotel, rt, future, future + timedelta(days=1))
    confirmed = book(hotel, rt, future + timedelta(days=2), future + timedelta(days=3))
    with scope(hotel=hotel), django_capture_on_commit_callbacks(execute=True):
        booking = booking_services.booking_transition(booking=booking, to="CHECKED_IN", actor="test")
        from innkeeper.locks import services as locks
        locks.keys_issue_by_staff(booking=booking, actor="test")
    work_outbox("lock_key")
    people = {"staff": factories.make_member(hotel, "STAFF", "staff@a.example"),
              "owner": factories.make_member(hotel, "OWNER", "owner@a.example"),
              "other_staff": factories.make_member(other_hotel, "STAFF", "staff@b.example"),
              "other_owner": factories.make_member(other_hotel, "OWNER", "owner@b.example"),
              "nobody": factories.make_member(None, email="nobody@example.com")}
    removable = factories.make_member(hotel, "STAFF", "removable@a.example")
    invitation, _token = accounts.invitation_create(hotel=hotel, actor=people["owner"], email="new@a.example")
    with scopes_disabled():
        free_room = rt.rooms.exclude(pk=booking.room_id).first()
        messages = Message.objects.filter(booking=booking).order_by("pk")
        dead = messages.last()
        Message.objects.filter(pk=dead.pk).update(status="DEAD")
        HotelDomain.objects.create(hotel=hotel, domain="main-a.example", is_primary=True)
        spare = HotelDomain.objects.create(hotel=hotel, domain="spare-a.example")
        ids = {"ref": booking.reference, "ref2": confirmed.reference, "room": free_room.pk,
               "room_number": free_room.number, "room_type": rt.pk, "add_on": factories.make_add_on(hotel, "tea", "3").pk,
               "key": LockKey.objects.get(booking=booking).pk, "invitation": invitation.pk,
               "member": removable.membership.pk, "message": messages.first().pk, "dead_message": dead.pk,
               "hotel": hotel.pk, "future": future, "start": "start", "domain": spare.pk, "lock_kind": "lock",
               "optout": OptOut.objects.create(hotel=hotel, channel="EMAIL", address="stop@example.com").pk,
               "rule": AutomationRule.objects.create(hotel=hotel, name="Welcome", trigger="CHECKED_IN").pk}
    return people, ids


def as_(client, people, who):
    if who != "anonymous":
        assert client.post("/panel/sign-in/", {"username": people[who].email, "password": PASSWORD}
                           ).status_code == 302


# name, method, kwargs (from ids), expected: staff, owner, other_staff, other_owner (anonymous: to sign-in;
# nobody, signed in without a hotel: 403)
ALL, OWN = (200, 200, 200, 200), (302, 302, 404, 404)
PANEL = [
    ("home", "get", {}, ALL),
    ("bookings", "get", {}, ALL),
    ("booking_new", "get", {}, ALL),
    ("booking_new", "post", {}, (302, 302, 400, 400)),
    ("booking", "get", {"reference": "ref"}, (200, 200, 404, 404)),
    ("booking_status", "post", {"reference": "ref"}, OWN),
    ("booking_move", "post", {"reference": "ref"}, OWN),
    ("keys_issue", "post", {"reference": "ref"}, OWN),
    ("keys_revoke", "post", {"reference": "ref"}, OWN),
    ("key_retry", "post", {"reference": "ref", "pk": "key"}, OWN),
    ("resend_confirmation", "post", {"reference": "ref"}, OWN),
    ("resend_check_in_link", "post", {"reference": "ref2"}, OWN),
    ("tape", "get", {}, ALL),
    ("guests", "get", {}, ALL),
    ("guest", "get", {"reference": "ref"}, (200, 200, 404, 404)),
    ("whatsapp_session", "get", {}, (403, 200, 403, 200)),
    ("whatsapp_session_qr", "get", {}, (403, 404, 403, 404)),  # no QR code until WAHA waits for a scan
    ("whatsapp_session_action", "post", {"action": "start"}, (403, 302, 403, 302)),  # theirs: not WAHA, said so
    ("messages", "get", {}, ALL),
    ("message", "get", {"pk": "message"}, (200, 200, 404, 404)),
    ("message_retry", "post", {"pk": "dead_message"}, OWN),
    ("optouts", "get", {}, ALL),
    ("optouts", "post", {}, (302, 302, 302, 302)),  # another hotel's people add to their own hotel's list
    ("optout_remove", "post", {"pk": "optout"}, OWN),
    ("message_send", "get", {"reference": "ref"}, (200, 200, 404, 404)),
    ("message_send", "post", {"reference": "ref"}, OWN),
    ("message_preview", "post", {"reference": "ref"}, (200, 200, 404, 404)),  # shows, sends nothing
    ("message_pick", "get", {}, ALL),
    ("message_compose", "get", {"reference": "ref"}, (200, 200, 404, 404)),
    ("message_compose", "post", {"reference": "ref"}, OWN),
    ("automation", "get", {}, (403, 200, 403, 200)),
    ("automation", "post", {}, (403, 302, 403, 302)),
    ("rule_new", "get", {}, (403, 200, 403, 200)),
    ("rule_new", "post", {}, (403, 302, 403, 302)),
    ("rule_preview", "post", {}, (403, 200, 403, 200)),  # shows, saves nothing
    ("rule", "get", {"pk": "rule"}, (403, 200, 403, 404)),
    ("rule", "post", {"pk": "rule"}, (403, 302, 403, 404)),
    ("templates", "get", {}, (403, 200, 403, 200)),
    ("templates", "post", {}, (403, 302, 403, 302)),
    ("rooms", "get", {}, ALL),
    ("rooms", "post", {}, (403, 302, 403, 400)),
    ("room", "get", {"pk": "room"}, (403, 200, 404, 404)),
    ("room", "post", {"pk": "room"}, (302, 302, 404, 404)),
    ("room_type_new", "get", {}, (403, 200, 403, 200)),
    ("room_type_new", "post", {}, (403, 302, 403, 302)),
    ("room_type", "get", {"pk": "room_type"}, (403, 200, 403, 404)),
    ("room_type", "post", {"pk": "room_type"}, (403, 302, 403, 404)),
    ("rates", "get", {}, ALL),
    ("rates", "post", {}, (403, 302, 403, 400)),
    ("add_ons", "get", {}, (403, 200, 403, 200)),
    ("add_ons", "post", {}, (403, 302, 403, 302)),
    ("add_on", "get", {"pk": "add_on"}, (403, 200, 403, 404)),
    ("add_on", "post", {"pk": "add_on"}, (403, 302, 403, 404)),
    ("settings", "get", {}, (403, 200, 403, 200)),
    ("settings", "post", {}, (403, 400, 403, 400)),
    ("domain_add", "post", {}, (403, 302, 403, 302)),
    ("domains", "get", {}, (403, 200, 403, 200)),
    ("domain_primary", "post", {"pk": "domain"}, (403, 302, 403, 404)),
    ("domain_remove", "post", {"pk": "domain"}, (403, 302, 403, 404)),
    ("domain_check", "post", {"pk": "domain"}, (403, 302, 403, 404)),
    ("lock_account", "post", {}, (403, 400, 403, 400)),
    ("messaging_account", "post", {}, (403, 302, 403, 302)),
    ("integration_verify", "post", {"kind": "lock_kind"}, (403, 302, 403, 302)),
    ("lock_list_refresh", "post", {}, (403, 302, 403, 302)),  # another hotel's owner refreshes their own
    ("pms", "get", {}, (403, 200, 403, 200)),
    ("pms_connect", "post", {}, (403, 302, 403, 302)),  # another hotel's owner connects their own
    ("pms_verify", "post", {}, (403, 302, 403, 302)),
    ("pms_sync", "post", {}, (403, 302, 403, 302)),
    ("pms_steps", "post", {}, (403, 302, 403, 302)),
    ("pms_mapping", "get", {}, (403, 200, 403, 302)),  # another hotel without a PMS: back to the PMS page
    ("pms_mapping", "post", {}, (403, 302, 403, 302)),
    ("audit", "get", {}, (403, 200, 403, 200)),
    ("team", "get", {}, (403, 200, 403, 200)),
    ("team", "post", {}, (403, 302, 403, 302)),
    ("invitation_resend", "post", {"pk": "invitation"}, (403, 302, 403, 404)),
    ("invitation_revoke", "post", {"pk": "invitation"}, (403, 302, 403, 404)),
    ("member_remove", "post", {"pk": "member"}, (403, 302, 403, 404)),
]
ROOM_TYPE = {"name_en": "Renamed type", "slug": "renamed", "base_price_nightly": "90", "base_occupancy": 2,
             "max_occupancy": 2, "extra_guest_charge": "0", "turnover_minutes": 0, "sort_order": 0, "is_active": "on"}
ADD_ON = {"code": "jam", "name_en": "Renamed extra", "price": "4", "charge": "PER_STAY", "sort_order": 0, "is_active": "on"}
RULE = {"name": "Late arrival", "trigger": "ARRIVAL", "amount": "1", "unit": "days", "direction": "before",
        "at_time": "10:00", "email": "on", "active": "on", "locale": "de", "subject": "Hallo",
        "body": "Hallo {{guest_name}}", "channel": "EMAIL", "save": ""}
# What each POST sends ("{...}" from ids): enough for the action to work for those allowed to do it.
BODY = {
    "booking_new": {"source": "PHONE", "room_type": "{room_type}", "mode": "nightly", "guests": 1, "name": "Walk In",
                    "email": "walk@example.com", "locale": "en", "request_key": "matrix",
                    "check_in": "{future}", "check_out": "{future}"},  # check_out: the next day, set in test_panel
    "booking_status": {"status": "CHECKED_OUT"},
    "booking_move": {"room": "{room}"},
    "optouts": {"channel": "WHATSAPP", "address": "+7 916 123-45-67"},
    "message_send": {"channels": "EMAIL", "subject": "About {{reference}}", "body": "Hello {{guest_name}}", "send": ""},
    "message_preview": {"channels": "EMAIL", "subject": "About {{reference}}", "body": "Hello {{guest_name}}"},
    "message_compose": {"channels": "EMAIL", "subject": "About {{reference}}", "body": "Hello {{guest_name}}",
                        "send": ""},
    "automation": {"builtin": "CHECKIN_REMINDER", "email": "on", "amount": "1", "unit": "days"},
    "rule_preview": {"locale": "de", "subject": "Hallo", "body": "Hallo {{guest_name}}"},
    "rule_new": RULE,
    "rule": {**RULE, "name": "Renamed rule"},
    "templates": {"type": "BOOKING_CONFIRMATION", "channel": "WHATSAPP", "locale": "en", "body": "Hi", "save": ""},
    "rooms": {"number": "901", "room_type": "{room_type}", "status": "AVAILABLE"},
    "room": {"number": "902", "room_type": "{room_type}", "status": "MAINTENANCE"},
    "room_type_new": ROOM_TYPE,
    "room_type": ROOM_TYPE,
    "rates": {"room_type": "{room_type}", "date_from": "2030-01-01", "date_to": "2030-01-02", "price_nightly": "99"},
    "add_ons": ADD_ON,
    "add_on": ADD_ON,
    "settings": {"hotel-name_en": "Renamed hotel"},
    "domain_add": {"domain-domain": "matrix.example"},
    "team": {"email": "invited@a.example", "role": "STAFF"},
    "pms_connect": {"provider": "fakepms", "pms-url": "fake://matrix", "pms-key": "k"},
    "pms_steps": {"send_checkin": "on"},
}


def _pms_account(ids):
    account, _new = IntegrationAccount.objects.get_or_create(
        hotel_id=ids["hotel"], kind="pms", defaults={"provider": "fakepms", "config": {"url": "fake://x", "key": "k"}})
    ids["pms_room"] = RoomMapping.objects.get_or_create(hotel_id=ids["hotel"], account=account, external_id="r-1",
                                                       defaults={"number": "Suite"})[0].pk


# What a row needs first, where the world as built does not allow the action.
SETUP = {"pms_verify": _pms_account, "pms_sync": _pms_account, "pms_steps": _pms_account,
         "pms_mapping": _pms_account,
"key_retry": lambda ids: LockKey.objects.filter(pk=ids["key"]).update(status="FAILED"),
         "integration_verify": lambda ids: IntegrationAccount.objects.get_or_create(
             hotel_id=ids["hotel"], kind="lock", defaults={"provider": "simulator"}),
         # the hotel's own WAHA: the worker, not the request, calls it
         "whatsapp_session_action": lambda ids: IntegrationAccount.objects.get_or_create(
             hotel_id=ids["hotel"], kind="whatsapp", defaults={"provider": "waha", "config": {
                 "base_url": "http://127.0.0.1:9", "api_key": "k", "session": "", "webhook_hmac_key": "h"}}),
         # a lock cloud's list is read by a worker (the simulator's needs none): no call is made here
         "lock_list_refresh": lambda ids: IntegrationAccount.objects.get_or_create(
             hotel_id=ids["hotel"], kind="lock", defaults={"provider": "ttlock", "config": {
                 "client_id": "app", "client_secret": "s", "username": "u", "password": "p"}})}


def _field(model, key, *fields):
    return lambda ids: list(model.objects.filter(pk=ids[key]).values_list(*fields))


# What each POST changes in this hotel: it must change when this hotel's people get a 302, and stay as it
# was for everyone else (and for every 400, 403 and 404).
EFFECT = {
    "booking_new": lambda ids: Booking.objects.filter(hotel_id=ids["hotel"]).count(),
    "booking_status": lambda ids: Booking.objects.get(reference=ids["ref"]).status,
    "booking_move": lambda ids: Booking.objects.get(reference=ids["ref"]).room_id,
    "keys_issue": lambda ids: ActivityLog.objects.filter(
        data__reference=ids["ref"], verb="booking.keys_issue").count(),
    "keys_revoke": lambda ids: list(LockKey.objects.filter(booking__reference=ids["ref"]).values_list("status")),
    "key_retry": _field(LockKey, "key", "status"),
    "resend_confirmation": lambda ids: Message.objects.filter(booking__reference=ids["ref"]).count(),
    "resend_check_in_link": lambda ids: Message.objects.filter(booking__reference=ids["ref2"]).count(),
    "message_retry": _field(Message, "dead_message", "status"),
    "optouts": lambda ids: OptOut.objects.filter(hotel_id=ids["hotel"]).count(),
    "optout_remove": _field(OptOut, "optout", "address"),
    "templates": lambda ids: MessageTemplate.objects.filter(hotel_id=ids["hotel"]).count(),
    "message_send": lambda ids: Message.objects.filter(booking__reference=ids["ref"], type="MANUAL").count(),
    "message_preview": lambda ids: Message.objects.filter(booking__reference=ids["ref"]).count(),
    "message_compose": lambda ids: Message.objects.filter(booking__reference=ids["ref"], type="MANUAL").count(),
    "rule_preview": lambda ids: list(AutomationRule.objects.filter(hotel_id=ids["hotel"]).values_list("pk")),
    "automation": lambda ids: list(AutomationRule.objects.filter(hotel_id=ids["hotel"]).values_list(
        "builtin", "active", "email", "whatsapp", "offset_minutes")),
    "rule_new": lambda ids: AutomationRule.objects.filter(hotel_id=ids["hotel"]).count(),
    "rule": _field(AutomationRule, "rule", "name"),
    "rooms": lambda ids: Room.objects.filter(hotel_id=ids["hotel"]).count(),
    "room": _field(Room, "room", "number", "status"),
    "room_type_new": lambda ids: RoomType.objects.filter(hotel_id=ids["hotel"]).count(),
    "room_type": _field(RoomType, "room_type", "name"),
    "rates": lambda ids: RateOverride.objects.filter(room_type_id=ids["room_type"]).count(),
    "add_ons": lambda ids: AddOn.objects.filter(hotel_id=ids["hotel"]).count(),
    "add_on": _field(AddOn, "add_on", "name", "price"),
    "settings": lambda ids: Hotel.objects.get(pk=ids["hotel"]).name,
    "domain_add": lambda ids: list(HotelDomain.objects.filter(hotel_id=ids["hotel"]).values_list("domain")),
    "domain_primary": lambda ids: list(HotelDomain.objects.filter(is_primary=True, hotel_id=ids["hotel"])
                                       .values_list("domain")),
    "domain_remove": lambda ids: HotelDomain.objects.filter(pk=ids["domain"]).count(),
    "domain_check": _field(HotelDomain, "domain", "check_requested_at"),  # a worker checks it
    "lock_account": lambda ids: IntegrationAccount.objects.filter(hotel_id=ids["hotel"], kind="lock").count(),
    "messaging_account": lambda ids: ActivityLog.objects.filter(hotel_id=ids["hotel"],
                                                                verb="messagingaccount.set").count(),
    "integration_verify": lambda ids: list(ConnectionCheck.objects.filter(hotel_id=ids["hotel"], kind="lock")
                                           .values_list("requested_at")),  # a worker tests it
    "lock_list_refresh": lambda ids: list(LockList.objects.filter(hotel_id=ids["hotel"]).values_list("requested_at")),
    "team": lambda ids: Invitation.objects.filter(hotel_id=ids["hotel"]).count(),
    "whatsapp_session_action": lambda ids: list(WhatsAppSession.objects.filter(hotel_id=ids["hotel"])
                                                .values_list("requested_at")),  # a worker calls WAHA
    "invitation_resend": _field(Invitation, "invitation", "token_hash"),
    "invitation_revoke": _field(Invitation, "invitation", "revoked_at"),
    "member_remove": lambda ids: Membership.objects.filter(pk=ids["member"]).count(),
    "pms_connect": lambda ids: IntegrationAccount.objects.filter(hotel_id=ids["hotel"], kind="pms").count(),
    "pms_verify": lambda ids: list(ConnectionCheck.objects.filter(hotel_id=ids["hotel"], kind="pms")
                                   .values_list("requested_at")),  # a worker tests it
    "pms_sync": lambda ids: list(SyncState.objects.filter(hotel_id=ids["hotel"]).values_list("requested_at")),
    "pms_steps": lambda ids: list(SyncState.objects.filter(hotel_id=ids["hotel"]).values_list(
        "send_confirmation", "send_checkin", "issue_keys")),
    "pms_mapping": lambda ids: list(RoomMapping.objects.filter(hotel_id=ids["hotel"]).values_list("room_id")),
}


def test_every_panel_url_is_in_the_table():
    names = {p.name for p in get_resolver("innkeeper.dashboard.urls").url_patterns}
    assert names - PUBLIC == {row[0] for row in PANEL}
    assert {name for name, method, _k, _e in PANEL if method == "post"} == set(EFFECT)


def _body(name, ids):
    data = {k: str(v).format(**ids) for k, v in BODY.get(name, {}).items()}
    if name == "pms_mapping":
        data[f"room-{ids['pms_room']}"] = str(ids["room"])
    if name == "booking_new":
        data["check_out"] = (ids["future"] + timedelta(days=6)).isoformat()
        data["check_in"] = (ids["future"] + timedelta(days=5)).isoformat()
    return data


@pytest.mark.parametrize("who", PEOPLE)
@pytest.mark.parametrize("name, method, kwargs, expected", PANEL, ids=[f"{row[0]}-{row[1]}" for row in PANEL])
def test_panel(client, world, name, method, kwargs, expected, who):
    people, ids = world
    as_(client, people, who)
    url = reverse(f"panel:{name}", kwargs={k: ids[v] for k, v in kwargs.items()})
    effect = EFFECT[name] if method == "post" else (lambda ids: None)
    with scopes_disabled():
        SETUP.get(name, lambda ids: None)(ids)
        before = effect(ids)
    r = getattr(client, method)(url, _body(name, ids) if method == "post" else {})
    with scopes_disabled():
        after = effect(ids)
    if who == "anonymous":
        assert r.status_code == 302 and r["Location"].startswith("/panel/sign-in/?next=")
    elif who == "nobody":
        assert r.status_code == 403
    else:
        assert r.status_code == expected[PEOPLE.index(who) - 1], r.content.decode()[:1500]
    if method == "post" and who in ("staff", "owner") and r.status_code == 302:
        assert after != before, "a 302 without the change it stands for"
    else:
        assert after == before, "changed by someone who may not change it"


# method, path, body, expected for staff, owner, other_staff, other_owner (anonymous: 401, nobody: 403)
API = [
    ("get", "/api/v1/staff/bookings", None, ALL),
    ("get", "/api/v1/staff/bookings/{ref}", None, (200, 200, 404, 404)),
    ("post", "/api/v1/staff/bookings/{ref}/status", {"status": "CONFIRMED"}, (409, 409, 404, 404)),
    ("post", "/api/v1/staff/bookings/{ref}/move", {"room": "{room_number}"}, (200, 200, 404, 404)),
    ("post", "/api/v1/staff/bookings/{ref}/keys/issue", {}, (200, 200, 404, 404)),
    ("post", "/api/v1/staff/bookings/{ref}/keys/revoke", {}, (200, 200, 404, 404)),
    ("post", "/api/v1/staff/bookings/{ref}/keys/{key}/retry", {}, (409, 409, 404, 404)),
    ("get", "/api/v1/staff/rooms", None, ALL),
    ("post", "/api/v1/staff/rates", {"room_type": "std", "date_from": "2030-01-01", "date_to": "2030-01-02",
                                     "price_nightly": "99"}, (403, 200, 403, 404)),
    ("get", "/api/v1/staff/messages", None, ALL),
    ("get", "/api/v1/staff/messages/{message}", None, (200, 200, 404, 404)),
    ("post", "/api/v1/staff/messages/{message}/retry", {}, (409, 409, 404, 404)),
]


def test_every_staff_endpoint_is_in_the_table():
    schema = api.get_openapi_schema()
    endpoints = {(m, p) for p, ops in schema["paths"].items() for m, op in ops.items() if "staff" in op["tags"]}
    listed = {(m, p.replace("{ref}", "{reference}").replace("{message}", "{message_id}").replace("{key}", "{key_id}"))
              for m, p, _b, _e in API}
    assert endpoints == listed


@pytest.mark.parametrize("who", PEOPLE)
@pytest.mark.parametrize("method, path, body, expected", API, ids=[f"{m} {p}" for m, p, _b, _e in API])
def test_staff_api(client, world, method, path, body, expected, who):
    people, ids = world
    as_(client, people, who)
    url = path.format(**ids)
    if body is None:
        r = client.get(url)
    else:
        r = client.post(url, json.dumps({k: str(v).format(**ids) for k, v in body.items()}),
                        content_type="application/json")
    if who == "anonymous":
        assert r.status_code == 401
    elif who == "nobody":
        assert r.status_code == 403 and r.json()["code"] == "no_hotel"
    else:
        assert r.status_code == expected[PEOPLE.index(who) - 1], r.content[:300]
