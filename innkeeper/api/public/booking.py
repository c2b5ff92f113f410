"""Public booking API (v1): availability, booking, a guest's own booking, cancellation."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scope
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from innkeeper.api.schemas import Problem
from innkeeper.booking import selectors, services, stays
from innkeeper.booking.cancellation import cancellation_terms
from innkeeper.booking.models import Booking, Source
from innkeeper.booking.states import EXPIRING
from innkeeper.core import throttle
from innkeeper.core.http import client_ip
from innkeeper.core.schemas import Text
from innkeeper.hotels.links import pay_link
from innkeeper.hotels.selectors import hotel_by_slug
from innkeeper.journey import services as journey

router = Router(tags=["booking"])



class QuoteLineOut(Schema):
    kind: str
    label: str
    quantity: int
    unit_price: str
    amount: str
    date: dt.date | None = None
    code: str | None = None


class QuoteOut(Schema):
    currency: str
    lines: list[QuoteLineOut]
    subtotal: str
    tax: str
    total: str
    tax_rate: str
    tax_included: bool


class RoomTypeAvailability(Schema):
    slug: str
    name: str
    max_occupancy: int
    available: int
    quote: QuoteOut | None
    reason: str | None = Field(None, description="Why nothing can be booked: a rule code or no_availability.")
    message: str | None = None


class AvailabilityOut(Schema):
    hotel: str
    kind: str
    start: dt.datetime
    end: dt.datetime
    guests: int
    room_types: list[RoomTypeAvailability]


class AvailabilityQuery(Schema):
    check_in: dt.date | None = None
    check_out: dt.date | None = None
    start: dt.datetime | None = Field(None, description="Hourly stays: ISO datetime; without an offset it is "
                                                      "read as the hotel's local time.")
    hours: int | None = Field(None, ge=1, le=24)
    guests: int = Field(1, ge=1, le=50)


class GuestIn(Schema):
    name: Text = Field(..., max_length=200)
    email: Text = Field(..., max_length=254)
    phone: Text | None = Field(None, max_length=32)


class BookingIn(Schema):
    room_type: Text = Field(..., max_length=60)
    check_in: dt.date | None = None
    check_out: dt.date | None = None
    start: dt.datetime | None = None
    hours: int | None = Field(None, ge=1, le=24)
    guests: int = Field(..., ge=1, le=50)
    guest: GuestIn
    locale: Text | None = Field(None, max_length=8)
    add_ons: list[Text] = Field(default_factory=list, max_length=20)


class GuestOut(Schema):
    name: str
    email: str
    phone: str


class BookingAddOnOut(Schema):
    code: str
    name: str
    quantity: int
    amount: str


class PaymentOut(Schema):
    url: str = Field(..., description="The hotel's page where the guest pays for this booking (absolute URL).")
    expires_at: dt.datetime = Field(..., description="When the unpaid booking lapses and its room is released, "
                                                     "in the hotel's time zone.")


class CancellationOut(Schema):
    free_until: dt.datetime = Field(..., description="The end of free cancellation, in the hotel's time zone.")
    fee_percent: int = Field(..., description="The fee after that, as a percentage of the total.")
    can_cancel: bool = Field(..., description="Whether the guest can cancel now (until the stay starts).")
    fee_now: str = Field(..., description="What cancelling now costs, in the booking's currency (0.00: free).")
    fee_charged: str | None = Field(None, description="The fee of the guest's cancellation, once cancelled.")


STATUS_HELP = ("CONFIRMED, PENDING_PAYMENT (the hotel takes prepayment: pay at `payment.url` before "
               "`payment.expires_at`), CHECKIN_COMPLETED, CHECKED_IN, CHECKED_OUT, CANCELLED, NO_SHOW, or EXPIRED "
               "(not paid in time).")


class BookingOut(Schema):
    reference: str
    hotel: str
    status: str = Field(..., description=STATUS_HELP)
    kind: str
    room_type: str
    room_type_name: str
    check_in: dt.date
    check_out: dt.date | None
    start: dt.datetime
    end: dt.datetime
    hours: int | None
    guests: int
    guest: GuestOut
    locale: str
    add_ons: list[BookingAddOnOut]
    total: str
    currency: str
    quote: QuoteOut
    hold_expires_at: dt.datetime | None
    created_at: dt.datetime
    payment: PaymentOut | None = Field(..., description="Where and until when to pay, while the booking waits "
                                                        "for payment; null when the guest pays at the hotel.")
    cancellation: CancellationOut


class CancelIn(Schema):
    email: Text = Field(..., max_length=254)
    accept_fee: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2, description=(
        "The cancellation fee the guest agrees to pay (see `cancellation.fee_now`). A cancellation that costs "
        "more answers 409 `cancellation_fee` and changes nothing."))


def booking_out(b: Booking, now: dt.datetime | None = None) -> dict:
    tz = b.hotel.tz
    terms = cancellation_terms(b, now or timezone.now())
    return {
        "reference": b.reference, "hotel": b.hotel.slug, "status": b.status, "kind": b.kind,
        "room_type": b.room_type.slug, "room_type_name": b.room_type.name,
        "check_in": b.check_in, "check_out": b.check_out, "start": b.start.astimezone(tz),
        "end": b.end.astimezone(tz), "hours": b.hours, "guests": b.guests,
        "guest": {"name": b.guest_name, "email": b.guest_email, "phone": b.guest_phone},
        "locale": b.locale,
        "add_ons": [{"code": a.add_on.code, "name": a.add_on.name, "quantity": a.quantity, "amount": str(a.amount)}
                    for a in selectors.add_on_lines(b)],
        "total": str(b.total), "currency": b.currency, "quote": b.quote,
        "hold_expires_at": b.hold_expires_at.astimezone(tz) if b.hold_expires_at else None,
        "created_at": b.created_at.astimezone(tz),
        "payment": {"url": pay_link(b), "expires_at": b.hold_expires_at.astimezone(tz)}
        if b.status in EXPIRING and b.hold_expires_at else None,
        "cancellation": {"free_until": terms.deadline, "fee_percent": terms.percent, "can_cancel": terms.can_cancel,
                         "fee_now": str(terms.fee),
                         "fee_charged": None if b.cancellation_fee is None else str(b.cancellation_fee)},
    }


@contextmanager
def hotel_scope(slug: str):
    hotel = hotel_by_slug(slug)
    with scope(hotel=hotel):
        yield hotel


@router.get("/hotels/{slug}/availability", response={200: AvailabilityOut, 404: Problem, 422: dict},
            summary="Free rooms and prices for a nightly or hourly stay")
def availability(request, slug: Text, q: Query[AvailabilityQuery]):
    now = timezone.now()
    with hotel_scope(slug) as hotel:
        stay = stays.from_request(hotel, check_in=q.check_in, check_out=q.check_out, start=q.start,
                                  hours=q.hours, now=now)
        offers = selectors.availability(hotel=hotel, stay=stay, guests=q.guests, now=now)
        return {
            "hotel": hotel.slug, "kind": stay.kind, "start": stay.start.astimezone(hotel.tz),
            "end": stay.end.astimezone(hotel.tz), "guests": q.guests,
            "room_types": [{
                "slug": o.room_type.slug, "name": o.room_type.name, "max_occupancy": o.room_type.max_occupancy,
                "available": o.available, "quote": o.quote.as_dict() if o.quote else None,
                "reason": o.reason, "message": o.message,
            } for o in offers],
        }


@router.post("/hotels/{slug}/bookings", response={201: BookingOut, 400: Problem, 404: Problem, 409: Problem,
                                                  422: dict, 503: Problem},
             summary="Book a room",
             description="Send an `Idempotency-Key` header to make retries safe: the same key returns the "
                         "booking the first request made. The hotel's payment rule decides the status: "
                         "CONFIRMED with `payment` null (the guest pays at the hotel), or PENDING_PAYMENT with "
                         "`payment.url`, the hotel's page where the guest pays before `payment.expires_at`.")
def booking_create(request, slug: Text, payload: BookingIn):
    request_key = request.headers.get("Idempotency-Key", "")
    if "\x00" in request_key:
        raise HttpError(400, _("The Idempotency-Key header contains a NUL character (\\x00)."))
    now = timezone.now()
    with hotel_scope(slug) as hotel:
        throttle.limit("booking", client_ip(request), payload.guest.email, hotel=hotel)
        stay = stays.from_request(hotel, check_in=payload.check_in, check_out=payload.check_out,
                                  start=payload.start, hours=payload.hours, now=now)
        booking = journey.guest_booking_create(
            hotel=hotel, room_type=payload.room_type, stay=stay, guests=payload.guests,
            guest=services.GuestDetails(payload.guest.name, payload.guest.email, payload.guest.phone or ""),
            locale=payload.locale, add_ons=payload.add_ons, source=Source.API, now=now,
            request_key=request_key)
        return Status(201, booking_out(booking, now))


@router.get("/bookings/{reference}", response={200: BookingOut, 404: Problem, 422: dict},
            summary="A guest's own booking")
def booking_detail(request, reference: Text, email: Text):
    throttle.limit("lookup", client_ip(request))
    booking = selectors.booking_for_guest(reference=reference, email=email)
    with scope(hotel=booking.hotel):
        return booking_out(booking)


@router.post("/bookings/{reference}/cancel", response={200: BookingOut, 400: Problem, 404: Problem, 409: Problem,
                                                       422: dict, 503: Problem},
             summary="Cancel a booking as its guest",
             description="By the hotel's cancellation policy (`cancellation` in the booking): free until "
                         "`free_until`, then for `fee_now`, which the request must accept in `accept_fee`; "
                         "409 `not_cancellable` once the stay has started.")
def booking_cancel(request, reference: Text, payload: CancelIn):
    throttle.limit("lookup", client_ip(request))
    booking = selectors.booking_for_guest(reference=reference, email=payload.email)
    with scope(hotel=booking.hotel):
        booking = journey.booking_cancel_by_guest(booking=booking, accept_fee=payload.accept_fee)
        return booking_out(booking)
