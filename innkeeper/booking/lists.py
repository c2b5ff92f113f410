"""Reads for the staff panel's lists: reservations by tab (with every tab's count in one query) and guests
(a hotel's bookings grouped by the guest's e-mail address)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from innkeeper.booking.models import Booking
from innkeeper.booking.states import Status
from innkeeper.hotels.models import Hotel


@dataclass(frozen=True)
class Tab:
    code: str
    label: str


TABS = (Tab("all", _("All")), Tab("arriving", _("Arriving")), Tab("in_house", _("In house")),
        Tab("checked_out", _("Checked out")), Tab("cancelled", _("Cancelled")))
TAB_CODES = frozenset(tab.code for tab in TABS)
# Not yet in the house: the statuses a guest arrives from.
ARRIVING = (Status.CONFIRMED, Status.CHECKIN_COMPLETED)


def tab_filter(code: str, *, today: date) -> Q:
    """The bookings a tab shows; ``today`` is the hotel's date (arriving means today or tomorrow)."""
    return {
        "all": Q(),
        "arriving": Q(status__in=ARRIVING, check_in__gte=today, check_in__lte=today + timedelta(days=1)),
        "in_house": Q(status=Status.CHECKED_IN),
        "checked_out": Q(status=Status.CHECKED_OUT),
        "cancelled": Q(status=Status.CANCELLED),
    }[code]


def tab_counts(rows: QuerySet, *, today: date) -> dict[str, int]:
    """How many of ``rows`` each tab holds: one query, whatever the number of tabs."""
    return rows.order_by().aggregate(**{tab.code: Count("pk", filter=tab_filter(tab.code, today=today))
                                        for tab in TABS})


@dataclass(frozen=True)
class Guest:
    """One guest of a hotel: the bookings made with one e-mail address (compared without case)."""

    email: str
    name: str
    phone: str
    stays: int
    first_arrival: date
    last_arrival: date
    spent: object
    latest_reference: str


def guests_find(*, hotel: Hotel, text: str = "") -> QuerySet:
    """The hotel's guests, the latest arrival first: rows of (email, stays, first and last arrival, latest
    booking id) grouped by e-mail address; ``text`` matches a name, an e-mail address or a phone number of
    any of the guest's bookings."""
    rows = Booking.objects.filter(hotel=hotel).exclude(status__in=(Status.HOLD, Status.EXPIRED))
    text = " ".join((text or "").split())
    if text:
        matching = rows.filter(Q(guest_name__icontains=text) | Q(guest_email__icontains=text) |
                               Q(guest_phone__icontains=text)).annotate(key=Lower("guest_email")).values("key")
        rows = rows.annotate(key=Lower("guest_email")).filter(key__in=matching)
    return (rows.annotate(key=Lower("guest_email")).values("key")
            .annotate(stays=Count("pk"), first_arrival=Min("check_in"), last_arrival=Max("check_in"),
                      last_id=Max("pk"), spent=Sum("total", filter=~Q(status=Status.CANCELLED)))
            .order_by("-last_arrival", "key"))


def guests_of_page(*, hotel: Hotel, rows) -> list[Guest]:
    """The page's grouped rows as guests, with the name and phone of each one's latest booking (one query)."""
    latest = {b.pk: b for b in Booking.objects.filter(hotel=hotel, pk__in=[r["last_id"] for r in rows])
              .only("pk", "reference", "guest_name", "guest_email", "guest_phone")}
    found = []
    for row in rows:
        booking = latest[row["last_id"]]
        found.append(Guest(email=row["key"], name=booking.guest_name, phone=booking.guest_phone,
                           stays=row["stays"], first_arrival=row["first_arrival"], last_arrival=row["last_arrival"],
                           spent=row["spent"], latest_reference=booking.reference))
    return found


def guest_bookings(*, hotel: Hotel, booking: Booking) -> QuerySet:
    """Every booking of the guest who made ``booking``: the same e-mail address (any case), or the same phone
    number when one was given; the latest arrival first."""
    same = Q(guest_email__iexact=booking.guest_email)
    if booking.guest_phone.strip():
        same |= Q(guest_phone=booking.guest_phone)
    return (Booking.objects.filter(same, hotel=hotel).exclude(status__in=(Status.HOLD, Status.EXPIRED))
            .select_related("room", "room_type").order_by("-check_in", "-id"))
