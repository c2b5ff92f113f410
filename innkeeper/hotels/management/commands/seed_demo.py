from django.core.management.base import BaseCommand
from django.utils import timezone

from innkeeper.accounts import demo as accounts_demo
from innkeeper.hotels import demo


class Command(BaseCommand):
    help = "Create or refresh the demo hotels and their owners' sign-ins (safe to run again)."

    def handle(self, *args, **options):
        hotels = demo.seed(timezone.localdate())
        for hotel in hotels:
            self.stdout.write(f"{hotel.name}: /api/v1/hotels/{hotel.slug}/availability")
        for owner in accounts_demo.seed(hotels):
            self.stdout.write(f"staff panel /panel/: {owner.email} / {accounts_demo.PASSWORD}")
