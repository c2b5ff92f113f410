from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.utils.translation import gettext as _

from innkeeper.core.errors import NotFound
from innkeeper.hotels.models import AddOn, Hotel, RateOverride


def hotel_by_slug(slug: str) -> Hotel:
    hotel = Hotel.objects.filter(slug=slug, is_active=True).first()
    if hotel is None:
        raise NotFound(_("There is no hotel at this address."))
    return hotel


def hotels_active() -> list[Hotel]:
    return list(Hotel.objects.filter(is_active=True))


def rate_overrides(*, hotel: Hotel, room_type_ids, dates: list[date]) -> dict[int, dict[date, RateOverride]]:
    """room_type_id -> date -> RateOverride, for the given dates."""
    result: dict[int, dict[date, RateOverride]] = defaultdict(dict)
    if not dates:
        return result
    rows = RateOverride.objects.filter(hotel=hotel, room_type_id__in=list(room_type_ids),
                                       date__gte=min(dates), date__lte=max(dates))
    for row in rows:
        result[row.room_type_id][row.date] = row
    return result


def add_ons_active(*, hotel: Hotel) -> list[AddOn]:
    return list(AddOn.objects.filter(hotel=hotel, is_active=True))
