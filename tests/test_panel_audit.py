"""Every change a person makes from the panel is in the owner's audit log: who, what, when, before and after,
the bookings' history (status, room, keys, messages sent again) included."""

import re
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.core import mail
from django_scopes import scopes_disabled

from innkeeper.core.activity import Actor
from innkeeper.core.models import ActivityLog
from innkeeper.hotels.models import HotelDomain
from innkeeper.messaging.models import MessageTemplate
from tests import factories
from tests.factories import PASSWORD


@pytest.fixture
def std(hotel):
    return factories.make_room_type(hotel, slug="std", name="Standard", rooms=2, base_price_nightly=D("100"))


def sign_in(client, hotel, role, email):
    user = factories.make_member(hotel, role, email)
    assert client.post("/panel/sign-in/", {"username": email, "password": PASSWORD}).status_code == 302
    return user


def form_data(form, **changes):
    """What a browser sends for ``form`` as the page shows it, with ``changes``."""
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if field.disabled or value is False or value is None:
            continue
        data[name] = value
    data.update(changes)
    return data


def entry(action):
    return ActivityLog.objects.filter(verb=action).latest("id")


def test_rates_keep_the_prices_closed_days_and_minimum_stays_they_replaced(client, hotel, std, future):
    owner = sign_in(client, hotel, "OWNER", "owner@moscow.example")
    factories.make_override(std, future, price_nightly=D("130"), min_stay=2)
    day1, day2 = future.isoformat(), (future + timedelta(days=1)).isoformat()
    form = {"room_type": std.pk, "date_from": day1, "date_to": day2}
    assert client.post("/panel/rates/", {**form, "price_nightly": "150", "min_stay": "3"}).status_code == 302
    e = entry("rates.set")
    assert (e.actor, e.subject_id) == (Actor.staff(owner), str(std.pk))
    assert e.before == {day1: {"price_nightly": "130.00", "min_stay": 2}, day2: {"price_nightly": None,
                                                                               "min_stay": None}}
    assert e.after == {day1: {"price_nightly": "150", "min_stay": 3}, day2: {"price_nightly": "150", "min_stay": 3}}
    assert client.post("/panel/rates/", {**form, "closed": "close"}).status_code == 302
    e = entry("rates.set")
    assert (e.before, e.after) == ({day1: {"closed": False}, day2: {"closed": False}},
                                   {day1: {"closed": True}, day2: {"closed": True}})


def test_room_types_and_extras_keep_what_they_were(client, hotel, std):
    owner = sign_in(client, hotel, "OWNER", "owner@moscow.example")
    page = client.get(f"/panel/room-types/{std.pk}/")
    r = client.post(f"/panel/room-types/{std.pk}/", form_data(page.context["form"], name_en="Standard Plus",
                                                              base_price_nightly="110.00"))
    assert r.status_code == 302, r.content.decode()[:1500]
    e = entry("roomtype.update")
    assert (e.actor, e.subject_id) == (Actor.staff(owner), str(std.pk))
    assert (e.before, e.after) == ({"base_price_nightly": "100.00", "name_en": "Standard"},
                                   {"base_price_nightly": "110.00", "name_en": "Standard Plus"})
    assert client.post("/panel/extras/", {"code": "tea", "name_en": "Tea", "price": "3.00", "charge": "PER_STAY",
                                          "is_active": "on", "sort_order": 0}).status_code == 302
    e = entry("addon.create")
    assert (e.actor, e.before, e.after["code"], e.after["price"]) == (Actor.staff(owner), {}, "tea", "3.00")
    page = client.get(f"/panel/extras/{e.subject_id}/")
    assert client.post(f"/panel/extras/{e.subject_id}/", form_data(page.context["form"], price="4.50")
                       ).status_code == 302
    e = entry("addon.update")
    assert (e.before, e.after) == ({"price": "3.00"}, {"price": "4.50"})


def test_a_domain_made_the_main_one_keeps_which_was_main_before(client, hotel):
    owner = sign_in(client, hotel, "OWNER", "owner@moscow.example")
    with scopes_disabled():
        HotelDomain.objects.create(hotel=hotel, domain="old.example", is_primary=True)
    assert client.post("/panel/settings/domains/", {"domain-domain": "new.example"}).status_code == 302
    e = entry("hoteldomain.add")
    assert (e.actor, e.before, e.after) == (Actor.staff(owner), {}, {
        "domain": "new.example", "primary": False, "main_domain": "old.example"})
    assert client.post("/panel/settings/domains/", {"domain-domain": "new.example", "domain-primary": "on"}
                       ).status_code == 302
    e = entry("hoteldomain.add")
    assert (e.before, e.after) == ({"domain": "new.example", "primary": False, "main_domain": "old.example"},
                                   {"domain": "new.example", "primary": True, "main_domain": "new.example"})


def test_resending_and_withdrawing_an_invitation_keep_the_link_that_stopped_working(client, hotel):
    owner = sign_in(client, hotel, "OWNER", "owner@moscow.example")
    assert client.post("/panel/team/", {"email": "new@example.com", "role": "STAFF"}).status_code == 302
    created = entry("invitation.create")
    pk = created.subject_id
    assert client.post(f"/panel/team/invitations/{pk}/resend/").status_code == 302
    resent = entry("invitation.resend")
    assert resent.actor == Actor.staff(owner)
    assert resent.before["email"] == resent.after["email"] == "new@example.com"
    assert resent.before["expires_at"] < resent.after["expires_at"]
    assert client.post(f"/panel/team/invitations/{pk}/revoke/").status_code == 302
    revoked = entry("invitation.revoke")
    assert revoked.before == {"email": "new@example.com", "revoked_at": None}
    assert revoked.after["email"] == "new@example.com" and revoked.after["revoked_at"]
    assert len(mail.outbox) == 2


def test_a_template_edit_keeps_the_wording_it_replaced(client, hotel):
    owner = sign_in(client, hotel, "OWNER", "owner@moscow.example")
    url = "/panel/messages/templates/"
    form = {"type": "BOOKING_CONFIRMATION", "channel": "WHATSAPP", "locale": "en", "subject": "",
            "body": "Hello {{ guest_name }}", "save": ""}
    assert client.post(url, form).status_code == 302
    first = entry("messagetemplate.save")
    assert (first.actor, first.before) == (Actor.staff(owner), {})
    assert first.after == {"type": "BOOKING_CONFIRMATION", "channel": "WHATSAPP", "locale": "en", "subject": "",
                           "body": "Hello {{ guest_name }}"}
    assert client.post(url, {**form, "body": "Hi {{ guest_name }}"}).status_code == 302
    second = entry("messagetemplate.save")
    which = {"type": "BOOKING_CONFIRMATION", "channel": "WHATSAPP", "locale": "en"}
    assert (second.before, second.after) == ({**which, "body": "Hello {{ guest_name }}"},
                                             {**which, "body": "Hi {{ guest_name }}"})
    with scopes_disabled():
        assert MessageTemplate.objects.get().body == "Hi {{ guest_name }}"


def test_undoing_an_opt_out_keeps_who_did_it_and_the_address(hotel, other_hotel):
    from innkeeper.messaging import services
    from innkeeper.messaging.models import OptOut
    desk = factories.make_member(hotel, "STAFF", "desk@moscow.example")
    with scopes_disabled():
        for h in (hotel, other_hotel):
            services.optout_record(hotel_id=h.pk, channel="WHATSAPP", address="+7 916 123-45-67", source="test")
        mine = OptOut.objects.get(hotel=hotel)
        assert services.optout_remove(hotel=hotel, channel="WHATSAPP", address="+79161234567", actor=desk) is True
        assert services.optout_remove(hotel=hotel, channel="WHATSAPP", address="+79161234567", actor=desk) is False
        assert list(OptOut.objects.values_list("hotel_id", flat=True)) == [other_hotel.pk]
        [removed] = ActivityLog.objects.filter(verb="optout.remove")
    assert (removed.hotel_id, removed.actor_kind, removed.actor_id, removed.actor_label) == (
        hotel.pk, "staff", str(desk.pk), desk.name)
    assert (removed.subject_type, removed.subject_id) == ("messaging.OptOut", str(mine.pk))
    assert removed.before == {"channel": "WHATSAPP", "address": "+79161234567",
                              "created_at": mine.created_at.isoformat()} and removed.after == {}


def test_a_staff_members_room_status_change_is_audited(client, hotel, std):
    staff = sign_in(client, hotel, "STAFF", "desk@moscow.example")
    with scopes_disabled():
        room = std.rooms.first()
    assert client.post(f"/panel/rooms/{room.pk}/", {"status": "MAINTENANCE"}).status_code == 302
    e = entry("room.update")
    assert (e.actor, e.subject_id, e.before, e.after) == (
        Actor.staff(staff), str(room.pk), {"status": "AVAILABLE"}, {"status": "MAINTENANCE"})


def test_the_audit_log_shows_what_staff_did_to_bookings_and_never_another_hotels(client, hotel, other_hotel, std,
                                                                                book, future):
    b = book(hotel, std, future, future + timedelta(days=1))
    theirs = book(other_hotel, factories.make_room_type(other_hotel, slug="x", rooms=1), future,
                  future + timedelta(days=1))
    sign_in(client, hotel, "STAFF", "desk@moscow.example")
    client.post(f"/panel/bookings/{b.reference}/status/", {"status": "CANCELLED", "reason": "Guest called"})
    client.post(f"/panel/bookings/{b.reference}/resend/confirmation/")
    client.post("/panel/sign-out/")
    elsewhere = factories.make_member(other_hotel, "STAFF", "desk@other.example")
    client.post("/panel/sign-in/", {"username": elsewhere.email, "password": PASSWORD})
    client.post(f"/panel/bookings/{theirs.reference}/status/", {"status": "CANCELLED", "reason": "Not ours"})
    client.post("/panel/sign-out/")
    sign_in(client, hotel, "OWNER", "owner@moscow.example")
    page = client.get("/panel/audit/").content.decode()
    rows = re.findall(r"<li>.*?</li>", page, re.S)
    status_row = next(r for r in rows if f"Test Person (staff) cancelled booking {b.reference}" in r)
    assert f'href="/panel/bookings/{b.reference}/"' in status_row
    assert "<dt>status</dt><dd>Confirmed → Cancelled</dd>" in status_row
    assert "<dt>reason</dt><dd>Guest called</dd>" in status_row
    assert any(f"Test Person (staff) sent a message about booking {b.reference} again" in r for r in rows)
    assert any(f"The guest made booking {b.reference} in room" in r for r in rows)
    assert theirs.reference not in page and "Not ours" not in page
