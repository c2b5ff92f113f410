"""The SQLite half of the no-overlap wall, kept alive across migrations.

On PostgreSQL the exclusion constraint (migration 0002) lives as long as the table. On SQLite,
Django applies many schema changes by rebuilding the table, which drops its triggers; so the
triggers are (re)created after every ``migrate`` from this one definition.
"""

from django.db import connections

from innkeeper.booking.states import ACTIVE

TABLE = "booking_booking"
NO_OVERLAP_CONSTRAINT = "booking_no_overlap"  # PostgreSQL's exclusion constraint (migration 0002)
NO_OVERLAP_MESSAGE = "booking_room_overlap"  # what the SQLite triggers abort with
_ACTIVE_SQL = "(" + ", ".join(f"'{status}'" for status in sorted(ACTIVE)) + ")"
# Built from this module's constants, never from input.
_OVERLAP = (
    f"SELECT RAISE(ABORT, '{NO_OVERLAP_MESSAGE}') WHERE EXISTS ("  # noqa: S608
    f" SELECT 1 FROM {TABLE} b WHERE b.room_id = NEW.room_id AND b.id IS NOT NEW.id"
    f" AND b.status IN {_ACTIVE_SQL}"
    " AND b.blocks_from < NEW.blocks_until AND NEW.blocks_from < b.blocks_until);"
)
SQLITE_TRIGGERS = [
    f"CREATE TRIGGER IF NOT EXISTS booking_no_overlap_insert BEFORE INSERT ON {TABLE} "
    f"WHEN NEW.status IN {_ACTIVE_SQL} BEGIN {_OVERLAP} END",
    f"CREATE TRIGGER IF NOT EXISTS booking_no_overlap_update "
    f"BEFORE UPDATE OF room_id, blocks_from, blocks_until, status ON {TABLE} "
    f"WHEN NEW.status IN {_ACTIVE_SQL} BEGIN {_OVERLAP} END",
]


def ensure_sqlite_guard(using: str = "default", **_kwargs) -> None:
    connection = connections[using]
    if connection.vendor != "sqlite" or TABLE not in connection.introspection.table_names():
        return
    with connection.cursor() as cursor:
        for statement in SQLITE_TRIGGERS:
            cursor.execute(statement)
