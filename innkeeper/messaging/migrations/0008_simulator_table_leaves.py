# What the simulators sent moves to the demo-only simulators app: its table is renamed into that app (rows
# kept) where the app is installed (demo mode), and dropped where it is not (production).

from django.db import migrations

from innkeeper.core.migration_ops import simulator_tables_leave


class Migration(migrations.Migration):

    dependencies = [
        ('messaging', '0007_delete_messagingaccount'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[simulator_tables_leave('messaging', ('SimulatedMessage',))],
            state_operations=[
                migrations.DeleteModel(
                    name='SimulatedMessage',
                ),
            ],
        ),
    ]
