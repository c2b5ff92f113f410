"""Shared set-up for the benchmark scripts: a dedicated database, a bench hotel, percentiles, tables.

The benchmarks never touch the dev database:
- SQLite (no DATABASE_URL / BENCH_DATABASE_URL, or one naming SQLite): a fresh file under bench/out/,
  deleted and re-created on every run, whatever file the URL named.
- PostgreSQL (BENCH_DATABASE_URL, else DATABASE_URL, names postgres): a fresh database called
  ``innkeeper_bench`` on that server (dropped if it exists), whatever database the URL named. A
  PostgreSQL advisory lock makes concurrent bench runs on one server wait for each other.
Both then get ``migrate``. DATABASE_URL is rewritten to the bench database so that subprocesses (the
gunicorn server of booking_throughput) use the same one.
"""

from __future__ import annotations

import math
import os
import platform
import sys
import time
from datetime import time as dtime
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BENCH_PG_DB = "innkeeper_bench"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


# Held (on a connection to the ``postgres`` database) from before the drop until this process ends, so
# that two bench runs on one server take turns instead of dropping each other's database mid-run.
_PG_LOCK_KEY = 0x1BE7C4  # any constant shared by every copy of this file
_pg_lock_connection = None


def _prepare_postgres(url: str) -> str:
    global _pg_lock_connection
    import psycopg

    parts = urlsplit(url)
    admin = psycopg.connect(host=parts.hostname or "127.0.0.1", port=parts.port or 5432,
                            user=parts.username or "postgres", password=parts.password,
                            dbname="postgres", autocommit=True, connect_timeout=5)
    if not admin.execute("SELECT pg_try_advisory_lock(%s)", [_PG_LOCK_KEY]).fetchone()[0]:
        print(f"bench: another bench run is using {BENCH_PG_DB} on this server; waiting for it to end ...",
              file=sys.stderr, flush=True)
        admin.execute("SELECT pg_advisory_lock(%s)", [_PG_LOCK_KEY])
    _pg_lock_connection = admin  # released when the process exits
    admin.execute(f"DROP DATABASE IF EXISTS {BENCH_PG_DB} WITH (FORCE)")
    admin.execute(f"CREATE DATABASE {BENCH_PG_DB}")
    return urlunsplit((parts.scheme, parts.netloc, "/" + BENCH_PG_DB, parts.query, parts.fragment))


def _prepare_sqlite(name: str) -> str:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.sqlite3"
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return f"sqlite:///{path}"


def setup_django(name: str, *, migrate: bool = True) -> dict:
    """Point DATABASE_URL at a fresh bench database, django.setup(), migrate. Returns a description.

    ``name`` names the SQLite file (bench/out/<name>.sqlite3). DEBUG is off unless the environment sets
    it: with DEBUG on, Django keeps every query in memory, which is not what production measures.
    """
    given = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""
    scheme = urlsplit(given).scheme if given else ""
    if scheme in ("postgres", "postgresql", "pgsql", "psql", "postgis"):
        url = _prepare_postgres(given)
    else:
        if given and not scheme.startswith("sqlite"):
            raise SystemExit(f"bench: unsupported database URL {given!r} (use postgres:// or leave unset)")
        url = _prepare_sqlite(name)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "innkeeper.settings")
    os.environ.setdefault("DEBUG", "false")

    import django

    django.setup()
    started = time.perf_counter()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    migrate_s = time.perf_counter() - started

    from django.conf import settings
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
        else:
            cursor.execute("SELECT sqlite_version()")
        version = cursor.fetchone()[0]
    connection.close()
    safe_url = url
    parts = urlsplit(url)
    if parts.password:
        safe_url = urlunsplit((parts.scheme, parts.netloc.replace(":" + parts.password + "@", ":***@"),
                               parts.path, parts.query, parts.fragment))
    return {"vendor": connection.vendor, "version": version, "url": safe_url, "debug": settings.DEBUG,
            "migrate_s": migrate_s}


def print_header(title: str, info: dict, extra: dict | None = None) -> None:
    print(f"== {title} ==")
    rows = [
        ("database", f"{info['vendor']} {info['version']}  ({info['url']})"),
        ("python / django", f"{platform.python_version()} / {__import__('django').get_version()}"),
        ("machine", f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}"),
        ("load average", "{:.2f} {:.2f} {:.2f} (1, 5, 15 min; other work on the machine skews the figures)"
         .format(*os.getloadavg())),
        ("DEBUG", str(info["debug"])),
        ("migrate", f"{info['migrate_s']:.1f} s"),
    ]
    rows += list((extra or {}).items())
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"  {key.ljust(width)}  {value}")
    print()


def print_footer() -> None:
    print("load average at the end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


def percentile(values, p: float) -> float:
    """The p-th percentile (0..100) with linear interpolation between closest ranks (numpy's default)."""
    data = sorted(values)
    if not data:
        return math.nan
    if len(data) == 1:
        return data[0]
    k = (len(data) - 1) * p / 100
    lo, hi = math.floor(k), math.ceil(k)
    return data[lo] + (data[hi] - data[lo]) * (k - lo)


def table(headers: list[str], rows: list[list], *, title: str | None = None) -> None:
    """Print a plain-text table, numbers right-aligned."""
    cells = [[str(h) for h in headers]] + [[_fmt(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    if title:
        print(title)
    numeric = [all(isinstance(row[i], (int, float)) or row[i] in ("", "-", None) for row in rows)
               for i in range(len(headers))]

    def line(row):
        return "  ".join(c.rjust(w) if numeric[i] else c.ljust(w)
                         for i, (c, w) in enumerate(zip(row, widths, strict=True)))

    print("  " + line(cells[0]))
    print("  " + "  ".join("-" * w for w in widths))
    for row in cells[1:]:
        print("  " + line(row))
    print()


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        if abs(value) >= 1:
            return f"{value:.2f}"
        return f"{value:.3f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


# --- CPU used ------------------------------------------------------------------------------------

def _proc_stat(pid: str) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()  # the fields after "(comm)"
    except OSError:
        return None


def _group_cpu(match) -> float | None:
    """CPU seconds (user + system) of every live process that ``match(comm, fields)`` selects, plus what
    they have reaped of their exited children's: a backend or worker that ends mid-run moves its time from
    its own count to its parent's children count, so differences of two readings stay whole. None without
    Linux's /proc."""
    if not os.path.isdir("/proc/self"):
        return None
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/comm") as f:
                comm = f.read().strip()
        except OSError:
            continue
        fields = _proc_stat(name)
        if fields is None or not match(comm, fields):
            continue
        # fields[11:15] are utime, stime, cutime, cstime (fields 14-17 of proc(5))
        total += sum(int(x) for x in fields[11:15])
    return total / tick


def database_is_local() -> bool:
    """Whether DATABASE_URL names a server on this machine (a socket or a loopback address)."""
    host = urlsplit(os.environ.get("DATABASE_URL", "")).hostname or ""
    return host in ("", "localhost", "127.0.0.1", "::1") or host.startswith("/")


class CpuMeter:
    """CPU seconds used by this process (every thread), by one subprocess session (a server and its workers)
    and by a PostgreSQL server on this machine, between two readings: beside a rate, what each booking cost
    and where (at full load, kinds' rates compare as the inverse of their CPU per booking)."""

    def __init__(self, *, postgres: bool, session: int | None = None):
        self.postgres = postgres
        self.session = session

    def read(self) -> dict:
        out = {"bench": time.process_time()}
        if self.session is not None:
            out["server"] = _group_cpu(lambda comm, f: int(f[3]) == self.session)  # field 6: session id
        if self.postgres:
            out["postgres"] = _group_cpu(lambda comm, f: comm == "postgres")
        return out

    @staticmethod
    def used(before: dict, after: dict) -> dict:
        return {k: after[k] - before[k] for k in before if before[k] is not None and after.get(k) is not None}


# --- bench hotels -------------------------------------------------------------------------------

def create_hotel(slug: str, room_types: list[dict], *, time_zone: str = "Europe/Berlin", **fields):
    """A hotel selling nights and hours, with ``room_types``: dicts of slug, rooms (count) and any
    RoomType field; a ``maintenance`` key puts that many of the type's rooms out of service.

    Returns (hotel, {type_slug: RoomType}, {type_slug: [Room, ...]}), rooms in number order.
    """
    from django_scopes import scopes_disabled

    from innkeeper.hotels.models import BookingModel, Hotel, Room, RoomStatus, RoomType

    defaults = dict(name=f"Bench {slug}", time_zone=time_zone, currency="EUR", default_locale="en",
                    locales=["en", "ru"], booking_model=BookingModel.BOTH, check_in_time=dtime(14),
                    check_out_time=dtime(12), max_nights=30, hourly_min_hours=2, hourly_max_hours=12,
                    hourly_start_hour=8, hourly_end_hour=22, tax_rate=Decimal("10.00"),
                    prices_include_tax=True)
    defaults.update(fields)
    with scopes_disabled():
        hotel = Hotel.objects.create(slug=slug, **defaults)
        types, rooms = {}, {}
        number = 0
        for order, spec in enumerate(room_types):
            spec = dict(spec)
            count = spec.pop("rooms")
            maintenance = spec.pop("maintenance", 0)
            type_slug = spec.pop("slug")
            values = dict(name=type_slug.replace("-", " ").title(), base_price_nightly=Decimal("100.00"),
                          base_price_hourly=Decimal("20.00"), base_occupancy=2, max_occupancy=3,
                          extra_guest_charge=Decimal("15.00"), turnover_minutes=30, sort_order=order)
            values.update(spec)
            rt = RoomType.objects.create(hotel=hotel, slug=type_slug, **values)
            batch = []
            for i in range(count):
                number += 1
                status = RoomStatus.MAINTENANCE if i >= count - maintenance else RoomStatus.AVAILABLE
                batch.append(Room(hotel=hotel, room_type=rt, number=f"{number:04d}", floor=number // 100,
                                  status=status))
            Room.objects.bulk_create(batch)
            types[type_slug] = rt
            rooms[type_slug] = list(Room.objects.filter(room_type=rt).order_by("number"))
    return hotel, types, rooms


_REF_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def bench_reference(n: int, prefix: str = "0") -> str:
    """A unique 6-character reference for row ``n``. The prefix is a character the app's own
    references never use (no 0/1/O/I/L), so they cannot collide with references the service makes."""
    chars = []
    for _ in range(5):
        n, r = divmod(n, len(_REF_ALPHABET))
        chars.append(_REF_ALPHABET[r])
    if n:
        raise ValueError("reference space exhausted")
    return prefix + "".join(reversed(chars))
