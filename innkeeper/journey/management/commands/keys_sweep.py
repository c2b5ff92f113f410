"""Run the key work that Celery beat runs, once: due key operations, then the automatic check-out.

For installs without a worker (LOCKS_DISPATCH=inline): run it from cron every minute or so, so that
retries and revocations of ended stays happen.
"""

from django.core.management.base import BaseCommand

from innkeeper.journey import services as journey
from innkeeper.locks import services


class Command(BaseCommand):
    help = "Process due key operations (retries included) and check out stays that have ended."

    def handle(self, *args, **options):
        checked_out = journey.stays_check_out()
        processed = services.keys_sweep()
        self.stdout.write(f"{checked_out} stays checked out, {processed} key operations processed.")
