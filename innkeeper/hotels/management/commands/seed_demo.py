from django.core.management.base import BaseCommand
from django.utils import timezone

from innkeeper.hotels import demo


class Command(BaseCommand):
    help = "Create or refresh the demo hotels (safe to run again)."

    def handle(self, *args, **options):
        for hotel in demo.seed(timezone.localdate()):
            self.stdout.write(f"{hotel.name}: /api/v1/hotels/{hotel.slug}/availability")
