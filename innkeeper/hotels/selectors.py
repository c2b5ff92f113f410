from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import F
from django.utils import translation
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from innkeeper.core import db
from innkeeper.core.errors import NotFound
from innkeeper.hotels.models import AddOn, Hotel, HotelDomain, RateOverride


def hotel_by_slug(slug: str) -> Hotel:
    """The active hotel at ``slug``. Every API request starts here: written out (core.db.select), it costs a
    quarter of the ORM query it replaces, whose per-language columns had each query rewritten."""
    found = db.select(Hotel, "t.slug = %s AND t.is_active = %s", [slug, True])
    if not found:
        raise NotFound(_("There is no hotel at this address."))
    return found[0]


def key_collection_text(hotel: Hotel, language: str | None = None) -> str:
    """Where a guest whose room has no smart lock gets the key, in ``language`` (default: the active one): the
    hotel's own text in it (else in a fallback language, hotels.translation), else our sentence."""
    with translation.override(language or translation.get_language()):
        return (hotel.key_collection_text or "").strip() or _("Collect your key at reception.")


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


def domains_to_recheck(*, now: datetime) -> list[HotelDomain]:
    """Pending domains of active hotels added in the last DOMAIN_VERIFY_RECHECK_DAYS, oldest check first
    (a cross-hotel read for the beat task). Names another hotel has verified are left out: they cannot be
    this hotel's."""
    since = now - timedelta(days=settings.DOMAIN_VERIFY_RECHECK_DAYS)
    with scopes_disabled():
        verified = HotelDomain.objects.filter(verified_at__isnull=False).values("domain")
        return list(HotelDomain.objects.select_related("hotel")
                    .filter(verified_at__isnull=True, hotel__is_active=True, created_at__gte=since)
                    .exclude(domain__in=verified).order_by(F("checked_at").asc(nulls_first=True), "pk"))


def mail_domains(*, hotel_id: int, verified: bool = True) -> list[str]:
    """The domains the hotel's e-mail may come from: its (verified) domains, a ``www.`` one standing for
    its parent."""
    with scopes_disabled():  # filtered by the hotel given; callers may be workers outside any scope
        rows = HotelDomain.objects.filter(hotel_id=hotel_id)
        if verified:
            rows = rows.filter(verified_at__isnull=False)
        names = list(rows.values_list("domain", flat=True))
    return sorted({d.lower().rstrip(".").removeprefix("www.") for d in names})


def address_on_domains(address: str, domains: list[str]) -> bool:
    """Whether the e-mail ``address`` is on one of ``domains`` or a subdomain of one."""
    at = address.rpartition("@")[2].lower().rstrip(".")
    return bool(at) and any(at == d or at.endswith("." + d) for d in domains)
