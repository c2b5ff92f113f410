"""Print the address of a room type's availability calendar, for the channels that import one."""

from django.core.management.base import BaseCommand, CommandError
from django_scopes import scope, scopes_disabled

from innkeeper.hotels.models import Hotel, RoomType
from innkeeper.pms import ical_export


class Command(BaseCommand):
    help = ("Print the availability calendar address (.ics) of a hotel's room type, to paste into Airbnb, "
            "Booking.com or Vrbo; --new makes a new address and ends the old one.")

    def add_arguments(self, parser):
        parser.add_argument("hotel", help="the hotel's slug")
        parser.add_argument("room_type", help="the room type's slug")
        parser.add_argument("--new", action="store_true", help="a new address: the old one stops working")

    def handle(self, *args, hotel, room_type, new, **options):
        with scopes_disabled():
            found = Hotel.objects.filter(slug=hotel).first()
            if found is None:
                raise CommandError(f"No hotel has the slug {hotel!r}.")
        with scope(hotel=found):
            kind = RoomType.objects.filter(hotel=found, slug=room_type).first()
            if kind is None:
                raise CommandError(f"{found.name} has no room type with the slug {room_type!r}.")
            self.stdout.write(ical_export.calendar_url(hotel=found, room_type=kind, rotate=new))
