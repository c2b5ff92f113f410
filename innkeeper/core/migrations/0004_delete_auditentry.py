# AuditEntry's rows now live in ActivityLog (0003); nothing reads or writes the old table.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0003_copy_audit_and_booking_events"),
    ]

    operations = [
        migrations.DeleteModel(name="AuditEntry"),
    ]
