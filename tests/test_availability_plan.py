"""A search reads only the stays that overlap it, however many lie before and after it (PostgreSQL).

The plan is read with EXPLAIN ANALYZE on the very statements the selectors run: the rows the scans of
booking_booking visit (returned, filtered out, rechecked away) must stay near the number that overlap
the window, far below the hotel's past and forward book.
"""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from innkeeper.booking import selectors, stays
from innkeeper.booking.models import Booking
from tests import factories

ROOMS = 4
DAYS = 400  # one-night stays per room before today, and as many from today on
# What a plan may read: the stays overlapping the window (3 per room, in each hotel) and what the planner's
# choice of scan adds to them (a range scan of the guard's index meets every room's overlapping stays, and a
# lossy recheck a few more). It varies with the statistics from run to run; the old queries read 806 rows to
# pick a room and 15,232 for a search, the whole book.
READ_AT_MOST = 200


@scopes_disabled()
def fill(hotel, room_type, *, today):
    """Every room booked night after night, DAYS nights back (checked out) and DAYS nights ahead."""
    rooms = list(room_type.rooms.order_by("number"))
    rows = []
    for room in rooms:
        for day in range(-DAYS, DAYS):
            check_in = today + timedelta(days=day)
            start = datetime.combine(check_in, hotel.check_in_time, tzinfo=hotel.tz).astimezone(UTC)
            end = datetime.combine(check_in + timedelta(days=1), hotel.check_out_time,
                                   tzinfo=hotel.tz).astimezone(UTC)
            rows.append(Booking(
                hotel=hotel, reference=f"{hotel.pk % 10}{room.pk % 10}{day + DAYS:04d}", room_type=room_type,
                room=room, kind="NIGHTLY", check_in=check_in, check_out=check_in + timedelta(days=1),
                start=start, end=end, blocks_from=start, blocks_until=end,
                status="CHECKED_OUT" if day < 0 else "CONFIRMED", guests=1, guest_name="Guest",
                guest_email="guest@example.com", locale="en", currency="EUR", subtotal=100, tax=0, total=100,
                quote={}))
    Booking.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def visited(plan: dict) -> tuple[int, set[str]]:
    """Rows the plan's scans of booking_booking read, and the indexes they used."""
    rows, indexes = 0, set()

    def walk(node, under_booking=False):
        nonlocal rows
        scans_booking = node.get("Relation Name") == "booking_booking" or (
            under_booking and "Index Name" in node)
        if scans_booking:
            loops = node.get("Actual Loops", 1)
            rows += node["Actual Rows"] * loops + node.get("Rows Removed by Filter", 0) + node.get(
                "Rows Removed by Index Recheck", 0)
            if "Index Name" in node:
                indexes.add(node["Index Name"])
        for child in node.get("Plans", ()):
            walk(child, under_booking or scans_booking)

    walk(plan["Plan"])
    return rows, indexes


def explained(captured):
    """The statements that read booking_booking, each with what its plan visited there."""
    out = []
    with connection.cursor() as cursor:
        for query in captured:
            if "booking_booking" in query["sql"]:
                cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + query["sql"])
                plan = cursor.fetchone()[0]
                out.append(visited((json.loads(plan) if isinstance(plan, str) else plan)[0]))
    return out


@pytest.fixture
def busy_hotels(hotel, other_hotel, now):
    today = now.astimezone(hotel.tz).date()
    own = factories.make_room_type(hotel, slug="std", rooms=ROOMS)
    other = factories.make_room_type(other_hotel, slug="std", rooms=ROOMS)
    total = fill(hotel, own, today=today) + fill(other_hotel, other, today=today)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE booking_booking")
    return own, today, total


@pytest.mark.postgres
def test_a_search_reads_only_the_stays_that_overlap_it(hotel, in_scope, now, busy_hotels):
    _, today, total = busy_hotels
    stay = stays.nightly(hotel, today + timedelta(days=30), today + timedelta(days=32), now=now)

    def search():
        with CaptureQueriesContext(connection) as ctx:
            offers = selectors.availability(hotel=hotel, stay=stay, guests=1, now=now)
        return offers, ctx.captured_queries

    offers, captured = in_scope(hotel, search)
    assert [(o.room_type.slug, o.available) for o in offers] == [("std", 0)]
    [(rows, indexes)] = explained(captured)
    # Per room three stays overlap the window: the night before arrival (its check-out morning) and
    # the two nights asked for. The scans may meet the other hotel's overlapping stays as well (the
    # guard's index is by room and stay, not by hotel), never the 6,400 stays of the two hotels.
    assert total == 6_400
    assert rows <= READ_AT_MOST, (rows, indexes)
    assert "booking_no_overlap" in indexes


@pytest.mark.postgres
def test_picking_and_moving_a_room_read_only_the_stays_that_overlap(hotel, in_scope, now, busy_hotels):
    own, today, _ = busy_hotels
    stay = stays.nightly(hotel, today + timedelta(days=30), today + timedelta(days=32), now=now)
    with scopes_disabled():
        booking = Booking.objects.filter(hotel=hotel, check_in=today + timedelta(days=30)).first()

    def pick_and_move():
        with CaptureQueriesContext(connection) as ctx:
            free = list(selectors.free_rooms(hotel=hotel, room_type=own, stay=stay, now=now))
            targets = selectors.move_targets(hotel=hotel, bookings=[booking], now=now)
        return free, targets, ctx.captured_queries

    free, targets, captured = in_scope(hotel, pick_and_move)
    assert (free, targets) == ([], {booking.pk: []})
    plans = explained(captured)
    assert len(plans) == 2  # the free rooms, the stays around the booking
    for rows, indexes in plans:
        assert rows <= READ_AT_MOST, (rows, indexes)
        assert "booking_no_overlap" in indexes
