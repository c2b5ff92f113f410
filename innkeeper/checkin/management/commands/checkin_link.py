"""Print a booking's online check-in link (what the confirmation and the reminder carry)."""

from django.core.management.base import BaseCommand, CommandError
from django_scopes import scopes_disabled

from innkeeper.booking.models import Booking
from innkeeper.hotels.links import checkin_link


class Command(BaseCommand):
    help = "Print the online check-in link of the booking with this reference."

    def add_arguments(self, parser):
        parser.add_argument("reference")

    def handle(self, *args, reference, **options):
        with scopes_disabled():
            booking = Booking.objects.select_related("hotel").filter(reference=reference.strip().upper()).first()
            if booking is None:
                raise CommandError(f"No booking has the reference {reference!r}.")
            self.stdout.write(checkin_link(booking))
