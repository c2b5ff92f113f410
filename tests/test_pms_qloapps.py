"""The QloApps adapter against the local fake QloApps (tests/fakes/qloapps.py) over real HTTP: every row of
the "How changes show up" table, the cursor across equal timestamps, the status table, errors in our words,
and one install holding two hotels (only ours is read)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import httpx
import pytest

from innkeeper.core import providers
from innkeeper.core.providers import VerifyFailed
from innkeeper.pms.adapters.base import ExternalStatus as S
from innkeeper.pms.adapters.base import PmsError
from innkeeper.pms.adapters.qloapps import QloAppsAdapter
from tests.fakes.qloapps import KEY, FakeQloAppsServer, sample

FUTURE = (date.today() + timedelta(days=20)).isoformat(), (date.today() + timedelta(days=23)).isoformat()
LATER = (date.today() + timedelta(days=30)).isoformat(), (date.today() + timedelta(days=33)).isoformat()
PAST = (date.today() - timedelta(days=10)).isoformat(), (date.today() - timedelta(days=8)).isoformat()


@pytest.fixture
def qlo(settings):
    settings.OUTBOUND_ALLOW_PRIVATE_HOSTS = True  # the hotel's QloApps is a fake on this machine
    with FakeQloAppsServer() as (shop, base_url):
        shop.config = {"base_url": base_url, "api_key": KEY, "id_hotel": "1", "auth_in_query": False}
        shop.add_hotel(2, "The Other Hotel", {"Suite": ["S-1", "S-2"]})  # the same install's second hotel
        yield shop
        assert shop.problems == []  # every request was one QloApps accepts


def adapter(shop, **config) -> QloAppsAdapter:
    return providers.get("pms", "qloapps").from_config({**shop.config, **config})


def drain(qa: QloAppsAdapter, cursor: str | None, limit: int = 500) -> tuple[list, str]:
    seen = []
    while True:
        page = qa.changed(cursor, limit=limit)
        seen += page.reservations
        cursor = page.cursor
        if not page.more:
            return seen, cursor


def booking(shop, rooms=((1, *FUTURE),), state=2):
    guest = shop.add_customer("Ana", "Silva", "ana@example.com", phone="+351911111111", id_lang=2)
    return shop.create_order(guest, list(rooms), state=state)


def test_rows_have_the_captured_shapes(qlo):
    order = booking(qlo)
    auth = (KEY, "")
    base = qlo.config["base_url"]
    rows = httpx.get(f"{base}/api/room_bookings", auth=auth,
                     params={"output_format": "JSON", "display": "full"}).json()["bookings"]
    captured = sample("room_bookings_range.json")["bookings"][0]
    assert list(rows[0]) == list(captured) and all(isinstance(v, str) for v in rows[0].values())
    orders = httpx.get(f"{base}/api/orders", auth=auth, params={"output_format": "JSON", "display": "full"}).json()
    captured = sample("orders_since.json")["orders"][0]
    assert set(orders["orders"][0]) == set(captured) - {"associations"}
    assert orders["orders"][0]["id"] == order["id"] and isinstance(orders["orders"][0]["current_state"], str)
    one = httpx.get(f"{base}/api/customers/{order['id_customer']}", auth=auth,
                    params={"output_format": "JSON", "display": "[id]"}).json()
    assert one == {"customers": [{"id": int(order["id_customer"])}]}  # as customers_5_fields.json
    missing = httpx.get(f"{base}/api/room_bookings/999", auth=auth, params={"output_format": "JSON"})
    assert (missing.status_code, missing.content, missing.headers.get("Content-Type")) == (404, b"", None)


def test_first_sync_reads_stays_not_departed_then_only_changes(qlo):
    qa = adapter(qlo)
    future = booking(qlo)
    booking(qlo, rooms=((2, *PAST),))
    found, cursor = drain(qa, None)
    assert [r.booking_ref for r in found] == [future["reference"]]
    r = found[0]
    assert (r.status, r.pms_status, r.check_in.isoformat(), r.check_out.isoformat()) == (S.BOOKED, "2", *FUTURE)
    assert (r.room.number, r.room.external_id, r.room_type.external_id, r.room_type.name) == (
        "GR-101", "1", "1", "General Rooms")
    assert (r.guest.name, r.guest.email, r.guest.phone, r.guest.locale) == (
        "Ana Silva", "ana@example.com", "+351911111111", "ru")
    assert (r.total, r.currency, r.guests, r.external_id) == (Decimal("1000.000000"), "USD", 2, "1")
    assert drain(qa, cursor)[0] == []  # nothing changed since


def _row(shop, order):
    return int(shop.rows_of(order["id"])[0]["id"])


def test_every_change_in_the_table_shows_up(qlo):
    qa = adapter(qlo)
    a, b = booking(qlo, rooms=((1, *FUTURE),)), booking(qlo, rooms=((2, *FUTURE),))
    _, cursor = drain(qa, None)

    def after(change):
        nonlocal cursor
        qlo.tick()
        result = change()
        found, cursor = drain(qa, cursor)
        return found, result

    found, _ = after(lambda: qlo.reallocate(_row(qlo, a), 3))  # same type, another room: the order untouched
    assert [(r.external_id, r.room.number) for r in found] == [("1", "GR-103")]
    found, _ = after(lambda: qlo.swap_rooms(_row(qlo, a), _row(qlo, b)))
    assert sorted((r.external_id, r.room.number) for r in found) == [("1", "GR-102"), ("2", "GR-103")]
    found, _ = after(lambda: qlo.move_dates(_row(qlo, a), *LATER))  # same nights: only the row changes
    assert [(r.external_id, r.check_in.isoformat()) for r in found] == [("1", LATER[0])]
    found, _ = after(lambda: qlo.move_dates(_row(qlo, a), LATER[0], FUTURE[1], new_total="4000.000000"))
    assert [(r.external_id, r.total) for r in found] == [("1", Decimal("4000.000000"))]
    found, new = after(lambda: qlo.change_room_type(_row(qlo, a), 6))  # old row deleted, a new id
    assert [(r.external_id, r.booking_ref, r.room_type.name) for r in found] == [
        (new["id"], a["reference"], "Delux Rooms")]
    assert qa.reservation("1") is None and qa.reservation(new["id"]).room.number == "DR-101"
    found, renewed = after(lambda: qlo.api_put_dates(b["id"], *LATER))  # API PUT with new dates: new ids too
    assert [(r.external_id, r.booking_ref) for r in found] == [(renewed[0]["id"], b["reference"])]
    assert qa.reservation("2") is None
    found, _ = after(lambda: qlo.check_in(int(new["id"])))
    assert [(r.status, r.pms_status) for r in found] == [(S.IN_HOUSE, "checked_in")]
    found, _ = after(lambda: qlo.check_out(int(new["id"])))
    assert [(r.status, r.pms_status) for r in found] == [(S.CHECKED_OUT, "checked_out")]


@pytest.mark.parametrize("cancel, pms_status, row_touched", [
    ("cancel_by_api", "4", False), ("cancel_in_back_office", "4", True), ("refund", "5", True)])
def test_every_cancellation_shows_up(qlo, cancel, pms_status, row_touched):
    qa = adapter(qlo)
    order = booking(qlo, rooms=((1, *FUTURE), (2, *FUTURE)))
    _, cursor = drain(qa, None)
    before = [r["date_upd"] for r in qlo.rows_of(order["id"])]
    qlo.tick()
    getattr(qlo, cancel)(order["id"])
    assert ([r["date_upd"] for r in qlo.rows_of(order["id"])] != before) == row_touched
    found, _ = drain(qa, cursor)
    assert [(r.external_id, r.status, r.pms_status) for r in found] == [
        ("1", S.CANCELLED, pms_status), ("2", S.CANCELLED, pms_status)]


def test_pages_split_one_second_without_skipping_or_repeating(qlo):
    qa = adapter(qlo)
    early = booking(qlo, rooms=((8, *FUTURE),))
    _, cursor = drain(qa, None)
    qlo.tick()
    [booking(qlo, rooms=((room, *FUTURE),)) for room in (1, 2, 3, 4, 5, 6, 7)]  # one second, 7 rows
    pages = []
    while True:
        page = qa.changed(cursor, limit=3)
        pages.append([r.external_id for r in page.reservations])
        cursor = page.cursor
        if not page.more:
            break
    ids = [i for p in pages for i in p]
    assert sorted(ids, key=int) == [str(i) for i in range(2, 9)] and len(set(ids)) == 7
    assert all(len(p) <= 6 for p in pages)  # each stream reads at most 3; an order's rows come together
    # Later in that same second an older row (a smaller id) changes: caught by the ids kept at the mark.
    qlo.reallocate(int(qlo.rows_of(early["id"])[0]["id"]), 9)
    assert [(r.external_id, r.room.number) for r in qa.changed(cursor).reservations] == [("1", "DR-104")]


@pytest.mark.parametrize("row, state, expected", [
    ({}, "4", ("4", S.CANCELLED)), ({}, "5", ("5", S.CANCELLED)),
    ({"is_cancelled": "1", "is_refunded": "1"}, "2", ("cancelled", S.CANCELLED)),
    ({"is_refunded": "1"}, "8", ("refunded", S.CANCELLED)),
    ({"id_status": "3", "check_out": "2026-12-12 10:00:00"}, "2", ("checked_out", S.CHECKED_OUT)),
    ({"id_status": "2", "check_in": "2026-12-10 14:00:00"}, "8", ("checked_in", S.IN_HOUSE)),
    ({"check_in": "2026-12-10 14:00:00"}, "1", ("checked_in", S.IN_HOUSE)),
    ({"id_status": "2"}, "4", ("4", S.CANCELLED)),
    ({}, "6", ("6", S.TENTATIVE)),
    *[({}, str(s), (str(s), S.BOOKED)) for s in (1, 2, 3, 7, 8, 9, 10, 11, 12)],
])
def test_status_table(row, state, expected):
    qa = QloAppsAdapter.__new__(QloAppsAdapter)
    line = {"id_status": "1", "is_cancelled": "0", "is_refunded": "0", "check_in": "0000-00-00 00:00:00",
            "check_out": "0000-00-00 00:00:00", **row}
    key = qa.status_of(line, {"current_state": state})
    assert (key, qa.map_status(key)) == expected


def test_an_order_state_of_the_installs_own_is_an_error(qlo):
    booking(qlo, state=13)
    with pytest.raises(PmsError) as caught:
        adapter(qlo).changed(None)
    assert (caught.value.code, caught.value.retryable) == ("unknown_status", False)


def test_only_our_hotel_of_a_shared_install(qlo):
    ours = booking(qlo)
    theirs = booking(qlo, rooms=((21, *FUTURE),))  # S-1 of hotel 2
    mixed = booking(qlo, rooms=((2, *FUTURE), (22, *FUTURE)))
    qa, other = adapter(qlo), adapter(qlo, id_hotel="2")
    assert [r.booking_ref for r in drain(qa, None)[0]] == [ours["reference"], mixed["reference"]]
    assert [r.room.number for r in drain(other, None)[0]] == ["S-1", "S-2"]
    assert [r.booking_ref for r in other.between(date.today(), date.today() + timedelta(days=40))] == [
        theirs["reference"], mixed["reference"]]
    assert [r.number for r in qa.rooms()][:3] == ["GR-101", "GR-102", "GR-103"] and len(qa.rooms()) == 20
    assert [(r.number, r.room_type_id) for r in other.rooms()] == [("S-1", "5"), ("S-2", "5")]
    assert [t.name for t in qa.room_types()] == ["General Rooms", "Delux Rooms", "Executive Rooms", "Luxury Rooms"]
    assert [(t.external_id, t.name) for t in other.room_types()] == [("5", "Suite")]
    assert other.reservation(qlo.rows_of(ours["id"])[0]["id"]) is None  # another hotel's row is not ours


def test_between_reads_stays_overlapping_the_range(qlo):
    qa = adapter(qlo)
    inside, _, later = booking(qlo), booking(qlo, rooms=((2, *PAST),)), booking(qlo, rooms=((3, *LATER),))
    start = date.fromisoformat(FUTURE[0])
    assert [r.booking_ref for r in qa.between(start, start + timedelta(days=1))] == [inside["reference"]]
    assert [r.booking_ref for r in qa.between(start + timedelta(days=3), start + timedelta(days=11))] == [
        later["reference"]]  # departs on FUTURE[1]: the first stay does not occupy that night
    assert list(qa.between(date.fromisoformat(PAST[1]), start)) == []


def test_guest(qlo):
    order = booking(qlo)
    guest = adapter(qlo).guest(order["id_customer"])
    assert (guest.external_id, guest.name, guest.phone, guest.locale) == (
        order["id_customer"], "Ana Silva", "+351911111111", "ru")
    with pytest.raises(PmsError):
        adapter(qlo).guest("999")


def test_verify_and_the_key_in_the_address(qlo):
    assert QloAppsAdapter.verify(qlo.config) == "Connected: QloApps hotel The Hotel Prime (id 1)."
    assert QloAppsAdapter.verify({**qlo.config, "auth_in_query": True}).startswith("Connected")
    assert any("ws_key" in params for params in qlo.calls("hotels"))
    with pytest.raises(VerifyFailed, match="no hotel with id 7; its hotels are: 1 The Hotel Prime, 2 The Other"):
        QloAppsAdapter.verify({**qlo.config, "id_hotel": "7"})


@pytest.mark.parametrize("key, code, words", [
    ("short", "auth_18", "wrong format"), ("X" * 32, "auth_20", "does not know this API key"),
    ("", "auth_16", "did not receive the API key")])
def test_auth_errors_in_our_words(qlo, key, code, words):
    with pytest.raises(PmsError) as caught:
        adapter(qlo, api_key=key).rooms()
    assert (caught.value.code, caught.value.retryable) == (code, False) and words in caught.value.message
    with pytest.raises(VerifyFailed, match=words):
        QloAppsAdapter.verify({**qlo.config, "api_key": key})


def test_server_errors_and_timeouts_are_retryable(qlo):
    qlo.fail_next("hotel_rooms", "5xx")
    with pytest.raises(PmsError) as caught:
        adapter(qlo).rooms()
    assert (caught.value.code, caught.value.retryable) == ("http_500", True)
    qlo.fail_next("hotel_rooms", "timeout")
    qlo.slow_seconds = 1.5
    slow = providers.get("pms", "qloapps").from_config(qlo.config, timeout=0.5)
    with pytest.raises(PmsError) as caught:
        slow.rooms()
    assert (caught.value.code, caught.value.retryable) == ("timeout", True)


def test_a_date_filter_without_date_1_is_refused_by_the_fake_and_said_as_a_bug(qlo):
    base, auth = qlo.config["base_url"], (KEY, "")
    answer = httpx.get(f"{base}/api/orders", auth=auth, params={
        "output_format": "JSON", "filter[date_upd]": ">[2026-01-01 00:00:00]"})
    assert (answer.status_code, answer.json()["errors"][0]["code"]) == (400, 32)
    answer = httpx.get(f"{base}/api/orders", auth=auth, params={"output_format": "JSON", "sort": "[date_upd_ASC]"})
    assert (answer.status_code, answer.json()["errors"][0]["code"]) == (400, 38)
    assert httpx.get(f"{base}/api/orders", auth=auth, params={"output_format": "JSON"}).json() == []
    nobody = httpx.get(f"{base}/api/orders", params={"output_format": "JSON"})
    assert (nobody.status_code, nobody.headers["Content-Type"].split(";")[0]) == (401, "text/html")
    assert "WWW-Authenticate" in nobody.headers
    qlo.problems.clear()  # the refusals above were asked for
    qa = adapter(qlo)
    with pytest.raises(PmsError) as caught:
        qa._list("orders", {"filter[date_upd]": ">[2026-01-01 00:00:00]"})
    assert (caught.value.code, caught.value.retryable) == ("refused_32", False)
    qlo.problems.clear()


def test_an_unreadable_cursor_is_an_error_not_a_fresh_start(qlo):
    with pytest.raises(PmsError) as caught:
        adapter(qlo).changed("not json")
    assert caught.value.code == "bad_cursor"
    assert json.loads(adapter(qlo).changed(None).cursor)["v"] == 1
