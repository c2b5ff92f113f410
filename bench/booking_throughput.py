"""Booking throughput: the booking service, the HTTP API, and bare INSERTs into the same table.

    python bench/booking_throughput.py              # 1, 4 and 8 threads, 2 rounds of 8 s measurements
    python bench/booking_throughput.py --quick      # 1 and 4 threads, 1 round of 4 s measurements
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/innkeeper_bench python bench/booking_throughput.py

For each concurrency N it measures bookings per second of
  bare     Booking.objects.create() straight into booking_booking (the no-overlap guard still runs,
           nothing else: no lock, no rules, no price, no event), one row per INSERT, autocommit;
  service  innkeeper.journey.services.booking_create() (the booking and what it sets off), N threads,
           each with its own connection;
  api      POST /api/v1/hotels/{slug}/bookings against gunicorn (2 workers x 4 threads, a subprocess on
           the same database), N client threads, each with its own keep-alive HTTP connection.
Each runs for a fixed time (or until --max bookings); the kinds are interleaved and the whole set repeated
(--rounds), the best round of each counting, so that other work on the machine skews them less. The
machine-independent figures are the ratios service/bare and api/bare. A last table gives the CPU each
booking cost, by process (this one, the API server, a PostgreSQL server on this machine), from /proc.

Bookings cannot collide by design: each kind gets its own hotel with 12 room types x 20 rooms; booking
number j is a one-night stay in room type j mod 12, and each (type, night) gets exactly as many bookings
as the type has rooms (the bare inserts name the room; the service picks the first free one), so every
booking should succeed; failures are counted and shown.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import socket
import sys
import threading
import time
import traceback
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402
from _server import free_port, start_server, stop_server  # noqa: E402

TYPES, ROOMS_PER_TYPE = 12, 20


class Plan:
    """Booking number j -> (room type index, room index, check-in date), never twice the same slot."""

    def __init__(self, first_night: date):
        self.first_night = first_night
        self._counter = itertools.count()
        self._lock = threading.Lock()

    def next(self):
        with self._lock:
            j = next(self._counter)
        slot = j // TYPES
        return j, j % TYPES, slot % ROOMS_PER_TYPE, self.first_night + timedelta(days=slot // ROOMS_PER_TYPE)


def make_hotel(slug: str):
    specs = [dict(slug=f"type-{i:02d}", rooms=ROOMS_PER_TYPE, turnover_minutes=30,
                  base_price_nightly=Decimal("100.00") + i, max_occupancy=3) for i in range(TYPES)]
    hotel, types, rooms = _common.create_hotel(slug, specs)
    type_list = [types[f"type-{i:02d}"] for i in range(TYPES)]
    room_list = [rooms[f"type-{i:02d}"] for i in range(TYPES)]
    return hotel, type_list, room_list


def run_threads(n: int, seconds: float, max_jobs: int, job, *, setup=None, teardown=None) -> dict:
    """Run ``job()`` from ``n`` threads until ``seconds`` pass or ``max_jobs`` ran.

    ``job`` returns an outcome label ("ok" or a failure name). ``setup``/``teardown`` run in each
    thread before the start line and after the end (opening and closing its own connection).
    """
    outcomes: Counter = Counter()
    examples: dict[str, str] = {}
    lock = threading.Lock()
    budget = itertools.count()
    barrier = threading.Barrier(n + 1)
    state = {"deadline": 0.0}

    def worker():
        local = Counter()
        try:
            if setup:
                setup()
            barrier.wait()
            while time.perf_counter() < state["deadline"] and next(budget) < max_jobs:
                try:
                    outcome = job()
                except Exception as exc:  # noqa: BLE001 - counted and shown, the run goes on
                    outcome = type(exc).__name__
                    if outcome not in examples:
                        with lock:
                            examples.setdefault(outcome, traceback.format_exc())
                if isinstance(outcome, tuple):  # (label, detail), e.g. an HTTP status and its body
                    outcome, detail = outcome
                    if outcome not in examples:
                        with lock:
                            examples.setdefault(outcome, detail)
                local[outcome] += 1
        finally:
            if teardown:
                teardown()
            with lock:
                outcomes.update(local)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(n)]
    for t in threads:
        t.start()
    started = time.perf_counter()
    state["deadline"] = started + seconds  # read by the workers only after the barrier
    barrier.wait()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    ok = outcomes.pop("ok", 0)
    return {"ok": ok, "failed": sum(outcomes.values()), "why": dict(outcomes), "seconds": elapsed,
            "rate": ok / elapsed if elapsed else 0.0, "examples": examples}


# --- bare inserts ------------------------------------------------------------------------------------

def bare_job_factory(hotel, types, rooms, plan: Plan, now: datetime):
    from django_scopes import scope

    from innkeeper.booking.models import Booking

    tz = hotel.tz

    def job():
        j, t, r, night = plan.next()
        rt = types[t]
        start = datetime(night.year, night.month, night.day, 14, tzinfo=tz).astimezone(UTC)
        out = night + timedelta(days=1)
        end = datetime(out.year, out.month, out.day, 12, tzinfo=tz).astimezone(UTC)
        with scope(hotel=hotel):
            Booking.objects.create(
                hotel=hotel, reference=_common.bench_reference(j, prefix="0"), room_type=rt, room=rooms[t][r],
                kind="NIGHTLY", check_in=night, check_out=out, start=start, end=end,
                blocks_from=start, blocks_until=end + timedelta(minutes=rt.turnover_minutes), status="CONFIRMED",
                guests=2,
                guest_name="Bench Guest", guest_email=f"bench{j}@example.com", locale="en", source="API",
                currency="EUR", subtotal=rt.base_price_nightly, tax=Decimal("0.00"),
                total=rt.base_price_nightly,
                quote={"currency": "EUR", "lines": [], "total": str(rt.base_price_nightly)})
        return "ok"

    return job


# --- the service -------------------------------------------------------------------------------------

def service_job_factory(hotel, types, plan: Plan):
    from django.utils import timezone
    from django_scopes import scope

    from innkeeper.booking import services, stays
    from innkeeper.journey import services as journey

    def job():
        j, t, _r, night = plan.next()
        now = timezone.now()
        with scope(hotel=hotel):
            stay = stays.nightly(hotel, night, night + timedelta(days=1), now=now)
            journey.booking_create(hotel=hotel, room_type=types[t].slug, stay=stay, guests=2,
                                    guest=services.GuestDetails("Bench Guest", f"bench{j}@example.com"),
                                    source="API", now=now)
        return "ok"

    return job


def db_thread_setup():
    from django.db import connection

    connection.ensure_connection()


def db_thread_teardown():
    from django.db import connections

    connections.close_all()


# --- the HTTP API ------------------------------------------------------------------------------------

class ApiClient:
    """One keep-alive HTTP connection per client thread."""

    def __init__(self, port: int):
        self.port = port
        self.local = threading.local()

    def conn(self) -> http.client.HTTPConnection:
        c = getattr(self.local, "conn", None)
        if c is None:
            c = self.local.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            # http.client sends a request's headers and its body in two writes; with Nagle's algorithm on,
            # the body then waits for the server's delayed ACK of the headers (40 ms on Linux) on every
            # request. Browsers, curl and urllib3 switch Nagle off; so does this client.
            c.connect()
            c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return c

    def close(self):
        c = getattr(self.local, "conn", None)
        if c is not None:
            c.close()
            self.local.conn = None

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if data else {}
        try:
            c = self.conn()
            c.request(method, path, body=data, headers=headers)
            response = c.getresponse()
            return response.status, response.read()
        except (http.client.HTTPException, OSError):
            self.close()
            raise


def api_job_factory(client: ApiClient, hotel, types, plan: Plan):
    path = f"/api/v1/hotels/{hotel.slug}/bookings"

    def job():
        j, t, _r, night = plan.next()
        status, body = client.request("POST", path, {
            "room_type": types[t].slug, "check_in": night.isoformat(),
            "check_out": (night + timedelta(days=1)).isoformat(), "guests": 2,
            "guest": {"name": "Bench Guest", "email": f"bench{j}@example.com"}})
        if status == 201:
            return "ok"
        try:
            code = json.loads(body).get("code") or "invalid"
        except (ValueError, AttributeError):
            code = "?"
        return f"HTTP {status} {code}", body[:500].decode(errors="replace")

    return job


# --- main --------------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 and 4 threads, one round of 4 s measurements")
    parser.add_argument("--threads", help="comma-separated concurrency levels (default 1,4,8; quick 1,4)")
    parser.add_argument("--seconds", type=float, help="duration of each measurement (default 8; quick 4)")
    parser.add_argument("--rounds", type=int, help="rounds over every kind and level; the best round "
                                                    "counts (default 2; quick 1)")
    parser.add_argument("--max", type=int, default=200_000, help="stop a measurement after this many bookings")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--server-threads", type=int, default=4, help="gunicorn threads per worker (default 4)")
    parser.add_argument("--skip-api", action="store_true", help="do not start gunicorn")
    args = parser.parse_args()
    levels = [int(x) for x in (args.threads or ("1,4" if args.quick else "1,4,8")).split(",")]
    seconds = args.seconds or (4.0 if args.quick else 8.0)
    rounds = args.rounds or (1 if args.quick else 2)

    info = _common.setup_django("booking_throughput")
    import innkeeper.booking.services  # noqa: F401 - everything imported before the clock starts
    import innkeeper.booking.stays  # noqa: F401
    if info["vendor"] == "postgresql":
        peak = max(levels) + args.workers * args.server_threads + 2
        if peak >= 90:
            raise SystemExit(f"bench: {peak} connections would be open at once; keep them under 90")

    from django.utils import timezone

    now = timezone.now()
    first_night = (now + timedelta(days=2)).date()
    kinds = ["bare", "service"] + ([] if args.skip_api else ["api"])
    hotels = {kind: make_hotel(f"bench-{kind}") for kind in kinds}
    _common.print_header("booking throughput", info, {
        "hotels": f"one per kind, {TYPES} room types x {ROOMS_PER_TYPE} rooms; one-night stays from "
                  f"{first_night} on, spread over types and rooms so that none collide",
        "measurement": f"{seconds:g} s per kind and concurrency (or {args.max:,} bookings), threads "
                       f"{', '.join(map(str, levels))}; {rounds} round(s), kinds interleaved, best round counts",
        "api server": "-" if args.skip_api else
                      f"gunicorn, {args.workers} workers x {args.server_threads} threads (gthread), same database",
    })

    plans = {kind: Plan(first_night) for kind in kinds}
    jobs = {
        "bare": bare_job_factory(*hotels["bare"], plans["bare"], now),
        "service": service_job_factory(hotels["service"][0], hotels["service"][1], plans["service"]),
    }
    hooks = {"bare": (db_thread_setup, db_thread_teardown), "service": (db_thread_setup, db_thread_teardown)}
    run_threads(1, 0.5, 50, jobs["bare"], setup=db_thread_setup, teardown=db_thread_teardown)  # warm-up
    run_threads(1, 0.5, 20, jobs["service"], setup=db_thread_setup, teardown=db_thread_teardown)

    proc = None
    log_path = _common.OUT / "gunicorn.log"
    results: dict[tuple[str, int], list[dict]] = {(k, n): [] for k in kinds for n in levels}
    try:
        if not args.skip_api:
            _common.OUT.mkdir(parents=True, exist_ok=True)
            port = free_port()
            proc = start_server(port, args.workers, args.server_threads, log_path)
            client = ApiClient(port)
            jobs["api"] = api_job_factory(client, hotels["api"][0], hotels["api"][1], plans["api"])
            hooks["api"] = (None, client.close)
            # Warm-up: enough concurrent requests that every worker thread has its code and connection.
            slots = args.workers * args.server_threads
            run_threads(slots, 1.0, 4 * slots, jobs["api"], teardown=client.close)
        # Interleaved, so that a burst of other work on the machine hits every kind alike.
        local_pg = info["vendor"] == "postgresql" and _common.database_is_local()
        meters = {kind: _common.CpuMeter(postgres=local_pg, session=proc.pid if kind == "api" else None)
                  for kind in kinds}
        for r in range(rounds):
            for n in levels:
                for kind in kinds:
                    setup, teardown = hooks[kind]
                    before = meters[kind].read()
                    result = run_threads(n, seconds, args.max, jobs[kind], setup=setup, teardown=teardown)
                    result["cpu"] = _common.CpuMeter.used(before, meters[kind].read())
                    results[kind, n].append(result)
                    _progress(r + 1, kind, n, result)
    finally:
        if proc is not None:
            stop_server(proc)
    if any(m["failed"] for k, n in results if k == "api" for m in results[k, n]):
        print(f"  (server log: {log_path})")

    global API_BARE
    API_BARE = report(results, kinds, levels)
    return 0


def _progress(round_no: int, kind: str, n: int, r: dict) -> None:
    print(f"  .. round {round_no}  {kind:7s} threads={n:<3d} {r['rate']:8.1f}/s  ok={r['ok']} failed={r['failed']}",
          flush=True)
    for label, example in r["examples"].items():
        print(f"     first {label}:\n       " + example.strip()[-1500:].replace("\n", "\n       "), flush=True)


def best(measurements: list[dict]) -> dict:
    return max(measurements, key=lambda m: m["rate"])


def report(results, kinds, levels) -> float | None:
    """Print the tables; return the best api/bare ratio over the concurrency levels (None without api)."""
    print()
    rows = []
    for kind in kinds:
        for n in levels:
            ms = results[kind, n]
            why: Counter = Counter()
            for m in ms:
                why.update(m["why"])
            rows.append([kind, n, sum(m["ok"] for m in ms), sum(m["failed"] for m in ms),
                         " ".join(f"{m['rate']:.0f}" for m in ms), best(ms)["rate"],
                         ", ".join(f"{k} x{v}" for k, v in sorted(why.items())) or "-"])
    _common.table(["kind", "threads", "ok", "failed", "rate per round", "best/s", "failures"], rows,
                  title="Per measurement (ok and failed summed over rounds)")
    rows = []
    for n in levels:
        bare = best(results["bare", n])["rate"]
        svc = best(results["service", n])["rate"]
        api = best(results["api", n])["rate"] if "api" in kinds else None
        rows.append([n, bare, svc, api, svc / bare if bare else None,
                     api / bare if bare and api is not None else None])
    _common.table(["threads", "bare/s", "service/s", "api/s", "service/bare", "api/bare"], rows,
                  title="Bookings per second (best round) and the machine-independent ratios")
    cpu_table(results, kinds, levels)
    ratios = [row[5] for row in rows if row[5] is not None]
    return max(ratios) if ratios else None


def cpu_table(results, kinds, levels) -> None:
    """CPU milliseconds per booking of the best round, by process: at full load the kinds' rates compare as
    the inverse of these totals."""
    rows, bare_total = [], {}
    for kind in kinds:
        for n in levels:
            m = best(results[kind, n])
            cpu, ok = m.get("cpu") or {}, m["ok"]
            if not ok or not cpu:
                continue
            per = {k: v / ok * 1000 for k, v in cpu.items()}
            total = sum(per.values())
            if kind == "bare":
                bare_total[n] = total
            rows.append([kind, n, per.get("bench"), per.get("server"), per.get("postgres"), total,
                         bare_total[n] / total if bare_total.get(n) else None])
    if rows:
        _common.table(["kind", "threads", "bench process", "api server", "postgres", "total", "bare/kind"], rows,
                      title="CPU ms per booking (best round; bench process: the app for bare and service, "
                            "the HTTP client for api; postgres: a server on this machine only)")


API_BARE: float | None = None  # the figure the last line states


if __name__ == "__main__":
    code = main()
    _common.print_footer()
    if API_BARE is not None:  # the one figure to compare: the best api/bare over the concurrency levels
        print(f"api/bare ratio: {API_BARE:.2f}")
    sys.exit(code)
