# BookingEvent's rows now live in ActivityLog (core 0003); a booking's history is read from there.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("booking", "0005_lapsing_hold_index"),
        ("core", "0003_copy_audit_and_booking_events"),
    ]

    operations = [
        migrations.DeleteModel(name="BookingEvent"),
    ]
