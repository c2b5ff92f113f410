"""Re-encrypt every encrypted column with the newest key in FIELD_ENCRYPTION_KEYS.

Rotation: put a new key first in FIELD_ENCRYPTION_KEYS (keep the old ones after it), run this command,
then drop the old keys.
"""

from django.core.management.base import BaseCommand
from django.db import transaction
from django_scopes import scopes_disabled

from innkeeper.core.crypto import encrypted_fields


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field with the first key in FIELD_ENCRYPTION_KEYS."

    def handle(self, *args, **options):
        total = 0
        with scopes_disabled():
            for model, names in encrypted_fields():
                count = 0
                for pk in model._default_manager.values_list("pk", flat=True).order_by("pk"):
                    with transaction.atomic():
                        obj = model._default_manager.select_for_update().get(pk=pk)
                        obj.save(update_fields=names)  # read decrypts with any key, save encrypts with the first
                    count += 1
                self.stdout.write(f"{model._meta.label}: {count} rows re-encrypted")
                total += count
        self.stdout.write(self.style.SUCCESS(f"{total} rows re-encrypted with the newest key."))
