from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from innkeeper.accounts import demo as accounts_demo
from innkeeper.demo import bookings as demo_bookings
from innkeeper.hotels import demo
from innkeeper.locks import binding as lock_binding
from innkeeper.locks import services as lock_services
from innkeeper.locks.providers import LockError

# Guests of these demo hotels also get a TTLock app key beside their PIN (on the simulated lock cloud).
APP_KEYS = {"demo": True, "tbilisi": False}


class Command(BaseCommand):
    help = ("Create or refresh the demo hotels and their owners' sign-ins, and play their demo bookings (the past "
            "30 days, the next 30 booked); safe to run again.")

    def add_arguments(self, parser):
        parser.add_argument("--without-bookings", action="store_true",
                            help="Only the hotels, their rooms, rates, locks and owners: no demo bookings (seconds "
                                 "instead of most of a minute).")

    def handle(self, *args, **options):
        hotels = demo.seed(timezone.localdate())
        unlisted = []
        for hotel in hotels:
            self.stdout.write(f"{hotel.name}: /api/v1/hotels/{hotel.slug}/availability")
            if lock_services.demo_lock_account_set(hotel=hotel, app_keys=APP_KEYS.get(hotel.slug, False)):
                self.stdout.write(f"{hotel.name}: TTLock app keys {'on' if APP_KEYS.get(hotel.slug) else 'off'}")
            # The rooms' locks come from the hotel's lock account: the simulator's, or the real TTLock
            # account's lock list, each lock to one room only.
            try:
                locked, rooms = lock_binding.demo_locks_bind(hotel=hotel)
            except LockError as error:
                unlisted.append(f"{hotel.name}: {error.message}")
            else:
                self.stdout.write(f"{hotel.name}: {locked} of {rooms} rooms have a lock")
        for owner in accounts_demo.seed(hotels):
            self.stdout.write(f"staff panel /panel/: {owner.email} / {accounts_demo.PASSWORD}")
        if not options["without_bookings"]:
            self.stdout.write(demo_bookings.seed(hotels))  # the past 30 days played, the next 30 booked
        if unlisted:
            raise CommandError("The lock cloud could not list the locks, so these rooms have no lock yet "
                               f"(run seed_demo again once it answers): {'; '.join(unlisted)}")
