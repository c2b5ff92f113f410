"""Public booking API (v1): availability, booking, a guest's own booking, cancellation."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scope
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from innkeeper.api.schemas import Problem
from innkeeper.booking import selectors, services, stays
from innkeeper.booking.models import Booking, Source
from innkeeper.core import throttle
from innkeeper.core.http import client_ip
from innkeeper.core.schemas import Text
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


class BookingOut(Schema):
    reference: str
    hotel: str
    status: str
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


class CancelIn(Schema):
    email: Text = Field(..., max_length=254)


def booking_out(b: Booking) -> dict:
    tz = b.hotel.tz
    return {
        "reference": b.reference, "hotel": b.hotel.slug, "status": b.status, "kind": b.kind,
        "room_type": b.room_type.slug, "room_type_name": b.room_type.name,
        "check_in": b.check_in, "check_out": b.check_out, "start": b.start.astimezone(tz),
        "end": b.end.astimezone(tz), "hours": b.hours, "guests": b.guests,
        "guest": {"name": b.guest_name, "email": b.guest_email, "phone": b.guest_phone},
        "locale": b.locale,
        "add_ons": [{"code": a.add_on.code, "name": a.add_on.name, "quantity": a.quantity, "amount": str(a.amount)}
                    for a in b.add_ons.select_related("add_on")],
        "total": str(b.total), "currency": b.currency, "quote": b.quote,
        "hold_expires_at": b.hold_expires_at.astimezone(tz) if b.hold_expires_at else None,
        "created_at": b.created_at.astimezone(tz),
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
                         "booking the first request made.")
def booking_create(request, slug: Text, payload: BookingIn):
    request_key = request.headers.get("Idempotency-Key", "")
    if "\x00" in request_key:
        raise HttpError(400, _("The Idempotency-Key header contains a NUL character (\\x00)."))
    now = timezone.now()
    with hotel_scope(slug) as hotel:
        throttle.limit("booking", client_ip(request), payload.guest.email, hotel=hotel)
        stay = stays.from_request(hotel, check_in=payload.check_in, check_out=payload.check_out,
                                  start=payload.start, hours=payload.hours, now=now)
        booking = journey.booking_create(
            hotel=hotel, room_type=payload.room_type, stay=stay, guests=payload.guests,
            guest=services.GuestDetails(payload.guest.name, payload.guest.email, payload.guest.phone or ""),
            locale=payload.locale, add_ons=payload.add_ons, source=Source.API, now=now,
            request_key=request_key)
        return Status(201, booking_out(booking))


@router.get("/bookings/{reference}", response={200: BookingOut, 404: Problem, 422: dict},
            summary="A guest's own booking")
def booking_detail(request, reference: Text, email: Text):
    throttle.limit("lookup", client_ip(request))
    booking = selectors.booking_for_guest(reference=reference, email=email)
    with scope(hotel=booking.hotel):
        return booking_out(booking)


@router.post("/bookings/{reference}/cancel", response={200: BookingOut, 400: Problem, 404: Problem, 409: Problem,
                                                       422: dict, 503: Problem},
             summary="Cancel a booking as its guest")
def booking_cancel(request, reference: Text, payload: CancelIn):
    throttle.limit("lookup", client_ip(request))
    booking = selectors.booking_for_guest(reference=reference, email=payload.email)
    with scope(hotel=booking.hotel):
        booking = journey.booking_cancel_by_guest(booking=booking)
        return booking_out(booking)
