"""Copy both old logs into the activity log, keeping times, actors, before/after and from/to statuses.

AuditEntry (what a person changed in the panel) and BookingEvent (a booking's history) become ActivityLog
rows; the next migrations drop the old tables."""

from django.db import migrations

BATCH = 2000


def _users(apps):
    User = apps.get_model("accounts", "User")
    return {pk: (email, name) for pk, email, name in User.objects.values_list("pk", "email", "name")}


def copy(apps, schema_editor):
    ActivityLog = apps.get_model("core", "ActivityLog")
    AuditEntry = apps.get_model("core", "AuditEntry")
    BookingEvent = apps.get_model("booking", "BookingEvent")
    users = _users(apps)
    by_email = {email.lower(): (pk, name or email) for pk, (email, name) in users.items()}

    rows = []
    for e in AuditEntry.objects.order_by("at", "id").iterator():
        email, name = users.get(e.actor_id, (e.actor_label, ""))
        rows.append(ActivityLog(
            hotel_id=e.hotel_id, subject_type=e.object_type, subject_id=e.object_id, verb=e.action,
            actor_kind="staff", actor_id=str(e.actor_id or ""), actor_label=name or email or e.actor_label,
            data={"before": e.before, "after": e.after}, at=e.at))
    ActivityLog.objects.bulk_create(rows, batch_size=BATCH)

    rows = []
    events = BookingEvent.objects.order_by("at", "id").values_list(
        "hotel_id", "booking_id", "booking__reference", "at", "actor", "action", "from_status", "to_status",
        "data")
    for hotel_id, booking_id, reference, at, actor, action, from_status, to_status, data in events.iterator():
        if actor.startswith("staff:"):
            email = actor.removeprefix("staff:")
            pk, label = by_email.get(email.lower(), ("", email))
            kind, actor_id = "staff", str(pk)
        else:
            kind, actor_id, label = ("guest" if actor == "guest" else "system"), "", ""
        statuses = {name: value for name, value in (("from_status", from_status), ("to_status", to_status))
                    if value}
        rows.append(ActivityLog(
            hotel_id=hotel_id, subject_type="booking.Booking", subject_id=str(booking_id),
            verb=f"booking.{action}",
            actor_kind=kind, actor_id=actor_id, actor_label=label,
            data={"reference": reference, **statuses, **(data or {})}, at=at))
        if len(rows) >= BATCH:
            ActivityLog.objects.bulk_create(rows)
            rows = []
    ActivityLog.objects.bulk_create(rows)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0002_activitylog"),
        ("booking", "0005_lapsing_hold_index"),
        ("accounts", "0001_initial"),
    ]

    operations = [migrations.RunPython(copy, migrations.RunPython.noop)]
