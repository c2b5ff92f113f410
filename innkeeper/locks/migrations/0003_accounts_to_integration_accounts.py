"""Every hotel's LockAccount becomes an IntegrationAccount of kind "lock", its secrets re-encrypted inside
the account's config. The old table stays, unused."""

from django.db import migrations

TTLOCK = ("client_id", "client_secret", "username", "password", "base_url")


def forwards(apps, schema_editor):
    old = apps.get_model("locks", "LockAccount")
    new = apps.get_model("core", "IntegrationAccount")
    for account in old.objects.all():
        config = {name: getattr(account, name) or "" for name in TTLOCK} if account.provider == "ttlock" else {}
        new.objects.update_or_create(hotel_id=account.hotel_id, kind="lock", defaults={
            "provider": account.provider, "config": config,
            "status": "active" if account.is_active else "disabled"})


def backwards(apps, schema_editor):
    apps.get_model("core", "IntegrationAccount").objects.filter(kind="lock").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("locks", "0002_unlock_attempt_indexes"),
        ("core", "0005_integration_account"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
