"""The iCal adapter reads channel calendars over real HTTP from a local server that publishes them as Airbnb
and Booking.com do (tests.fakes.ical)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from innkeeper.core import providers
from innkeeper.core.errors import InvalidInput
from innkeeper.core.providers import VerifyFailed
from innkeeper.pms.adapters import ExternalStatus, PmsAdapter, PmsError
from innkeeper.pms.adapters.ical import EXPORT_UID_DOMAIN, ICalAdapter
from tests.fakes.ical import (
    FakeCalendars,
    airbnb,
    airbnb_block,
    airbnb_booking,
    booking_com,
    booking_com_closed,
    calendar,
)

AIRBNB_PATH = "/calendar/ical/40123.ics?s=5f0c1e2d3a4b"
BOOKING_PATH = "/v1/export?t=8d2f4b1a-77c3-4a59-9a7e-0c1d2e3f4a5b"


@pytest.fixture
def cals(settings):
    settings.OUTBOUND_ALLOW_PRIVATE_HOSTS = True  # the channels' servers are a fake on this machine
    with FakeCalendars(slow_seconds=1.5) as server:
        yield server


@pytest.fixture
def day():
    return timezone.now().date() + timedelta(days=20)


def adapter_for(cals, hotel, **kwargs) -> ICalAdapter:
    config = ICalAdapter.clean_config({"feeds": f"101 {cals.url(AIRBNB_PATH)}\n102 {cals.url(BOOKING_PATH)}"})
    return providers.get("pms", "ical").from_config(config, hotel=hotel, **kwargs)


def test_registered_as_a_pms():
    assert providers.get("pms", "ical") is ICalAdapter
    assert issubclass(ICalAdapter, PmsAdapter)


def test_airbnb_and_booking_com_feeds_become_guestless_reservations_of_their_rooms(cals, hotel, other_hotel, day):
    cals.feeds[AIRBNB_PATH] = airbnb(airbnb_booking(day, day + timedelta(days=3), "HMABCD2345"),
                                     airbnb_block(day + timedelta(days=5), day + timedelta(days=7), "b1"))
    cals.feeds[BOOKING_PATH] = booking_com(booking_com_closed(day, day + timedelta(days=1), "c1"),
                                           booking_com_closed(day + timedelta(days=1), day + timedelta(days=4), "c2"),
                                           newline="\n")  # LF only: read leniently
    assert b"\r\n " in cals.feeds[AIRBNB_PATH]  # Airbnb's long DESCRIPTION arrives folded

    page = adapter_for(cals, hotel).changed(None)

    assert page.more is False and page.cursor
    got = [(r.room.number, r.check_in, r.check_out, r.status, r.booking_ref[:10]) for r in page.reservations]
    assert got == [
        ("101", day, day + timedelta(days=3), ExternalStatus.BOOKED, "HMABCD2345"),
        ("102", day, day + timedelta(days=1), ExternalStatus.BOOKED, got[1][4]),
        ("102", day + timedelta(days=1), day + timedelta(days=4), ExternalStatus.BOOKED, got[2][4]),
        ("101", day + timedelta(days=5), day + timedelta(days=7), ExternalStatus.BOOKED, got[3][4]),
    ]
    for reservation in page.reservations:
        assert reservation.guest.name == reservation.guest.email == reservation.guest.phone == ""
        assert reservation.start is None and reservation.end is None  # all-day: the hotel's own times apply
        room, uid = reservation.external_id.split("|")
        assert room == reservation.room.number and uid.endswith(("@airbnb.com", "@booking.com"))
    assert "1234" not in repr(page.reservations)  # the phone's last digits are not kept
    assert page.reservations[2].booking_ref.endswith("@booking.com")  # no code: the UID names it
    # The other hotel reads the same all-day dates: floating dates are never shifted by a time zone.
    assert [r.check_in for r in adapter_for(cals, other_hotel).changed(None).reservations] == [
        r.check_in for r in page.reservations]
    assert sorted(cals.requests) == sorted([AIRBNB_PATH, BOOKING_PATH] * 2)


def test_date_times_with_tzid_utc_and_floating(cals, hotel, other_hotel, day):
    stamp = day.strftime("%Y%m%d")
    next_day = (day + timedelta(days=1)).strftime("%Y%m%d")
    cals.feeds[AIRBNB_PATH] = calendar("-//Vrbo//EN", [
        ["UID:tz@vrbo.example", "DTSTAMP:20260101T000000Z", f"DTSTART;TZID=Asia/Tokyo:{stamp}T050000",
         f"DTEND;TZID=Asia/Tokyo:{next_day}T100000", "SUMMARY:Reserved - Guest Name"],
        ["UID:utc@vrbo.example", "DTSTAMP:20260101T000000Z", f"DTSTART:{stamp}T150000Z",
         f"DTEND:{next_day}T090000Z", "SUMMARY:Blocked"],
        ["UID:float@vrbo.example", "DTSTAMP:20260101T000000Z", f"DTSTART:{stamp}T140000", "DURATION:P2D",
         "SUMMARY:Blocked"],
        ["UID:one-day@vrbo.example", "DTSTAMP:20260101T000000Z", f"DTSTART;VALUE=DATE:{stamp}",
         "SUMMARY:Blocked"],
    ], extra=("BEGIN:VTIMEZONE", "TZID:Asia/Tokyo", "BEGIN:STANDARD", "DTSTART:19700101T000000",
              "TZOFFSETFROM:+0900", "TZOFFSETTO:+0900", "END:STANDARD", "END:VTIMEZONE"))
    cals.feeds[BOOKING_PATH] = booking_com()

    moscow = {r.external_id: r for r in adapter_for(cals, hotel).changed(None).reservations}
    new_york = {r.external_id: r for r in adapter_for(cals, other_hotel).changed(None).reservations}

    tokyo = moscow["101|tz@vrbo.example"]
    assert tokyo.start == datetime(day.year, day.month, day.day, 5, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert tokyo.end == tokyo.start + timedelta(days=1, hours=5)
    # 05:00 in Tokyo is 23:00 the evening before in Moscow and 16:00 the day before in New York.
    assert (tokyo.check_in, tokyo.check_out) == (day - timedelta(days=1), day + timedelta(days=1))
    assert new_york["101|tz@vrbo.example"].check_in == day - timedelta(days=1)
    utc = moscow["101|utc@vrbo.example"]
    assert utc.start.utcoffset() == timedelta(0) and (utc.check_in, utc.check_out) == (day, day + timedelta(days=1))
    floating = moscow["101|float@vrbo.example"]  # no zone: the hotel's own clock
    assert floating.start == datetime(day.year, day.month, day.day, 14, tzinfo=hotel.tz)
    assert floating.end == floating.start + timedelta(days=2)
    assert new_york["101|float@vrbo.example"].start.tzinfo == other_hotel.tz
    one_day = moscow["101|one-day@vrbo.example"]  # all-day without DTEND: that one day
    assert (one_day.check_in, one_day.check_out, one_day.start) == (day, day + timedelta(days=1), None)
    assert "Guest Name" not in repr(list(moscow.values()))  # a Vrbo summary's name is not kept


def test_cancelled_status_and_vanished_events(cals, hotel, day):
    kept = airbnb_booking(day, day + timedelta(days=2), "HMKEEP2345")
    gone = airbnb_booking(day + timedelta(days=4), day + timedelta(days=6), "HMGONE2345")
    cancelled = [*airbnb_block(day + timedelta(days=8), day + timedelta(days=9), "c"), "STATUS:CANCELLED"]
    cals.feeds[AIRBNB_PATH] = airbnb(kept, gone, cancelled)
    cals.feeds[BOOKING_PATH] = booking_com(booking_com_closed(day, day + timedelta(days=1), "c1"))
    first = adapter_for(cals, hotel).changed(None)
    by_ref = {r.booking_ref: r for r in first.reservations}
    assert [r.status for r in first.reservations if r.pms_status == "CANCELLED"] == [ExternalStatus.CANCELLED]
    gone_id = by_ref["HMGONE2345"].external_id

    cals.feeds[AIRBNB_PATH] = airbnb(kept, cancelled)  # the booking was cancelled on Airbnb: it vanished
    adapter = adapter_for(cals, hotel)
    second = adapter.changed(first.cursor)
    assert second.cursor != first.cursor
    assert gone_id not in {r.external_id for r in second.reservations}
    assert adapter.reservation(gone_id) is None  # read successfully just now, and it is not there
    assert adapter.reservation(by_ref["HMKEEP2345"].external_id) == by_ref["HMKEEP2345"]

    # A read that fails never answers "gone".
    for fault in ("500", "timeout", "html", "404"):
        cals.fault = fault
        with pytest.raises(PmsError):
            adapter_for(cals, hotel).reservation(by_ref["HMKEEP2345"].external_id)
    cals.fault = ""
    # A room whose feed the owner removed: its stays go with it.
    assert adapter.reservation("999|x@airbnb.com") is None


def test_a_suddenly_empty_feed_cancels_nothing_until_the_next_read_agrees(cals, hotel, day):
    booking = airbnb_booking(day, day + timedelta(days=2), "HMEMPT2345")
    cals.feeds[AIRBNB_PATH] = airbnb(booking)
    cals.feeds[BOOKING_PATH] = booking_com(booking_com_closed(day, day + timedelta(days=1), "c1"))
    first = adapter_for(cals, hotel).changed(None)
    airbnb_id = first.reservations[0].external_id if first.reservations[0].room.number == "101" else \
        first.reservations[1].external_id

    cals.feeds[AIRBNB_PATH] = airbnb()  # an empty VCALENDAR
    adapter = adapter_for(cals, hotel)
    second = adapter.changed(first.cursor)
    with pytest.raises(PmsError) as error:
        adapter.reservation(airbnb_id)
    assert error.value.code == "empty_feed" and error.value.retryable
    with pytest.raises(PmsError):  # a fresh read without the cursor's history cannot tell either
        adapter_for(cals, hotel).reservation(airbnb_id)

    adapter = adapter_for(cals, hotel)
    third = adapter.changed(second.cursor)  # empty again: now it is the channel's word
    assert third.cursor != second.cursor
    assert adapter.reservation(airbnb_id) is None
    assert adapter_for(cals, hotel).changed(third.cursor).reservations == []  # and then nothing changes


def test_changed_pages_and_an_unchanged_feed_gives_an_empty_page(cals, hotel, day):
    past = day - timedelta(days=60)
    cals.feeds[AIRBNB_PATH] = airbnb(*(airbnb_block(day + timedelta(days=2 * i), day + timedelta(days=2 * i + 1),
                                                    f"b{i}") for i in range(5)),
                                     airbnb_block(past, past + timedelta(days=2), "departed"))
    cals.feeds[BOOKING_PATH] = booking_com()
    pages, cursor = [], None
    while True:
        page = adapter_for(cals, hotel).changed(cursor, limit=2)
        pages.append([r.check_in for r in page.reservations])
        cursor = page.cursor
        if not page.more:
            break
    assert pages == [[day, day + timedelta(days=2)], [day + timedelta(days=4), day + timedelta(days=6)],
                     [day + timedelta(days=8)]]  # departed stays are not in the sync window
    # Room 102's feed was empty for the first time: the next read runs in full to confirm it, then nothing.
    confirming = adapter_for(cals, hotel).changed(cursor)
    assert len(confirming.reservations) == 5 and confirming.cursor != cursor
    assert adapter_for(cals, hotel).changed(confirming.cursor).reservations == []
    adapter = adapter_for(cals, hotel)
    assert [r.check_in for r in adapter.between(past, past + timedelta(days=1))] == [past]
    assert [r.check_in for r in adapter.between(day + timedelta(days=1), day + timedelta(days=5))] == [
        day + timedelta(days=2), day + timedelta(days=4)]  # DTEND exclusive: day's stay ends on day + 1


def test_our_own_export_handed_back_is_skipped(cals, hotel, day):
    cals.feeds[AIRBNB_PATH] = airbnb(["DTSTAMP:20260810T120000Z", f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
                                      f"DTEND;VALUE=DATE:{day + timedelta(days=2):%Y%m%d}",
                                      "SUMMARY:Not available", f"UID:0a1b2c3d@{EXPORT_UID_DOMAIN}"])
    cals.feeds[BOOKING_PATH] = booking_com()
    assert adapter_for(cals, hotel).changed(None).reservations == []


@pytest.mark.parametrize("fault, code, retryable", [
    ("500", "http_500", True), ("404", "http_404", False), ("timeout", "timeout", True),
    ("huge", "too_large", False), ("html", "malformed", False), ("redirect", "http_302", False),
])
def test_a_feed_that_cannot_be_read_is_an_error_in_words(cals, hotel, fault, code, retryable):
    cals.fault = fault
    with pytest.raises(PmsError) as error:
        adapter_for(cals, hotel, timeout=0.5).changed(None)
    assert (error.value.code, error.value.retryable) == (code, retryable)
    assert "101" in error.value.message and "<html" not in error.value.message


def test_malformed_calendars(cals, hotel, day):
    cals.feeds[BOOKING_PATH] = booking_com()
    for body in (b"", b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:nonsense\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
                 b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nSUMMARY:no dates\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
                 b"BEGIN:VCARD\r\nFN:Someone\r\nEND:VCARD\r\n", b"\xff\xfe garbage"):
        cals.feeds[AIRBNB_PATH] = body
        with pytest.raises(PmsError) as error:
            adapter_for(cals, hotel).changed(None)
        assert error.value.code == "malformed", body
        assert "room 101" in error.value.message


def test_config_is_checked(settings, cals):
    with pytest.raises(InvalidInput):
        ICalAdapter.clean_config({})
    with pytest.raises(InvalidInput, match="two calendar"):
        ICalAdapter.clean_config({"feeds": f"1 {cals.url('/a')}\n1 {cals.url('/b')}"})
    with pytest.raises(InvalidInput, match="number"):
        ICalAdapter.clean_config({"feeds": cals.url("/a")})
    single = ICalAdapter.clean_config({"url": cals.url("/a"), "room": "7"})
    assert ICalAdapter.from_config(single).rooms()[0].number == "7"
    assert ICalAdapter.secret_names() == ("feeds", "url")  # feed URLs are the channels' only password
    settings.OUTBOUND_ALLOW_PRIVATE_HOSTS = False
    with pytest.raises(InvalidInput) as refused:
        ICalAdapter.clean_config({"feeds": f"1 {cals.url('/a')}"})
    assert refused.value.field == "feeds"


def test_verify_reads_every_feed(cals, hotel, day):
    cals.feeds[AIRBNB_PATH] = airbnb(airbnb_booking(day, day + timedelta(days=1), "HMVERI2345"))
    cals.feeds[BOOKING_PATH] = booking_com(booking_com_closed(day, day + timedelta(days=1), "c1"))
    config = {"feeds": f"101 {cals.url(AIRBNB_PATH)}\n102 {cals.url(BOOKING_PATH)}"}
    assert ICalAdapter.verify(config, hotel=hotel) == "Read 2 calendars: 2 stays or closed periods."
    del cals.feeds[BOOKING_PATH]
    with pytest.raises(VerifyFailed, match="room 102"):
        ICalAdapter.verify(config, hotel=hotel)


def test_no_guests_no_room_types(cals, hotel):
    adapter = adapter_for(cals, hotel)
    assert adapter.guest("101|x").name == "" and adapter.room_types() == []
    assert [r.number for r in adapter.rooms()] == ["101", "102"]
