# The simulated lock cloud moves to the demo-only simulators app: its tables are renamed into that app
# (rows kept) where the app is installed (demo mode), and dropped where it is not (production).

from django.db import migrations

from innkeeper.core.migration_ops import simulator_tables_leave


class Migration(migrations.Migration):

    dependencies = [
        ('locks', '0004_delete_lockaccount'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[simulator_tables_leave('locks', ('SimulatedUnlock', 'SimulatedPasscode'))],
            state_operations=[
                migrations.RemoveField(
                    model_name='simulatedunlock',
                    name='passcode',
                ),
                migrations.DeleteModel(
                    name='SimulatedPasscode',
                ),
                migrations.DeleteModel(
                    name='SimulatedUnlock',
                ),
            ],
        ),
    ]
