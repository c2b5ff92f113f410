"""The Mews adapter against a local fake Mews Connector API over HTTP: changes with the cursor in windows of
at most three months, date ranges, statuses, guests, rooms, errors in our words, and general webhooks."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta

import pytest
from django.test import RequestFactory

from innkeeper.core import integrations
from innkeeper.core.providers import CallbackMalformed, CallbackRefused, VerifyFailed
from innkeeper.core.providers import get as provider
from innkeeper.pms.adapters import ExternalStatus, PmsError
from innkeeper.pms.adapters.mews import STATUS_MAP, MewsAdapter
from tests.fakes.mews import ACCESS_TOKEN, CLIENT_TOKEN, ENTERPRISE_ID, FakeMewsServer, iso

OLD = "2020-01-01T00:00:00Z"


@pytest.fixture
def mews(settings, hotel):
    settings.OUTBOUND_ALLOW_PRIVATE_HOSTS = True  # the hotel's Mews is a fake on this machine
    with FakeMewsServer() as (fake, url):
        fake.double = fake.add_category("Double")
        fake.suite = fake.add_category("Suite")
        fake.r101 = fake.add_room("101", fake.double)
        fake.r201 = fake.add_room("201", fake.suite)
        fake.config = {"client_token": CLIENT_TOKEN, "access_token": ACCESS_TOKEN, "platform_url": url,
                       "enterprise_id": ENTERPRISE_ID, "webhook_token": "mews-hook-token"}
        yield fake
    assert fake.problems == []  # every request was well-formed


@pytest.fixture
def adapter(mews, hotel):
    adapter = MewsAdapter.from_config(mews.config, hotel=hotel)
    yield adapter
    adapter.close()


def stay(hotel, days_ahead: int, nights: int = 2):
    day = datetime.now(UTC).astimezone(hotel.tz).date() + timedelta(days=days_ahead)
    return (datetime.combine(day, time(14), hotel.tz), datetime.combine(day + timedelta(days=nights), time(12), hotel.tz))


def test_registered_under_pms():
    assert provider("pms", "mews") is MewsAdapter and MewsAdapter.webhooks is True


@pytest.mark.parametrize(("state", "ours"), [
    ("Inquired", ExternalStatus.TENTATIVE), ("Optional", ExternalStatus.TENTATIVE),
    ("Requested", ExternalStatus.TENTATIVE), ("Confirmed", ExternalStatus.BOOKED),
    ("Started", ExternalStatus.IN_HOUSE), ("Processed", ExternalStatus.CHECKED_OUT),
    ("Canceled", ExternalStatus.CANCELLED)])
def test_status_table(state, ours):
    assert STATUS_MAP[state] == ours


def test_each_state_read_from_mews(mews, adapter, hotel):
    guest = mews.add_customer("Anna", "Petrova")
    made = {state: mews.book(guest, *stay(hotel, 3), mews.double, state=state)
            for state in ("Inquired", "Optional", "Requested", "Confirmed", "Started", "Processed", "Canceled")}
    no_show = mews.book(guest, *stay(hotel, 4), mews.double)
    mews.cancel(no_show, reason="NoShow")
    read = {r.external_id: (r.pms_status, r.status) for r in adapter.changed(None).reservations}
    assert {read[r["Id"]] for r in made.values()} == {(s, STATUS_MAP[s]) for s in made}
    assert read[no_show["Id"]] == ("Canceled", ExternalStatus.NO_SHOW)


def test_first_pass_then_changes_since_with_the_cursor(mews, adapter, hotel):
    guest = mews.add_customer("Ivan", "Sidorov", Email="ivan@example.com", Phone="+79120000002",
                              NationalityCode="RU", PreferredLanguageCode="ru-RU")
    departed = mews.book(guest, *stay(hotel, -5), mews.double, state="Processed")
    later = mews.book(guest, *stay(hotel, 200), mews.suite)  # past the first three-month window
    booked = [mews.book(guest, *stay(hotel, n % 60 + 1), mews.double, mews.r101) for n in range(25)]

    pages, cursor = [], None
    for _turn in range(10):
        page = adapter.changed(cursor, limit=10)
        pages.append(page)
        cursor = page.cursor
        if not page.more:
            break
    ids = [r.external_id for page in pages for r in page.reservations]
    assert sorted(ids) == sorted([later["Id"], *(b["Id"] for b in booked)])  # each once, the departed not
    assert departed["Id"] not in ids and [p.more for p in pages] == [True, True, False]
    calls = mews.calls("reservations/getAll/2023-06-06")
    assert {c["Limitation"]["Count"] for c in calls} == {10} and all("ScheduledEndUtc" in c for c in calls)
    assert any(c["Limitation"].get("Cursor") for c in calls)  # paged within a window

    for r in mews.reservations.values():
        r["UpdatedUtc"] = OLD
    mews.start(booked[0])
    changes = adapter.changed(cursor)
    assert [(r.external_id, r.status) for r in changes.reservations] == [(booked[0]["Id"], ExternalStatus.IN_HOUSE)]
    assert changes.more is False and "UpdatedUtc" in mews.calls("reservations/getAll/2023-06-06")[-1]


def test_a_long_pause_is_read_in_windows_of_three_months(mews, adapter):
    mark = int((datetime.now(UTC) - timedelta(days=200)).timestamp())
    page = adapter.changed(f"mw1:u:{mark}")
    windows = [c["UpdatedUtc"] for c in mews.calls("reservations/getAll/2023-06-06")]
    assert len(windows) == 3 and page.more is False  # 200 days: three pieces, the fake checks each
    assert [w["StartUtc"] for w in windows[1:]] == [w["EndUtc"] for w in windows[:-1]]


def test_a_reservation_reads_as_we_say_it(mews, adapter, hotel):
    guest = mews.add_customer("Olga", "Ivanova", Email="olga@example.com", Phone="+49 30 1234",
                              NationalityCode="DE", PreferredLanguageCode="de-DE")
    start, end = stay(hotel, 5)
    made = mews.book(guest, start, end, mews.suite, mews.r201, persons=3)
    r = adapter.reservation(made["Id"])
    assert (r.external_id, r.booking_ref, r.status, r.pms_status) == (made["Id"], made["Number"],
                                                                      ExternalStatus.BOOKED, "Confirmed")
    assert (r.check_in, r.check_out, r.start, r.end, r.guests) == (start.date(), end.date(), start, end, 3)
    assert (r.room.external_id, r.room.number, r.room.room_type_id) == (mews.r201, "201", mews.suite)
    assert (r.room_type.external_id, r.room_type.name) == (mews.suite, "Suite")
    assert (r.guest.external_id, r.guest.name, r.guest.email, r.guest.phone, r.guest.locale, r.guest.country) == (
        guest, "Olga Ivanova", "olga@example.com", "+49 30 1234", "de", "DE")
    assert adapter.guest(guest) == r.guest
    assert adapter.reservation("0f515589-99b4-423d-b83a-b237009f0509") is None
    with pytest.raises(PmsError) as error:
        adapter.guest("0f515589-99b4-423d-b83a-b237009f0509")
    assert (error.value.code, error.value.retryable) == ("not_found", False)


def test_unassigned_reservations_and_rooms(mews, adapter, hotel):
    made = mews.book(mews.add_customer("No", "Room"), *stay(hotel, 2), mews.double)
    assert adapter.reservation(made["Id"]).room is None
    assert sorted((t.name, t.external_id) for t in adapter.room_types()) == [("Double", mews.double),
                                                                             ("Suite", mews.suite)]
    assert sorted((r.number, r.room_type_id) for r in adapter.rooms()) == [("101", mews.double), ("201", mews.suite)]
    # Without a service id the bookable services are found first (the parking service is not one).
    other = MewsAdapter.from_config({**mews.config, "service_id": ""}, hotel=hotel)
    assert len(other.room_types()) == 2 and len(mews.calls("services/getAll")) >= 1
    other.close()


def test_between_reads_the_stays_on_any_night_of_the_range(mews, adapter, hotel):
    guest = mews.add_customer("Range", "Guest")
    inside = mews.book(guest, *stay(hotel, 10), mews.double)
    before = mews.book(guest, *stay(hotel, 6, nights=4), mews.double)  # leaves at noon on the first day
    cancelled = mews.book(guest, *stay(hotel, 12), mews.suite)
    mews.cancel(cancelled)
    after = mews.book(guest, *stay(hotel, 120), mews.suite)
    first = stay(hotel, 10)[0].date()
    found = {r.external_id for r in adapter.between(first, first + timedelta(days=100))}
    assert found == {inside["Id"], cancelled["Id"]}
    assert before["Id"] not in found and after["Id"] not in found
    assert len(mews.calls("reservations/getAll/2023-06-06")) == 2  # 100 days: two intervals


@pytest.mark.parametrize(("how", "code", "retryable"), [
    ("429", "rate_limited", True), ("5xx", "http_500", True), (408, "too_heavy", True), (409, "conflict", True),
    (403, "refused", False), (400, "refused", False)])
def test_failures_say_whether_to_try_again(mews, adapter, how, code, retryable):
    mews.fail_next("reservations/getAll/2023-06-06", how)
    with pytest.raises(PmsError) as error:
        adapter.reservation("0f515589-99b4-423d-b83a-b237009f0509")
    assert (error.value.code, error.value.retryable) == (code, retryable)
    assert "Mews" in error.value.message and "Injected" not in error.value.message
    if how == "429":
        assert error.value.retry_after == 11.0


def test_a_slow_answer_is_a_retryable_timeout(mews, hotel):
    mews.fail_next("reservations/getAll/2023-06-06", "timeout")
    adapter = MewsAdapter.from_config(mews.config, hotel=hotel, timeout=0.3)
    with pytest.raises(PmsError) as error:
        adapter.reservation("0f515589-99b4-423d-b83a-b237009f0509")
    assert (error.value.code, error.value.retryable) == ("timeout", True)
    adapter.close()


def test_verify_and_wrong_tokens(mews, hotel):
    assert MewsAdapter.verify(mews.config, hotel=hotel) == "Connected to the Mews property Connector API Hotel."
    assert mews.calls("configuration/get")[0]["Client"] == "Innkeeper 1.0"
    bad = {**mews.config, "access_token": "wrong"}
    with pytest.raises(VerifyFailed, match="refused the client token or access token"):
        MewsAdapter.verify(bad, hotel=hotel)
    with pytest.raises(PmsError) as error:
        MewsAdapter.from_config(bad, hotel=hotel).rooms()
    assert (error.value.code, error.value.retryable) == ("auth", False)


def test_an_unreadable_cursor_is_refused(adapter):
    with pytest.raises(PmsError) as error:
        adapter.changed("cb1:m:12")
    assert (error.value.code, error.value.retryable) == ("bad_cursor", False)


# -- webhooks ------------------------------------------------------------------------------------------

def post(body: bytes, token: str | None = "mews-hook-token"):
    return RequestFactory().post("/hooks/pms/mews/3" + (f"?token={token}" if token is not None else ""), data=body,
                                 content_type="application/json")


@pytest.mark.django_db
def test_a_general_webhook_names_each_reservation_once_and_a_replay_is_seen(mews, hotel, other_hotel):
    a, b, customer = "bfee2c44-1f84-4326-a862-5289598f6e2d", "9b59b50d-bd32-4ce5-add8-09ea0e1300e7", "c2f1d888-0000"
    body = mews.webhook(("ServiceOrderUpdated", a), ("CustomerAdded", customer), ("ServiceOrderUpdated", b),
                        ("ServiceOrderUpdated", a), ("ResourceUpdated", "r-1"))
    events = MewsAdapter.parse_callback(post(body), mews.config).events
    assert [(e.reservation_id, e.kind, e.at) for e in events] == [(a, "ServiceOrderUpdated", None),
                                                                  (b, "ServiceOrderUpdated", None)]
    again = MewsAdapter.parse_callback(post(body), mews.config).events
    later = MewsAdapter.parse_callback(post(mews.webhook(("ServiceOrderUpdated", a))), mews.config).events
    assert [e.event_id for e in again] == [e.event_id for e in events] and later[0].event_id != events[0].event_id
    assert integrations.event_first_seen(account="pms/mews/3", event_id=events[0].event_id, hotel_id=hotel.id)
    assert not integrations.event_first_seen(account="pms/mews/3", event_id=again[0].event_id, hotel_id=hotel.id)
    assert integrations.event_first_seen(account="pms/mews/4", event_id=events[0].event_id, hotel_id=other_hotel.id)


@pytest.mark.parametrize("token", [None, "", "wrong", "mews-hook-token2"])
def test_a_webhook_without_the_token_is_refused(mews, token):
    with pytest.raises(CallbackRefused):
        MewsAdapter.parse_callback(post(mews.webhook(("ServiceOrderUpdated", "x")), token), mews.config)


def test_an_account_without_a_token_refuses_every_webhook(mews):
    with pytest.raises(CallbackRefused):
        MewsAdapter.parse_callback(post(mews.webhook(), ""), {**mews.config, "webhook_token": ""})
    with pytest.raises(CallbackRefused):
        MewsAdapter.parse_callback(RequestFactory().get("/hooks/pms/mews/3?token=mews-hook-token"), mews.config)


@pytest.mark.parametrize("body", [
    b"<xml/>", b"[]", b"{}", json.dumps({"Events": "many"}).encode(), json.dumps({"Events": [1]}).encode(),
    json.dumps({"EnterpriseId": ENTERPRISE_ID, "Events": [{"Discriminator": "ServiceOrderUpdated"}]}).encode(),
    json.dumps({"EnterpriseId": ENTERPRISE_ID,
                "Events": [{"Discriminator": "ServiceOrderUpdated", "Value": {"Id": 5}}]}).encode(),
    json.dumps({"EnterpriseId": "another-enterprise",
                "Events": [{"Discriminator": "ServiceOrderUpdated", "Value": {"Id": "x"}}]}).encode()])
def test_a_malformed_webhook_is_refused(mews, body):
    with pytest.raises(CallbackMalformed):
        MewsAdapter.parse_callback(post(body), mews.config)


def test_an_integration_webhook_has_no_events_for_the_sync(mews):
    body = json.dumps({"Action": "IntegrationEnabled", "Data": {"Enterprise": {"Id": ENTERPRISE_ID}}}).encode()
    assert MewsAdapter.parse_callback(post(body), mews.config).events == ()


def test_fake_times_are_utc():
    assert iso(datetime(2026, 1, 1, 3, 0, tzinfo=UTC)) == "2026-01-01T03:00:00Z"
