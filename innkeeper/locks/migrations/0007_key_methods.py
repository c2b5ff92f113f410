# A booking's app key (TTLock eKey) beside its PIN: keys get a method (every key so far is a PIN), one live key
# and one row per generation per method, and app keys move to new times (MOVING).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('booking', '0007_cancellation_fee'),
        ('hotels', '0009_payment_rule_and_cancellation_policy'),
        ('locks', '0006_locklist'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='lockkey',
            name='lockkey_one_live_per_booking',
        ),
        migrations.RemoveConstraint(
            model_name='lockkey',
            name='lockkey_generation_once',
        ),
        migrations.AddField(
            model_name='lockkey',
            name='method',
            field=models.CharField(choices=[('PIN', 'PIN'), ('APP', 'TTLock app key')], default='PIN', max_length=3),
        ),
        migrations.AddField(
            model_name='lockkey',
            name='receiver',
            field=models.CharField(blank=True, max_length=254),
        ),
        migrations.AddField(
            model_name='lockkey',
            name='remote_unlock',
            field=models.BooleanField(default=False),
        ),
        migrations.AlterField(
            model_name='lockkey',
            name='status',
            field=models.CharField(choices=[('PENDING', 'Being created on the lock'), ('ACTIVE', 'Active'), ('FAILED', 'Could not be created'), ('REVOKING', 'Being removed from the lock'), ('REVOKED', 'Removed'), ('REVOKE_FAILED', 'Could not be removed'), ('MOVING', 'Being moved to the new times on the lock')], default='PENDING', max_length=14),
        ),
        migrations.AddConstraint(
            model_name='lockkey',
            constraint=models.UniqueConstraint(condition=models.Q(('status__in', ('PENDING', 'ACTIVE', 'FAILED', 'MOVING'))), fields=('booking', 'method'), name='lockkey_one_live_per_method'),
        ),
        migrations.AddConstraint(
            model_name='lockkey',
            constraint=models.UniqueConstraint(fields=('booking', 'method', 'generation'), name='lockkey_generation_once'),
        ),
    ]
