"""Run one sync of a hotel's PMS now and print what it did."""

from django.core.management.base import BaseCommand, CommandError
from django_scopes import scopes_disabled

from innkeeper.core import integrations
from innkeeper.hotels.models import Hotel
from innkeeper.journey import pms


def hotel_named(slug: str) -> Hotel:
    with scopes_disabled():
        hotel = Hotel.objects.filter(slug=slug).first()
    if hotel is None:
        raise CommandError(f"There is no hotel {slug!r}.")
    return hotel


def report(state) -> str:
    if state is None:
        return "A sync of this account is under way already; nothing done."
    counts = ", ".join(f"{name} {n}" for name, n in sorted(state.last_counts.items())) or "nothing read"
    return counts + (f"\nError: {state.last_error}" if state.last_error else "")


class Command(BaseCommand):
    help = "Sync a hotel's PMS now (what changed since the last sync) and print the counts."

    def add_arguments(self, parser):
        parser.add_argument("hotel", help="the hotel's slug")

    def handle(self, *args, **options):
        hotel = hotel_named(options["hotel"])
        account = integrations.account_for(hotel.pk, "pms")
        if account is None:
            raise CommandError(f"{hotel.slug} has no active PMS account: connect one with pms_connect.")
        state = pms.pms_sync(account=account)
        self.stdout.write(report(state))
        if state is not None and state.last_error:
            raise CommandError("The sync did not finish.")
