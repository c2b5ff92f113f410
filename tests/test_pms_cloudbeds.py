"""The Cloudbeds adapter against a local fake Cloudbeds API over HTTP: changes with the cursor, date ranges,
statuses, guests, rooms, errors in our words, and webhooks (secret URL, malformed, replayed)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.test import RequestFactory

from innkeeper.core import integrations
from innkeeper.core.providers import CallbackMalformed, CallbackRefused, VerifyFailed
from innkeeper.core.providers import get as provider
from innkeeper.pms.adapters import ExternalStatus, PmsError
from innkeeper.pms.adapters.cloudbeds import SKEW, STATUS_MAP, CloudbedsAdapter
from tests.fakes.cloudbeds import ACCESS_TOKEN, API_KEY, PROPERTY_ID, FakeCloudbedsServer

OLD = "2020-01-01 00:00:00"  # a dateModified long before any window of changes


@pytest.fixture
def cloudbeds(settings, hotel):
    settings.OUTBOUND_ALLOW_PRIVATE_HOSTS = True  # the hotel's Cloudbeds is a fake on this machine
    with FakeCloudbedsServer(tz=hotel.tz) as (fake, base_url):
        fake.add_room_type("11", "Double")
        fake.add_room_type("12", "Suite")
        fake.add_room("101", "101", "11")
        fake.add_room("102", "102", "11")
        fake.add_room("201", "Suite 201", "12")
        fake.config = {"property_id": PROPERTY_ID, "api_key": API_KEY, "base_url": base_url,
                       "webhook_secret": "s3cret-hook-token"}
        yield fake
    assert fake.problems == []  # every request was well-formed


@pytest.fixture
def adapter(cloudbeds, hotel):
    adapter = CloudbedsAdapter.from_config(cloudbeds.config, hotel=hotel)
    yield adapter
    adapter.close()


def today(hotel):
    return datetime.now(UTC).astimezone(hotel.tz).date()


def test_registered_under_pms():
    assert provider("pms", "cloudbeds") is CloudbedsAdapter
    assert CloudbedsAdapter.webhooks is True


@pytest.mark.parametrize(("status", "ours"), [
    ("not_confirmed", ExternalStatus.TENTATIVE), ("confirmed", ExternalStatus.BOOKED),
    ("checked_in", ExternalStatus.IN_HOUSE), ("in_house", ExternalStatus.IN_HOUSE),
    ("checked_out", ExternalStatus.CHECKED_OUT), ("canceled", ExternalStatus.CANCELLED),
    ("cancelled", ExternalStatus.CANCELLED), ("no_show", ExternalStatus.NO_SHOW)])
def test_status_table(status, ours):
    assert STATUS_MAP[status] == ours
    assert CloudbedsAdapter.map_status(CloudbedsAdapter.__new__(CloudbedsAdapter), status) == ours


def test_an_unknown_status_is_an_error_not_a_guess():
    with pytest.raises(PmsError) as error:
        CloudbedsAdapter.map_status(CloudbedsAdapter.__new__(CloudbedsAdapter), "in_progress")
    assert (error.value.code, error.value.retryable) == ("unknown_status", False)


def test_first_pass_reads_every_booking_not_departed_page_by_page_then_changes_since(cloudbeds, adapter, hotel):
    day = today(hotel)
    guest = cloudbeds.add_guest("Anna", "Petrova", email="anna@example.com", phone="+7 912 000 00 01", country="ru")
    gone = cloudbeds.book(guest, day - timedelta(days=5), day - timedelta(days=2), ("11", "101"))
    booked = [cloudbeds.book(guest, day + timedelta(days=n), day + timedelta(days=n + 2), ("11", ""))
              for n in range(130)]

    first = adapter.changed(None, limit=100)
    assert (len(first.reservations), first.more) == (100, True)
    second = adapter.changed(first.cursor, limit=100)
    assert (len(second.reservations), second.more) == (30, False)
    seen = {r.booking_ref for r in first.reservations + second.reservations}
    assert seen == {b.reservation_id for b in booked}  # the departed one is not read
    assert gone.reservation_id not in seen
    calls = cloudbeds.calls("getReservations")
    assert [c["pageNumber"] for c in calls] == ["1", "2"] and {c["pageSize"] for c in calls} == {"100"}
    assert {c["checkOutFrom"] for c in calls} == {day.isoformat()}
    assert all(c["includeGuestsDetails"] == "true" and c["includeAllRooms"] == "true" for c in calls)

    # Then only what changed since that pass (a window in the property's time, pinned while paging).
    for booking in cloudbeds.bookings.values():
        booking.modified = OLD
    cloudbeds.cancel(booked[3])
    changes = adapter.changed(second.cursor)
    assert [(r.booking_ref, r.status, r.pms_status) for r in changes.reservations] == [
        (booked[3].reservation_id, ExternalStatus.CANCELLED, "cancelled")]
    assert changes.more is False
    window = cloudbeds.calls("getReservations")[-1]
    mark = datetime.fromtimestamp(int(second.cursor.split(":")[2]), UTC)
    assert window["modifiedFrom"] == (mark - SKEW).astimezone(hotel.tz).strftime("%Y-%m-%d %H:%M:%S")
    assert window["modifiedTo"] >= cloudbeds.bookings[booked[3].reservation_id].modified
    assert "checkOutFrom" not in window
    # Windows overlap by SKEW (a clock apart, a late write): a change just read may come once more, never less.
    assert [r.booking_ref for r in adapter.changed(changes.cursor).reservations] == [booked[3].reservation_id]
    cloudbeds.bookings[booked[3].reservation_id].modified = OLD
    assert adapter.changed(changes.cursor).reservations == []


def test_a_reservation_reads_as_we_say_it(cloudbeds, adapter, hotel):
    day = today(hotel) + timedelta(days=3)
    guest = cloudbeds.add_guest("Ivan", "Sidorov", email="ivan@example.com", phone="+79120000002", country="ru")
    booking = cloudbeds.book(guest, day, day + timedelta(days=2), ("11", "101"), adults=2)
    [reservation] = adapter.changed(None).reservations
    assert reservation.external_id == f"{booking.reservation_id}/{booking.reservation_id}-1"
    assert (reservation.booking_ref, reservation.status, reservation.pms_status) == (
        booking.reservation_id, ExternalStatus.BOOKED, "confirmed")
    assert (reservation.check_in, reservation.check_out, reservation.guests) == (day, day + timedelta(days=2), 2)
    assert (reservation.room.external_id, reservation.room.number, reservation.room.room_type_id) == ("101", "101", "11")
    assert (reservation.room_type.external_id, reservation.room_type.name) == ("11", "Double")
    assert (reservation.guest.external_id, reservation.guest.name, reservation.guest.email, reservation.guest.phone,
            reservation.guest.country) == (guest.guest_id, "Ivan Sidorov", "ivan@example.com", "+79120000002", "RU")
    assert reservation.updated == booking.modified
    assert adapter.reservation(reservation.external_id) == reservation  # getReservation says the same


def test_each_room_of_a_booking_is_a_reservation_of_its_own(cloudbeds, adapter, hotel):
    day = today(hotel) + timedelta(days=1)
    guest = cloudbeds.add_guest("Group", "Lead")
    booking = cloudbeds.book(guest, day, day + timedelta(days=1), ("11", "102"), ("12", ""))
    lines = adapter.changed(None).reservations
    assert [(r.external_id.split("/")[1], r.room and r.room.number, r.room_type.name) for r in lines] == [
        (f"{booking.reservation_id}-1", "102", "Double"), (f"{booking.reservation_id}-2", None, "Suite")]
    assert {r.booking_ref for r in lines} == {booking.reservation_id}

    cloudbeds.check_in(booking)
    assert {r.status for r in adapter.changed(None).reservations} == {ExternalStatus.IN_HOUSE}
    second = adapter.reservation(lines[1].external_id)
    assert (second.external_id, second.room, second.status) == (lines[1].external_id, None, ExternalStatus.IN_HOUSE)
    assert adapter.reservation(booking.reservation_id).external_id == lines[0].external_id  # a bare booking id
    assert adapter.reservation(f"{booking.reservation_id}/no-such-line") is None


def test_a_booking_gone_from_the_pms_is_none(cloudbeds, adapter, hotel):
    guest = cloudbeds.add_guest("Gone", "Guest")
    booking = cloudbeds.book(guest, today(hotel), today(hotel) + timedelta(days=1), ("11", "101"))
    external_id = adapter.changed(None).reservations[0].external_id
    cloudbeds.remove(booking)
    assert adapter.reservation(external_id) is None


def test_between_reads_the_stays_on_any_night_of_the_range(cloudbeds, adapter, hotel):
    day = today(hotel) + timedelta(days=10)
    guest = cloudbeds.add_guest("Range", "Guest")
    inside = cloudbeds.book(guest, day, day + timedelta(days=2), ("11", "101"))
    across = cloudbeds.book(guest, day - timedelta(days=3), day + timedelta(days=1), ("11", "102"))
    before = cloudbeds.book(guest, day - timedelta(days=4), day, ("12", "201"))  # leaves the morning it starts
    after = cloudbeds.book(guest, day + timedelta(days=5), day + timedelta(days=6), ("12", "201"))
    cancelled = cloudbeds.book(guest, day + timedelta(days=1), day + timedelta(days=3), ("12", "201"))
    cloudbeds.cancel(cancelled)
    found = adapter.between(day, day + timedelta(days=5))
    assert sorted(r.booking_ref for r in found) == sorted(
        b.reservation_id for b in (inside, across, cancelled))  # whatever the status
    assert before.reservation_id not in {r.booking_ref for r in found}
    assert after.reservation_id not in {r.booking_ref for r in found}


def test_guest_room_types_and_rooms(cloudbeds, adapter):
    guest = cloudbeds.add_guest("Olga", "Ivanova", email="olga@example.com", phone="+49 30 1234", country="de")
    assert adapter.guest(guest.guest_id) == type(adapter.guest(guest.guest_id))(
        external_id=guest.guest_id, name="Olga Ivanova", email="olga@example.com", phone="+49 30 1234", country="DE")
    assert [(t.external_id, t.name) for t in adapter.room_types()] == [("11", "Double"), ("12", "Suite")]
    for n in range(120):  # more rooms than one page holds
        cloudbeds.add_room(f"3{n:03d}", f"3{n:02d}", "12")
    rooms = adapter.rooms()
    assert len(rooms) == 123 and (rooms[2].external_id, rooms[2].number, rooms[2].room_type_id) == ("201", "Suite 201", "12")
    assert [c["pageNumber"] for c in cloudbeds.calls("getRooms")] == ["1", "2"]
    assert {c["propertyIDs"] for c in cloudbeds.calls("getRooms")} == {PROPERTY_ID}


def test_an_oauth_access_token_works_as_well(cloudbeds, hotel):
    config = {**cloudbeds.config, "api_key": "", "access_token": ACCESS_TOKEN}
    assert "2 room types" in CloudbedsAdapter.verify(config, hotel=hotel)


@pytest.mark.parametrize(("how", "code", "retryable"), [
    ("429", "rate_limited", True), ("5xx", "http_503", True), ("refused", "refused", False)])
def test_failures_say_whether_to_try_again(cloudbeds, adapter, how, code, retryable):
    cloudbeds.fail_next("getReservations", how)
    with pytest.raises(PmsError) as error:
        adapter.changed(None)
    assert (error.value.code, error.value.retryable) == (code, retryable)
    assert "Cloudbeds" in error.value.message and "Something went wrong" not in error.value.message
    if how == "429":
        assert error.value.retry_after == 7.0
    assert adapter.changed(None).reservations == []  # and the next call works


def test_a_slow_answer_is_a_retryable_timeout(cloudbeds, hotel):
    cloudbeds.fail_next("getRoomTypes", "timeout")
    adapter = CloudbedsAdapter.from_config(cloudbeds.config, hotel=hotel, timeout=0.3)
    with pytest.raises(PmsError) as error:
        adapter.room_types()
    assert (error.value.code, error.value.retryable) == ("timeout", True)
    adapter.close()


def test_wrong_credentials_and_verify(cloudbeds, hotel):
    assert CloudbedsAdapter.verify(cloudbeds.config, hotel=hotel) == \
        "Connected: the Cloudbeds property has 2 room types."
    bad = {**cloudbeds.config, "api_key": "cbat_wrong"}
    with pytest.raises(PmsError) as error:
        CloudbedsAdapter.from_config(bad, hotel=hotel).rooms()
    assert (error.value.code, error.value.retryable) == ("auth", False)
    with pytest.raises(VerifyFailed, match="refused the API key"):
        CloudbedsAdapter.verify(bad, hotel=hotel)
    with pytest.raises(VerifyFailed, match="needs an API key or an access token"):
        CloudbedsAdapter.verify({**cloudbeds.config, "api_key": ""}, hotel=hotel)


def test_a_private_address_is_refused_unless_allowed(cloudbeds, hotel, settings):
    settings.OUTBOUND_ALLOW_PRIVATE_HOSTS = False
    with pytest.raises(PmsError) as error:
        CloudbedsAdapter.from_config(cloudbeds.config, hotel=hotel).room_types()
    assert (error.value.code, error.value.retryable) == ("address_refused", False)
    assert cloudbeds.requests == []


def test_an_unreadable_cursor_is_refused(adapter):
    with pytest.raises(PmsError) as error:
        adapter.changed("qlo:12")
    assert (error.value.code, error.value.retryable) == ("bad_cursor", False)


# -- webhooks ------------------------------------------------------------------------------------------

def post(body: bytes, secret: str | None = "s3cret-hook-token"):
    path = "/hooks/pms/cloudbeds/7" + (f"?secret={secret}" if secret is not None else "")
    return RequestFactory().post(path, data=body, content_type="application/json")


def test_a_webhook_names_the_booking_to_fetch(cloudbeds, hotel):
    booking = cloudbeds.book(cloudbeds.add_guest("Hook", "Guest"), today(hotel), today(hotel) + timedelta(days=1),
                             ("11", "101"))
    body = cloudbeds.webhook("reservation/status_changed", booking, status="checked_in")
    [event] = CloudbedsAdapter.parse_callback(post(body), cloudbeds.config).events
    assert (event.booking_ref, event.reservation_id, event.kind) == (
        booking.reservation_id, "", "reservation/status_changed")
    assert event.at == json.loads(body)["timestamp"] and event.event_id.startswith("sha256:")


@pytest.mark.django_db
def test_the_same_delivery_twice_is_a_replay(cloudbeds, hotel, other_hotel):
    booking = cloudbeds.book(cloudbeds.add_guest("Twice", "Guest"), today(hotel), today(hotel) + timedelta(days=1),
                             ("11", "101"))
    body = cloudbeds.webhook("reservation/created", booking)
    first = CloudbedsAdapter.parse_callback(post(body), cloudbeds.config).events[0]
    again = CloudbedsAdapter.parse_callback(post(json.dumps(json.loads(body), indent=2).encode()),
                                            cloudbeds.config).events[0]
    later = CloudbedsAdapter.parse_callback(post(cloudbeds.webhook("reservation/dates_changed", booking)),
                                            cloudbeds.config).events[0]
    assert first.event_id == again.event_id != later.event_id  # the same content, however it is spaced
    account = "pms/cloudbeds/7"
    assert integrations.event_first_seen(account=account, event_id=first.event_id, hotel_id=hotel.id)
    assert not integrations.event_first_seen(account=account, event_id=again.event_id, hotel_id=hotel.id)
    # Another hotel's account has replays of its own.
    assert integrations.event_first_seen(account="pms/cloudbeds/8", event_id=first.event_id, hotel_id=other_hotel.id)


@pytest.mark.parametrize("secret", [None, "", "wrong", "s3cret-hook-token-and-more"])
def test_a_webhook_without_the_secret_is_refused(cloudbeds, secret):
    body = json.dumps({"event": "reservation/created", "propertyID": int(PROPERTY_ID), "reservationID": "1"})
    with pytest.raises(CallbackRefused):
        CloudbedsAdapter.parse_callback(post(body.encode(), secret), cloudbeds.config)


def test_an_account_without_a_webhook_secret_refuses_every_webhook(cloudbeds):
    body = json.dumps({"event": "reservation/created", "propertyID": int(PROPERTY_ID), "reservationID": "1"})
    with pytest.raises(CallbackRefused):
        CloudbedsAdapter.parse_callback(post(body.encode(), ""), {**cloudbeds.config, "webhook_secret": ""})
    with pytest.raises(CallbackRefused):
        CloudbedsAdapter.parse_callback(RequestFactory().get("/hooks/pms/cloudbeds/7?secret=s3cret-hook-token"),
                                        cloudbeds.config)


@pytest.mark.parametrize("body", [
    b"not json", b"[]", b"{}", json.dumps({"event": "reservation/created"}).encode(),
    json.dumps({"event": "reservation/created", "propertyID": 999, "reservationID": "1"}).encode(),
    json.dumps({"event": "reservation/created", "propertyID": int(PROPERTY_ID)}).encode(),
    json.dumps({"event": "reservation/created", "propertyID": int(PROPERTY_ID), "reservationID": ["1"]}).encode(),
    json.dumps({"event": "reservation/created", "propertyID": int(PROPERTY_ID), "reservationID": "1",
                "timestamp": "yesterday"}).encode(),
    json.dumps({"event": 5, "propertyID": int(PROPERTY_ID), "reservationID": "1"}).encode()])
def test_a_malformed_webhook_is_refused(cloudbeds, body):
    with pytest.raises(CallbackMalformed):
        CloudbedsAdapter.parse_callback(post(body), cloudbeds.config)


def test_a_webhook_about_no_booking_has_no_events(cloudbeds):
    body = json.dumps({"event": "integration/appstate_changed", "propertyID": int(PROPERTY_ID), "clientID": 5,
                       "oldState": "pending", "newState": "enabled", "timestamp": 1782993600.25}).encode()
    assert CloudbedsAdapter.parse_callback(post(body), cloudbeds.config).events == ()
