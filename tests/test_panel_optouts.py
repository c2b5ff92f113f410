"""The panel's list of guests who asked for no messages: staff add one on the guest's word, undo one when the
guest wants messages again, and nothing is sent to an address while it is on the list."""

import pytest
from django_scopes import scopes_disabled

from innkeeper.core.activity import Actor
from innkeeper.core.models import ActivityLog
from innkeeper.messaging import services
from innkeeper.messaging.models import MessageStatus, OptOut
from tests import factories
from tests.factories import PASSWORD
from tests.messaging_helpers import confirmed_booking, rows

S = MessageStatus


@pytest.fixture
def desk(client, hotel, fast):
    fast.INNKEEPER_WHATSAPP = {**fast.INNKEEPER_WHATSAPP, "provider": "simulator", "default_region": ""}
    hotel.country = "RU"
    hotel.save()
    user = factories.make_member(hotel, "STAFF", "desk@moscow.example")
    assert client.post("/panel/sign-in/", {"username": user.email, "password": PASSWORD}).status_code == 302
    return user


def listed(hotel) -> list[tuple[str, str]]:
    with scopes_disabled():
        return list(OptOut.objects.filter(hotel=hotel).order_by("id").values_list("channel", "address"))


def test_a_number_said_at_the_desk_is_kept_in_e164_and_gets_no_more_whatsapp(client, hotel, desk):
    r = client.post("/panel/messages/opt-outs/", {"channel": "WHATSAPP", "address": "8 916 123-45-67"}, follow=True)
    assert r.status_code == 200
    assert listed(hotel) == [("WHATSAPP", "+79161234567")]  # read in the hotel's country, as messages carry it
    page = r.content.decode()
    assert "+79161234567 gets no more WhatsApp messages from the hotel." in page
    assert 'data-optout="+79161234567"' in page
    with scopes_disabled():
        [entry] = ActivityLog.objects.filter(verb="optout.add")
    assert (entry.actor, entry.after) == (
        Actor.staff(desk), {"channel": "WHATSAPP", "address": "+79161234567"})
    booked = rows(confirmed_booking(hotel))
    assert booked["WHATSAPP"].status == S.SKIPPED and booked["EMAIL"].status == S.QUEUED


def test_sending_again_removes_the_opt_out_and_the_next_message_is_queued(client, hotel, desk):
    with scopes_disabled():
        optout = services.optout_record(hotel_id=hotel.pk, channel="WHATSAPP", address="+79161234567", source="STOP")
    assert rows(confirmed_booking(hotel))["WHATSAPP"].status == S.SKIPPED
    r = client.post(f"/panel/messages/opt-outs/{optout.pk}/remove/", follow=True)
    assert "+79161234567 gets WhatsApp messages from the hotel again." in r.content.decode()
    assert listed(hotel) == []
    with scopes_disabled():
        assert ActivityLog.objects.get(verb="optout.remove").actor == Actor.staff(desk)
    assert rows(confirmed_booking(hotel, email="b@example.com"))["WHATSAPP"].status == S.QUEUED


@pytest.mark.parametrize("channel, address, says", [
    ("WHATSAPP", "12", "This is not a phone number we can write to."),
    ("EMAIL", "anna at example.com", "Enter an e-mail address, e.g. anna@example.com."),
    ("WHATSAPP", "", "This field is required."),
    ("FAX", "+79161234567", "Select a valid choice."),
])
def test_an_address_that_cannot_be_one_is_refused_beside_its_field(client, hotel, desk, channel, address, says):
    r = client.post("/panel/messages/opt-outs/", {"channel": channel, "address": address})
    assert r.status_code == 400
    form = r.context["form"]
    assert any(says in e for e in form.errors["channel" if channel == "FAX" else "address"]), form.errors
    assert listed(hotel) == []
    with scopes_disabled():
        assert not ActivityLog.objects.filter(verb="optout.add").exists()


def test_an_email_is_kept_in_lower_case_once(client, hotel, desk):
    for address in ("Anna@Example.com", "anna@example.com "):
        assert client.post("/panel/messages/opt-outs/", {"channel": "EMAIL", "address": address}).status_code == 302
    assert listed(hotel) == [("EMAIL", "anna@example.com")]
    with scopes_disabled():
        assert ActivityLog.objects.filter(verb="optout.add").count() == 1
    assert rows(confirmed_booking(hotel, email="ANNA@example.com"))["EMAIL"].status == S.SKIPPED


def test_another_hotels_list_is_neither_shown_nor_changed(client, hotel, other_hotel, desk):
    with scopes_disabled():
        theirs = services.optout_record(hotel_id=other_hotel.pk, channel="WHATSAPP", address="+79161234567",
                                        source="STOP")
    page = client.get("/panel/messages/opt-outs/").content.decode()
    assert "+79161234567" not in page and "Nobody has asked for no messages." in page
    assert client.post(f"/panel/messages/opt-outs/{theirs.pk}/remove/").status_code == 404
    assert listed(other_hotel) == [("WHATSAPP", "+79161234567")]
    assert client.get(f"/panel/messages/opt-outs/{theirs.pk}/remove/").status_code == 405


def test_the_page_speaks_the_staff_members_language(client, hotel, desk):
    r = client.post("/panel/messages/opt-outs/", {"channel": "WHATSAPP", "address": "12"}, HTTP_ACCEPT_LANGUAGE="ru")
    assert r.status_code == 400
    page = r.content.decode()
    assert "Гости, отказавшиеся от сообщений" in page and "На этот номер нельзя написать." in page
