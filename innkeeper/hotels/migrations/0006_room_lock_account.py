"""A room's lock is bound together with the lock-cloud account it belongs to, once per account.

Until now a lock id was free text, so two hotels on the same account (the install's TTLOCK_* account
is shared by every hotel without its own) could bind the same lock. This migration:

1. adds ``Room.lock_account_key``;
2. fills it for every room that has a lock id, with the account the lock is used through today: the
   hotel's own active lock account if it has one, else the install's (LOCK_PROVIDER / TTLOCK_*), in the
   form ``innkeeper.locks`` uses (``ttlock:<client id>:<user name>``, or ``simulator``);
3. where two rooms (of two hotels, or of one) hold the same lock id on the same account, keeps both
   rows and the lock on the room that had it first (lowest id) and clears the lock of every later
   one (a warning names each room), so the owner who really has that lock binds it again in the panel
   while nobody else can open that door;
4. adds the unique constraint over (account, lock id), and a check that a lock never lacks its account.

Going back drops the column and the constraints; the cleared lock ids stay cleared.
"""

import logging

from django.conf import settings
from django.db import migrations, models

log = logging.getLogger("innkeeper.migrations")


def _key(provider, client_id, username):
    return f"ttlock:{client_id}:{username}" if provider == "ttlock" else "simulator"


def bind_existing_locks(apps, schema_editor):
    Room = apps.get_model("hotels", "Room")
    LockAccount = apps.get_model("locks", "LockAccount")
    ttlock = settings.TTLOCK or {}
    install = _key(settings.LOCK_PROVIDER, ttlock.get("client_id", ""), ttlock.get("username", ""))
    own = {account.hotel_id: _key(account.provider, account.client_id, account.username)
           for account in LockAccount.objects.filter(is_active=True)}
    taken = {}
    for room in Room.objects.exclude(lock_id="").order_by("pk"):
        key = own.get(room.hotel_id, install)
        first = taken.setdefault((key, room.lock_id), room)
        if first is room:
            Room.objects.filter(pk=room.pk).update(lock_account_key=key)
        else:
            log.warning("room %s (hotel %s) lost lock %s: room %s (hotel %s) has it on the same account",
                        room.pk, room.hotel_id, room.lock_id, first.pk, first.hotel_id)
            Room.objects.filter(pk=room.pk).update(lock_id="", lock_account_key="")


class Migration(migrations.Migration):

    dependencies = [
        ('hotels', '0005_domain_verification'),
        ('locks', '0002_unlock_attempt_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='room',
            name='lock_account_key',
            field=models.CharField(blank=True, help_text='The lock-cloud account the lock belongs to.',
                                   max_length=300),
        ),
        migrations.RunPython(bind_existing_locks, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='room',
            constraint=models.UniqueConstraint(
                condition=models.Q(('lock_id', ''), _negated=True), fields=('lock_account_key', 'lock_id'),
                name='room_lock_once_per_account',
                violation_error_message='This lock is already the lock of another room.'),
        ),
        migrations.AddConstraint(
            model_name='room',
            constraint=models.CheckConstraint(
                condition=models.Q(('lock_id', ''), models.Q(('lock_account_key', ''), _negated=True),
                                   _connector='OR'),
                name='room_lock_has_account'),
        ),
    ]
