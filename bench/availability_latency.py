"""Availability search latency on a busy hotel.

    python bench/availability_latency.py            # 100,000 bookings, 400 searches of each kind
    python bench/availability_latency.py --quick    # 20,000 bookings, 100 searches of each kind
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/innkeeper_bench python bench/availability_latency.py
    python bench/availability_latency.py --growth   # one hotel at 10k, 100k, 1M bookings (see growth())

Seeds one hotel with 300 rooms in 6 room types and N bookings (bulk_create; per room the stays never
overlap; nightly and hourly; past ones checked out / cancelled / no-show / expired, future ones mostly
confirmed, some held, cancelled or expired; about half in the past). Then times
``innkeeper.booking.selectors.availability`` inside the hotel's scope, for nightly searches (check-in in
the next 90 days, 1-5 nights) and hourly searches (a start on a valid hour in the next 90 days, 2-6
hours). The machine-independent figure is the search p50 divided by the p50 of a bare ``SELECT 1`` round
trip on the same connection.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

ROOM_TYPES = [
    # slug, rooms (of which out of service), sells, turnover minutes, nightly price, hourly price, max occupancy
    dict(slug="standard", rooms=100, maintenance=2, turnover_minutes=30, base_price_nightly=Decimal("90"),
         base_price_hourly=Decimal("18"), max_occupancy=2),
    dict(slug="superior", rooms=80, maintenance=1, turnover_minutes=30, base_price_nightly=Decimal("120"),
         base_price_hourly=Decimal("24"), max_occupancy=3),
    dict(slug="deluxe", rooms=60, turnover_minutes=45, base_price_nightly=Decimal("160"),
         base_price_hourly=Decimal("32"), max_occupancy=3),
    dict(slug="family", rooms=30, turnover_minutes=60, base_price_nightly=Decimal("210"),
         base_price_hourly=None, booking_model_override="DAILY", max_occupancy=4),
    dict(slug="suite", rooms=20, turnover_minutes=60, base_price_nightly=Decimal("320"),
         base_price_hourly=None, booking_model_override="DAILY", max_occupancy=4),
    dict(slug="day-studio", rooms=10, turnover_minutes=15, base_price_nightly=Decimal("70"),
         base_price_hourly=Decimal("15"), booking_model_override="HOURLY", max_occupancy=2),
]

PAST_STATUSES = [("CHECKED_OUT", 75), ("CANCELLED", 12), ("NO_SHOW", 5), ("EXPIRED", 8)]
FUTURE_STATUSES = [("CONFIRMED", 70), ("CHECKIN_COMPLETED", 5), ("CANCELLED", 12), ("HOLD", 4),
                   ("PENDING_PAYMENT", 4), ("EXPIRED", 5)]
SOURCES = ["DIRECT", "API", "AGGREGATOR", "PHONE", "WALK_IN"]


def _weighted(rng: random.Random, choices):
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def _room_plan(rng: random.Random, *, count: int, nightly: bool, hourly: bool):
    """``count`` non-overlapping stays for one room, as (kind, day, start_hour, end_day, end_hour)
    with days relative to the room's first day. Hourly stays keep a one-hour gap (>= any turnover);
    after a check-out (12:00) the next stay starts at 13:00 or later (turnover <= 60 min)."""
    plan = []
    day, earliest = rng.randrange(0, 3), 8
    while len(plan) < count:
        r = rng.random()
        if nightly and hourly:
            kind = "N" if r < 0.30 else "H" if r < 0.80 else None
        elif nightly:
            kind = "N" if r < 0.65 else None
        else:
            kind = "H" if r < 0.85 else None
        if kind == "N":
            nights = rng.choices([1, 2, 3, 4, 5, 7], weights=[30, 30, 15, 10, 10, 5])[0]
            plan.append(("NIGHTLY", day, 14, day + nights, 12))
            day, earliest = day + nights, 13
        elif kind == "H":
            hour = max(8, earliest)
            for _ in range(rng.randint(1, 3)):
                hours = rng.randint(2, 6)
                if hour + hours > 22 or len(plan) >= count:
                    break
                plan.append(("HOURLY", day, hour, day, hour + hours))
                hour += hours + 1 + rng.randint(0, 2)
            day, earliest = day + 1, 8
        else:
            day, earliest = day + 1, 8
    return plan


def stay_row(hotel, rt, room, stay, *, base: date, n: int, now: datetime, rng: random.Random,
             stats: dict) -> dict:
    """The booking row for one planned ``stay`` of ``room`` (days counted from ``base``), as field values;
    its status follows from where it lies against ``now``. Counts it in ``stats``."""
    kind, d0, h0, d1, h1 = stay
    tz = hotel.tz
    check_in, check_out = base + timedelta(days=d0), base + timedelta(days=d1)
    start = datetime(check_in.year, check_in.month, check_in.day, h0, tzinfo=tz).astimezone(UTC)
    end = datetime(check_out.year, check_out.month, check_out.day, h1, tzinfo=tz).astimezone(UTC)
    if end <= now:
        status = _weighted(rng, PAST_STATUSES)
        stats["past"] += 1
    elif start <= now:
        status = "CHECKED_IN"
        stats["ongoing"] += 1
    else:
        status = _weighted(rng, FUTURE_STATUSES)
        stats["future"] += 1
        stats["active_future"] += status not in ("CANCELLED", "EXPIRED")
    hold_expires_at = None
    if status in ("HOLD", "PENDING_PAYMENT", "EXPIRED"):
        # Half of the open holds have lapsed without being marked EXPIRED yet.
        hold_expires_at = now + timedelta(minutes=rng.choice([-30, -5, 5, 30]))
    nights = (check_out - check_in).days
    guests = rng.randint(1, rt.max_occupancy)
    if kind == "NIGHTLY":
        stats["nightly"] += 1
        subtotal = rt.base_price_nightly * nights
        hours = None
    else:
        stats["hourly"] += 1
        hours = h1 - h0
        subtotal = rt.base_price_hourly * hours
    tax = (subtotal - subtotal / Decimal("1.10")).quantize(Decimal("0.01"))
    return dict(
        hotel_id=hotel.id, reference=_common.bench_reference(n, prefix="1"), room_type_id=rt.id,
        room_id=room.id, kind=kind, check_in=check_in,
        check_out=check_out if kind == "NIGHTLY" else None, hours=hours, start=start, end=end,
        blocks_from=start, blocks_until=end + timedelta(minutes=rt.turnover_minutes), status=status,
        hold_expires_at=hold_expires_at, guests=guests, guest_name=f"Guest {n}",
        guest_email=f"guest{n}@example.com", locale="en", source=rng.choice(SOURCES),
        currency="EUR", subtotal=subtotal, tax=tax, total=subtotal,
        quote={"currency": "EUR", "lines": [], "subtotal": str(subtotal), "tax": str(tax),
               "total": str(subtotal), "tax_rate": "10.00", "tax_included": True},
        cancelled_at=now - timedelta(days=1) if status == "CANCELLED" else None,
    )


def new_stats() -> dict:
    return {"past": 0, "ongoing": 0, "future": 0, "nightly": 0, "hourly": 0, "active_future": 0}


def seed(hotel, types, rooms, *, total: int, now: datetime, rng: random.Random) -> dict:
    """Bulk-insert ``total`` bookings over the hotel's rooms, about half of them in the past."""
    from django.db import transaction
    from django_scopes import scopes_disabled

    from innkeeper.booking.models import Booking

    today = now.astimezone(hotel.tz).date()
    all_rooms = [(types[slug], room) for slug, rs in rooms.items() for room in rs]
    per_room, extra = divmod(total, len(all_rooms))
    objs = []
    n = 0
    stats = new_stats()
    for i, (rt, room) in enumerate(all_rooms):
        count = per_room + (1 if i < extra else 0)
        plan = _room_plan(rng, count=count, nightly=rt.sells_nightly, hourly=rt.sells_hourly)
        # Shift the room's calendar so that its middle stay starts today: half past, half future.
        base = today - timedelta(days=plan[len(plan) // 2][1])
        for stay in plan:
            n += 1
            objs.append(Booking(**stay_row(hotel, rt, room, stay, base=base, n=n, now=now, rng=rng,
                                           stats=stats)))
    with scopes_disabled(), transaction.atomic():
        Booking.objects.bulk_create(objs, batch_size=2000)
    return stats


def add_rates(hotel, types, *, today: date) -> int:
    """Weekend prices for the next 120 days, two closed days, and a minimum stay on one date."""
    from django_scopes import scopes_disabled

    from innkeeper.hotels.models import RateOverride

    rows = []
    for rt in types.values():
        for i in range(120):
            day = today + timedelta(days=i)
            closed = i in (40, 41) and rt.slug == "suite"
            min_stay = 3 if i == 60 else None
            if day.weekday() >= 4 or closed or min_stay:
                rows.append(RateOverride(hotel=hotel, room_type=rt, date=day, closed=closed, min_stay=min_stay,
                                         price_nightly=rt.base_price_nightly * Decimal("1.2"),
                                         price_hourly=rt.base_price_hourly))
    with scopes_disabled():
        RateOverride.objects.bulk_create(rows)
    return len(rows)


# --- --growth: the same searches at 10k, 100k and 1M bookings ----------------------------------------

GROWTH_SIZES = (10_000, 100_000, 1_000_000)
# Stays each room has from today on, whatever the size: a hotel's future is booked a few weeks ahead,
# its past keeps growing. At 10k bookings about a third of them lie ahead, at 1M well under 1 %.
FUTURE_STAYS_PER_ROOM = 12
# Booking columns written by the bulk insert (COPY on PostgreSQL, executemany on SQLite).
COLUMNS = ("hotel_id", "reference", "room_type_id", "room_id", "kind", "check_in", "check_out", "hours",
           "start", "end", "blocks_from", "blocks_until", "status", "hold_expires_at", "guests", "guest_name",
           "guest_email", "guest_phone", "locale", "source", "request_key", "currency", "subtotal", "tax",
           "total", "quote", "cancelled_at", "cancel_reason", "created_at", "updated_at")


def _share(total: int, i: int, rooms: int) -> int:
    per_room, extra = divmod(total, rooms)
    return per_room + (1 if i < extra else 0)


def growth_rows(hotel, all_rooms, *, size: int, before: int, largest: int, now: datetime, seed: int,
                stats: dict, future: int = FUTURE_STAYS_PER_ROOM):
    """The rows that take the hotel from ``before`` to ``size`` bookings, as tuples in COLUMNS order.

    Each room's whole history (its share of ``largest`` stays, newest last) is planned from its own seed,
    so every stage plans the same calendar; a stage adds the next older stretch of it. The room's
    ``future``-th stay from the end starts today, so the first stage holds every future stay.
    """
    today = now.astimezone(hotel.tz).date()
    rng = random.Random(f"{seed}-rows-{size}")
    per_room, extra = divmod(largest, len(all_rooms))
    for i, (rt, room) in enumerate(all_rooms):
        plan = _room_plan(random.Random(f"{seed}-room-{i}"), count=_share(largest, i, len(all_rooms)),
                          nightly=rt.sells_nightly, hourly=rt.sells_hourly)
        base = today - timedelta(days=plan[-future][1])
        first = len(plan) - _share(size, i, len(all_rooms))
        last = len(plan) - _share(before, i, len(all_rooms))
        for k in range(first, last):
            # The reference numbers the stay within the largest hotel: unique across the stages.
            n = i * per_room + min(i, extra) + k + 1
            row = stay_row(hotel, rt, room, plan[k], base=base, n=n, now=now, rng=rng, stats=stats)
            row.update(guest_phone="", request_key="", cancel_reason="", created_at=now, updated_at=now)
            yield tuple(row[c] for c in COLUMNS)


def bulk_insert(rows) -> int:
    """Insert booking rows (COLUMNS order) in one transaction: COPY on PostgreSQL, executemany on SQLite."""
    import json

    from django.db import connection, transaction

    from innkeeper.booking.models import Booking

    quote = COLUMNS.index("quote")
    count = 0
    names = ", ".join(connection.ops.quote_name(c) for c in COLUMNS)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY booking_booking ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row[:quote] + (json.dumps(row[quote]),) + row[quote + 1:])
                    count += 1
            return count
        fields = [Booking._meta.get_field(c) for c in COLUMNS]
        sql = f"INSERT INTO booking_booking ({names}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"
        batch = []
        for row in rows:
            batch.append([f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True)])
            if len(batch) == 5000:
                cursor.executemany(sql, batch)
                count, batch = count + len(batch), []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def search_makers(hotel, *, today: date, now: datetime, rng: random.Random):
    """Functions making a random nightly search (check-in in the next 90 days, 1-5 nights) and a random
    hourly one (2-6 hours on one of the next 90 days)."""
    from innkeeper.booking import stays

    def nightly_stay():
        check_in = today + timedelta(days=rng.randint(0, 89))
        return stays.nightly(hotel, check_in, check_in + timedelta(days=rng.randint(1, 5)), now=now)

    def hourly_stay():
        hours = rng.randint(2, 6)
        day = today + timedelta(days=rng.randint(1, 90))
        start = datetime(day.year, day.month, day.day, rng.randint(hotel.hourly_start_hour,
                                                                    hotel.hourly_end_hour - hours))
        return stays.hourly(hotel, start, hours, now=now)

    return nightly_stay, hourly_stay


def growth(args) -> int:
    """Build one hotel up to 10k, 100k and 1M bookings; time the same kind of searches at each size."""
    sizes = tuple(args.sizes or GROWTH_SIZES)
    searches = args.searches or 300
    info = _common.setup_django("availability_growth")

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from django_scopes import scope

    from innkeeper.booking import selectors

    now = timezone.now()
    hotel, types, rooms = _common.create_hotel("bench-growth", ROOM_TYPES)
    today = now.astimezone(hotel.tz).date()
    n_rates = add_rates(hotel, types, today=today)
    all_rooms = [(types[slug], room) for slug, rs in rooms.items() for room in rs]
    rng = random.Random(args.seed)
    nightly_stay, hourly_stay = search_makers(hotel, today=today, now=now, rng=rng)

    _common.print_header("availability search latency as the hotel grows", info, {
        "hotel": f"{len(all_rooms)} rooms in {len(types)} room types, {n_rates} rate overrides",
        "bookings": f"{', '.join(f'{s:,}' for s in sizes)}: one hotel, each stage adding older stays; "
                    f"{args.future_stays} stays per room from today on",
        "searches": f"{searches} per size, nightly and hourly alternating, after 20 untimed warm-up "
                    f"searches; 50 SELECT 1 round trips timed after every 10 searches",
    })
    rows, p99s = [], {}
    stats, before = new_stats(), 0
    for size in sizes:
        started = time.perf_counter()
        bulk_insert(growth_rows(hotel, all_rooms, size=size, before=before, largest=sizes[-1], now=now,
                                seed=args.seed, stats=stats, future=args.future_stays))
        before = size
        if connection.vendor == "postgresql":
            # What autovacuum does after a bulk insert: statistics, and the hint bits and visibility map
            # that the first readers of fresh pages would otherwise set during the timed searches.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM (ANALYZE) booking_booking")
        build_s = time.perf_counter() - started
        times, select1, free, counts = [], [], [], set()
        with scope(hotel=hotel):
            for make in (nightly_stay, hourly_stay) * 10:
                with CaptureQueriesContext(connection) as ctx:
                    selectors.availability(hotel=hotel, stay=make(), guests=1, now=now)
                counts.add(len(ctx.captured_queries))
            with connection.cursor() as cursor:
                for i in range(searches):
                    stay = (nightly_stay, hourly_stay)[i % 2]()
                    t = time.perf_counter()
                    offers = selectors.availability(hotel=hotel, stay=stay, guests=rng.randint(1, 2), now=now)
                    times.append(time.perf_counter() - t)
                    free.append(sum(o.available for o in offers))
                    if i % 10 == 9:
                        for j in range(60):
                            t = time.perf_counter()
                            cursor.execute("SELECT 1")
                            cursor.fetchone()
                            if j >= 10:  # the first few pay for the cache the search just used
                                select1.append(time.perf_counter() - t)
        p50, p99, s1 = (_common.percentile(times, 50), _common.percentile(times, 99),
                        _common.percentile(select1, 50))
        p99s[size] = p99
        rows.append([size, stats["past"], stats["future"] + stats["ongoing"], round(build_s, 1),
                     "/".join(map(str, sorted(counts))), round(sum(free) / len(free), 1), p50 * 1e3,
                     p99 * 1e3, s1 * 1e3, p50 / s1, p99 / s1])
        print(f"  {size:,} bookings: built in {build_s:.1f} s, p50 {p50 * 1e3:.1f} ms, "
              f"p99 {p99 * 1e3:.1f} ms", flush=True)
        if args.explain:
            with scope(hotel=hotel):
                explain_overlapping(hotel, nightly_stay(), now)
    print()
    _common.table(["bookings", "past", "ongoing + future", "build s", "queries", "avg free rooms", "p50 ms",
                   "p99 ms", "SELECT 1 p50 ms", "p50 / SELECT1 p50", "p99 / SELECT1 p50"], rows,
                  title="Latency of selectors.availability as the hotel grows (wall clock, in-process)")
    print("The last two columns are the machine-independent figures: search times in units of one SELECT 1 "
          "round trip.")
    drop_bench_database()
    mid = sizes[1] if len(sizes) > 2 else sizes[-1]
    print(f"growth p99 {_size(sizes[-1])}/{_size(sizes[0])}: {p99s[sizes[-1]] / p99s[sizes[0]]:.2f}; "
          f"p99 at {_size(mid)}: {p99s[mid] * 1e3:.1f} ms")
    return 0


def _size(n: int) -> str:
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n // 1000}k" if n % 1000 == 0 else str(n)


def drop_bench_database() -> None:
    """The growth bench's database is large: drop it (PostgreSQL) or delete its file (SQLite)."""
    import os
    from urllib.parse import urlsplit

    from django.db import connection

    vendor, name = connection.vendor, connection.settings_dict["NAME"]
    connection.close()
    if vendor == "postgresql":
        import psycopg

        parts = urlsplit(os.environ["DATABASE_URL"])
        with psycopg.connect(host=parts.hostname or "127.0.0.1", port=parts.port or 5432,
                             user=parts.username or "postgres", password=parts.password, dbname="postgres",
                             autocommit=True, connect_timeout=5) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {_common.BENCH_PG_DB} WITH (FORCE)")
    else:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(name) + suffix).unlink(missing_ok=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="20,000 bookings, 100 searches of each kind")
    parser.add_argument("--bookings", type=int, help="bookings to seed (default 100,000; quick 20,000)")
    parser.add_argument("--searches", type=int,
                        help="timed searches of each kind (default 400; quick 100); "
                             "with --growth: searches per size, both kinds (default 300)")
    parser.add_argument("--seed", type=int, default=20261122, help="random seed")
    parser.add_argument("--analyze", choices=("auto", "yes", "no"), default="auto",
                        help="run ANALYZE after seeding. auto (default): on PostgreSQL, whose autovacuum would "
                             "run it within a minute of such an insert anyway; not on SQLite, which gathers no "
                             "statistics unless told to and which Django never tells")
    parser.add_argument("--explain", action="store_true",
                        help="print the plan of the overlapping-stays query (with --growth: at each size)")
    parser.add_argument("--growth", action="store_true",
                        help="one hotel built up to 10k, 100k and 1M bookings (mostly past), searches timed "
                             "at each size; ends with one line: growth p99 1M/10k and p99 at 100k")
    parser.add_argument("--sizes", type=int, nargs="+",
                        help="with --growth: the sizes instead of 10k 100k 1M")
    parser.add_argument("--future-stays", type=int, default=FUTURE_STAYS_PER_ROOM,
                        help=f"with --growth: stays per room from today on (default {FUTURE_STAYS_PER_ROOM}; "
                             "at most the first size's share per room)")
    args = parser.parse_args()
    if args.growth:
        return growth(args)
    total = args.bookings or (20_000 if args.quick else 100_000)
    searches = args.searches or (100 if args.quick else 400)
    rng = random.Random(args.seed)

    info = _common.setup_django("availability_latency")

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from django_scopes import scope

    from innkeeper.booking import selectors

    now = timezone.now()
    t0 = time.perf_counter()
    hotel, types, rooms = _common.create_hotel("bench-availability", ROOM_TYPES)
    today = now.astimezone(hotel.tz).date()
    n_rates = add_rates(hotel, types, today=today)
    stats = seed(hotel, types, rooms, total=total, now=now, rng=rng)
    seed_s = time.perf_counter() - t0
    analyze_s = None
    if args.analyze == "yes" or (args.analyze == "auto" and connection.vendor == "postgresql"):
        t1 = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        analyze_s = time.perf_counter() - t1
    n_rooms = sum(len(r) for r in rooms.values())

    _common.print_header("availability search latency", info, {
        "hotel": f"{n_rooms} rooms in {len(types)} room types, {n_rates} rate overrides",
        "bookings": f"{total:,} ({stats['nightly']:,} nightly, {stats['hourly']:,} hourly; "
                    f"{stats['past']:,} past, {stats['ongoing']:,} ongoing, {stats['future']:,} future, "
                    f"{stats['active_future']:,} of them active)",
        "seeding": f"{seed_s:.1f} s (hotel, rooms, rates and bookings; bulk_create)",
        "ANALYZE": "skipped" if analyze_s is None else f"{analyze_s:.1f} s",
        "searches": f"{searches} nightly + {searches} hourly, alternating, after 20 untimed warm-up searches; "
                    f"50 SELECT 1 round trips timed after every 10 pairs",
    })

    nightly_stay, hourly_stay = search_makers(hotel, today=today, now=now, rng=rng)

    results = {}
    with scope(hotel=hotel):
        # Queries per search, counted on one search of each kind (and checked on a few more).
        queries = {}
        for label, make in (("nightly", nightly_stay), ("hourly", hourly_stay)):
            counts = set()
            for _ in range(5):
                with CaptureQueriesContext(connection) as ctx:
                    selectors.availability(hotel=hotel, stay=make(), guests=rng.randint(1, 2), now=now)
                counts.add(len(ctx.captured_queries))
            queries[label] = "/".join(str(c) for c in sorted(counts))
            if args.explain and label == "nightly":
                explain_overlapping(hotel, make(), now)
        for make in (nightly_stay, hourly_stay) * 10:
            selectors.availability(hotel=hotel, stay=make(), guests=1, now=now)

        # The reference: a trivial round trip on the same connection, same driver, same Django cursor,
        # timed in blocks between the searches so that both meet the same conditions on the machine.
        select1 = []

        def select_one(samples: int, *, skip: int = 10) -> None:
            with connection.cursor() as cursor:
                for i in range(skip + samples):
                    started = time.perf_counter()
                    cursor.execute("SELECT 1")
                    cursor.fetchone()
                    if i >= skip:  # the first few pay for the cache the search just used
                        select1.append(time.perf_counter() - started)

        free_seen = {}
        kinds = {"nightly": nightly_stay, "hourly": hourly_stay}
        times = {label: [] for label in kinds}
        free = {label: [] for label in kinds}
        for i in range(searches):
            for label, make in kinds.items():  # alternating, for the same reason
                stay, guests = make(), rng.randint(1, 2)
                started = time.perf_counter()
                offers = selectors.availability(hotel=hotel, stay=stay, guests=guests, now=now)
                times[label].append(time.perf_counter() - started)
                free[label].append(sum(o.available for o in offers))
            if i % 10 == 9:
                select_one(50)
        for label in kinds:
            results[label] = times[label]
            free_seen[label] = sum(free[label]) / len(free[label])
    s1_p50 = _common.percentile(select1, 50)

    rows = []
    for label, samples in results.items():
        p50 = _common.percentile(samples, 50)
        rows.append([label, len(samples), p50 * 1e3, _common.percentile(samples, 95) * 1e3,
                     _common.percentile(samples, 99) * 1e3, max(samples) * 1e3, queries[label],
                     round(free_seen[label], 1), p50 / s1_p50])
    rows.append(["SELECT 1", len(select1), s1_p50 * 1e3, _common.percentile(select1, 95) * 1e3,
                 _common.percentile(select1, 99) * 1e3, max(select1) * 1e3, "1", None, 1.0])
    _common.table(["search", "n", "p50 ms", "p95 ms", "p99 ms", "max ms", "queries", "avg free rooms",
                   "p50 / SELECT1 p50"], rows, title="Latency of selectors.availability (wall clock, in-process)")
    print("The last column is the machine-independent figure: search p50 in units of one SELECT 1 round trip.")
    return 0


def explain_overlapping(hotel, stay, now) -> None:
    """Print the plan of availability()'s third query (the overlapping stays), the one that grows: the
    statement the selector itself runs, captured, then explained (ANALYZE and BUFFERS on PostgreSQL)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from innkeeper.booking import selectors

    with CaptureQueriesContext(connection) as ctx:
        selectors.availability(hotel=hotel, stay=stay, guests=1, now=now)
    [sql] = [q["sql"] for q in ctx.captured_queries if "booking_booking" in q["sql"]]
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql)
        plan = [" ".join(str(c) for c in row[-1:]) for row in cursor.fetchall()]
    print(f"Plan of the overlapping-stays query (one nightly search, {stay.check_in} to {stay.check_out}):")
    print("  " + "\n  ".join(plan))
    print()


if __name__ == "__main__":
    code = main()
    _common.print_footer()
    sys.exit(code)
