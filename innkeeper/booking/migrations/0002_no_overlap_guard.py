"""No two active stays may overlap on one room: the database's own wall.

The status list is written out here on purpose (a migration must not change when code changes);
tests check it equals innkeeper.booking.states.ACTIVE.
"""

from django.db import migrations

from innkeeper.core.migration_ops import VendorSQL

ACTIVE_SQL = "('HOLD', 'PENDING_PAYMENT', 'CONFIRMED', 'CHECKIN_COMPLETED', 'CHECKED_IN')"

OVERLAP = (
    "SELECT RAISE(ABORT, 'booking_room_overlap') WHERE EXISTS ("
    " SELECT 1 FROM booking_booking b WHERE b.room_id = NEW.room_id AND b.id IS NOT NEW.id"
    f" AND b.status IN {ACTIVE_SQL}"
    ' AND b."start" < NEW.blocks_until AND NEW."start" < b.blocks_until);'
)


class Migration(migrations.Migration):
    dependencies = [("booking", "0001_initial")]

    operations = [
        VendorSQL(
            postgresql=[
                "CREATE EXTENSION IF NOT EXISTS btree_gist",
                "ALTER TABLE booking_booking ADD CONSTRAINT booking_no_overlap EXCLUDE USING gist "
                "(room_id WITH =, tstzrange(\"start\", blocks_until, '[)') WITH &&) "
                f"WHERE (status IN {ACTIVE_SQL})",
            ],
            reverse_postgresql=["ALTER TABLE booking_booking DROP CONSTRAINT booking_no_overlap"],
            sqlite=[
                "CREATE TRIGGER booking_no_overlap_insert BEFORE INSERT ON booking_booking "
                f"WHEN NEW.status IN {ACTIVE_SQL} BEGIN {OVERLAP} END",
                "CREATE TRIGGER booking_no_overlap_update "
                'BEFORE UPDATE OF room_id, "start", blocks_until, status ON booking_booking '
                f"WHEN NEW.status IN {ACTIVE_SQL} BEGIN {OVERLAP} END",
            ],
            reverse_sqlite=[
                "DROP TRIGGER booking_no_overlap_insert",
                "DROP TRIGGER booking_no_overlap_update",
            ],
        ),
    ]
