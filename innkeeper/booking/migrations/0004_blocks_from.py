"""A stay holds its room from ``blocks_from`` (its start, earlier with the early check-in add-on) to
``blocks_until`` (its end, later with late check-out, plus the turnover); the no-overlap guard now
watches that whole interval.

Existing rows start at their stay's start; the status list is written out on purpose, as in 0002.
"""

from django.db import migrations, models

from innkeeper.core.migration_ops import VendorSQL

ACTIVE_SQL = "('HOLD', 'PENDING_PAYMENT', 'CONFIRMED', 'CHECKIN_COMPLETED', 'CHECKED_IN')"


def _overlap(start):
    return (
        "SELECT RAISE(ABORT, 'booking_room_overlap') WHERE EXISTS ("
        " SELECT 1 FROM booking_booking b WHERE b.room_id = NEW.room_id AND b.id IS NOT NEW.id"
        f" AND b.status IN {ACTIVE_SQL}"
        f" AND b.{start} < NEW.blocks_until AND NEW.{start} < b.blocks_until);"
    )


def _sqlite(start):
    return [
        "DROP TRIGGER IF EXISTS booking_no_overlap_insert",
        "DROP TRIGGER IF EXISTS booking_no_overlap_update",
        "CREATE TRIGGER booking_no_overlap_insert BEFORE INSERT ON booking_booking "
        f"WHEN NEW.status IN {ACTIVE_SQL} BEGIN {_overlap(start)} END",
        "CREATE TRIGGER booking_no_overlap_update "
        f"BEFORE UPDATE OF room_id, {start}, blocks_until, status ON booking_booking "
        f"WHEN NEW.status IN {ACTIVE_SQL} BEGIN {_overlap(start)} END",
    ]


def _postgresql(start):
    return [
        "ALTER TABLE booking_booking DROP CONSTRAINT booking_no_overlap",
        "ALTER TABLE booking_booking ADD CONSTRAINT booking_no_overlap EXCLUDE USING gist "
        f"(room_id WITH =, tstzrange({start}, blocks_until, '[)') WITH &&) "
        f"WHERE (status IN {ACTIVE_SQL})",
    ]


class Migration(migrations.Migration):
    dependencies = [("booking", "0003_request_key")]

    operations = [
        migrations.AddField(model_name="booking", name="blocks_from", field=models.DateTimeField(null=True)),
        migrations.RunSQL('UPDATE booking_booking SET blocks_from = "start"', reverse_sql=migrations.RunSQL.noop),
        migrations.AlterField(model_name="booking", name="blocks_from", field=models.DateTimeField()),
        migrations.AddConstraint(
            model_name="booking",
            constraint=models.CheckConstraint(condition=models.Q(("blocks_from__lte", models.F("start"))),
                                              name="booking_blocks_from_le_start"),
        ),
        VendorSQL(postgresql=_postgresql("blocks_from"), reverse_postgresql=_postgresql('"start"'),
                  sqlite=_sqlite("blocks_from"), reverse_sqlite=_sqlite('"start"')),
    ]
