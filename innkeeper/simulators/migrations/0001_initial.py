# The simulator models, moved here from locks and messaging. Their tables were renamed into this app by
# the migrations this one depends on (rows kept); only a database that dropped them (it ran in production
# mode) gets them created here.

import django.db.models.deletion
from django.db import migrations, models

from innkeeper.core.migration_ops import simulator_tables_arrive


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('locks', '0005_simulator_tables_leave'),
        ('messaging', '0008_simulator_table_leaves'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name='SimulatedPasscode',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('lock_id', models.CharField(db_index=True, max_length=64)),
                    ('pin', models.CharField(max_length=12)),
                    ('name', models.CharField(max_length=64)),
                    ('valid_from', models.DateTimeField()),
                    ('valid_until', models.DateTimeField()),
                    ('deleted_at', models.DateTimeField(blank=True, null=True)),
                ],
            ),
            migrations.CreateModel(
                name='SimulatedMessage',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('channel', models.CharField(choices=[('EMAIL', 'E-mail'), ('WHATSAPP', 'WhatsApp')], max_length=10)),
                    ('key', models.CharField(max_length=200)),
                    ('recipient', models.CharField(max_length=254)),
                    ('sender', models.CharField(blank=True, max_length=254)),
                    ('subject', models.CharField(blank=True, max_length=255)),
                    ('body_text', models.TextField()),
                    ('body_html', models.TextField(blank=True)),
                    ('guest', models.BooleanField(default=False)),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                ],
                options={
                    'ordering': ['-created_at', '-id'],
                    'constraints': [models.UniqueConstraint(condition=models.Q(('key', ''), _negated=True), fields=('channel', 'key'), name='simulatedmessage_once')],
                },
            ),
            migrations.CreateModel(
                name='SimulatedUnlock',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('lock_id', models.CharField(db_index=True, max_length=64)),
                    ('method', models.CharField(max_length=8)),
                    ('at', models.DateTimeField(auto_now_add=True)),
                    ('passcode', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, to='simulators.simulatedpasscode')),
                ],
            ),
        ]),
        simulator_tables_arrive(('SimulatedPasscode', 'SimulatedMessage', 'SimulatedUnlock')),
    ]
