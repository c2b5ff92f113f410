"""The staff API (v1, under /api/v1/staff): the panel's operations for scripts and apps.

Signed in with the panel's session (and its CSRF token for writes). Every call runs inside the caller's
hotel: another hotel's booking is 404; an action above the caller's role is 403.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from decimal import Decimal

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scope
from ninja import Field, Query, Router, Schema
from ninja.security import django_auth

from innkeeper.accounts.actors import actor
from innkeeper.accounts.errors import NotAllowed
from innkeeper.accounts.models import Membership, Role
from innkeeper.api.public.booking import BookingOut, booking_out
from innkeeper.api.schemas import Problem
from innkeeper.booking import selectors
from innkeeper.booking.models import Booking
from innkeeper.booking.states import Status
from innkeeper.core.errors import InvalidInput, PermissionDenied
from innkeeper.core.schemas import Text
from innkeeper.hotels import services as hotel_services
from innkeeper.hotels.models import Room, RoomType
from innkeeper.journey import services as journey
from innkeeper.locks import services as locks
from innkeeper.locks.models import LockKey
from innkeeper.messaging import selectors as messaging_selectors
from innkeeper.messaging import services as messaging
from innkeeper.messaging.models import Message
from innkeeper.payments.models import Payment

router = Router(tags=["staff"], auth=django_auth)
ERRORS = {401: dict, 403: Problem, 404: Problem, 409: Problem, 422: dict, 503: Problem}
# Lists answer one page (offset, limit) as before, and how many match in all in this header, so that callers
# that only send limit see the same body.
TOTAL_HEADER = "X-Total-Count"


@contextmanager
def member(request, *, owner: bool = False):
    membership = Membership.objects.select_related("hotel").filter(user=request.user).first()
    if membership is None:
        raise PermissionDenied(_("Your account does not belong to a hotel yet. Ask a hotel's owner for an "
                                 "invitation."), code="no_hotel")
    if owner and membership.role != Role.OWNER:
        raise NotAllowed()
    # As in the panel: the hotel's clock for what the services read as "now" and "today", and for the
    # times in the answers.
    with scope(hotel=membership.hotel), timezone.override(membership.hotel.tz):
        yield membership.hotel


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    """A stored (UTC) time as the hotel's clock shows it; called inside ``member``."""
    return timezone.localtime(moment) if moment else None


class BookingSearch(Schema):
    q: Text = Field("", max_length=200)
    status: Text = Field("", max_length=20)
    source: Text = Field("", max_length=12)
    arriving_from: dt.date | None = None
    arriving_to: dt.date | None = None
    offset: int = Field(0, ge=0, description="How many matches to skip; the X-Total-Count header says how many "
                                             "there are")
    limit: int = Field(50, ge=1, le=200)


class StaffBookingOut(BookingOut):
    room: str
    source: str


def staff_booking_out(b: Booking) -> dict:
    return {**booking_out(b), "room": b.room.number, "source": b.source}


class PaymentOut(Schema):
    provider: str
    amount: str
    currency: str
    status: str
    provider_reference: str
    failure_code: str
    failure_message: str = Field(..., description="The provider's reason for a FAILED payment.")
    created_at: dt.datetime


class StaffBookingDetailOut(StaffBookingOut):
    payments: list[PaymentOut]


def payment_out(p: Payment) -> dict:
    return {"provider": p.provider, "amount": str(p.amount), "currency": p.currency, "status": p.status,
            "provider_reference": p.provider_reference, "failure_code": p.failure_code,
            "failure_message": p.failure_message, "created_at": _local(p.created_at)}


class StatusIn(Schema):
    status: Text = Field(..., max_length=20)
    reason: Text = Field("", max_length=255)


class MoveIn(Schema):
    room: Text = Field(..., max_length=20, description="The room number")


class RoomOut(Schema):
    number: str
    room_type: str
    floor: int | None
    status: str
    lock_id: str


class RatesIn(Schema):
    room_type: Text = Field(..., max_length=60)
    date_from: dt.date
    date_to: dt.date
    price_nightly: Decimal | None = Field(None, ge=0, max_digits=10, decimal_places=2)
    price_hourly: Decimal | None = Field(None, ge=0, max_digits=10, decimal_places=2)
    min_stay: int | None = Field(None, ge=1, le=60)
    closed: bool | None = None


class RatesOut(Schema):
    dates: int


@router.get("/staff/bookings", response={200: list[StaffBookingOut], **ERRORS}, summary="Find bookings")
def bookings(request, response: HttpResponse, q: Query[BookingSearch]):
    with member(request) as hotel:
        found = selectors.bookings_find(hotel=hotel, text=q.q, status=q.status, source=q.source,
                                        arriving_from=q.arriving_from, arriving_to=q.arriving_to)
        response[TOTAL_HEADER] = found.count()
        return [staff_booking_out(b) for b in found.select_related("hotel")[q.offset:q.offset + q.limit]]


def _booking(hotel, reference: str) -> Booking:
    return get_object_or_404(Booking.objects.select_related("hotel", "room", "room_type"), hotel=hotel,
                             reference=reference.upper()[:6])


@router.get("/staff/bookings/{reference}", response={200: StaffBookingDetailOut, **ERRORS},
            summary="One booking, with its payments")
def booking(request, reference: Text):
    with member(request) as hotel:
        b = _booking(hotel, reference)
        return {**staff_booking_out(b),
                "payments": [payment_out(p) for p in Payment.objects.filter(hotel=hotel, booking=b)]}


@router.post("/staff/bookings/{reference}/status", response={200: StaffBookingOut, **ERRORS},
             summary="Change a booking's status (through the status machine)")
def booking_status(request, reference: Text, payload: StatusIn):
    target = payload.status.upper()
    if target not in Status.values:
        raise InvalidInput(_("Unknown status. Use one of: %(names)s.") % {"names": ", ".join(Status.values)},
                           field="status", code="invalid")
    with member(request) as hotel:
        b = journey.booking_transition(booking=_booking(hotel, reference), to=target, actor=actor(request),
                                        reason=payload.reason)
        return staff_booking_out(_booking(hotel, b.reference))


@router.post("/staff/bookings/{reference}/move", response={200: StaffBookingOut, **ERRORS},
             summary="Move a booking to another free room")
def booking_move(request, reference: Text, payload: MoveIn):
    with member(request) as hotel:
        b = _booking(hotel, reference)
        room = get_object_or_404(Room, hotel=hotel, number=payload.room)
        journey.booking_move(booking=b, room=room, actor=actor(request))
        return staff_booking_out(_booking(hotel, reference))


class KeyOut(Schema):
    id: int
    room: str
    method: str = Field(description="PIN, or APP: a TTLock app key sent to `receiver` (the guest's e-mail or phone)")
    receiver: str
    generation: int
    status: str
    kind: str
    valid_from: dt.datetime
    valid_until: dt.datetime
    attempts: int
    last_error: str
    note: str


def key_out(k: LockKey) -> dict:
    return {"id": k.pk, "room": k.room.number, "method": k.method, "receiver": k.receiver, "generation": k.generation,
            "status": k.status, "kind": k.kind,
            "valid_from": _local(k.valid_from), "valid_until": _local(k.valid_until), "attempts": k.attempts,
            "last_error": k.last_error, "note": k.note}


def _keys(booking: Booking) -> list[dict]:
    return [key_out(k) for k in LockKey.objects.filter(booking=booking).select_related("room")]


@router.post("/staff/bookings/{reference}/keys/issue", response={200: list[KeyOut], **ERRORS},
             summary="Put a key on the room's lock now (a checked-in booking; 409 otherwise)",
             description="Answers the booking's keys, the new one last (`PENDING` until the lock has it).")
def keys_issue(request, reference: Text):
    with member(request) as hotel:
        b = _booking(hotel, reference)
        locks.keys_issue_by_staff(booking=b, actor=actor(request))
        return _keys(b)


@router.post("/staff/bookings/{reference}/keys/revoke", response={200: list[KeyOut], **ERRORS},
             summary="Take every key of the booking off its lock (409 `no_key` when none is on one)")
def keys_revoke(request, reference: Text):
    with member(request) as hotel:
        b = _booking(hotel, reference)
        locks.keys_revoke_by_staff(booking=b, actor=actor(request))
        return _keys(b)


@router.post("/staff/bookings/{reference}/keys/{key_id}/retry", response={200: KeyOut, **ERRORS},
             summary="Try a FAILED key or a REVOKE_FAILED removal again (409 for any other status)")
def key_retry(request, reference: Text, key_id: int):
    with member(request) as hotel:
        key = get_object_or_404(LockKey, hotel=hotel, booking=_booking(hotel, reference), pk=key_id)
        locks.key_retry(key=key, actor=actor(request))
        return key_out(LockKey.objects.select_related("room").get(pk=key.pk))


@router.get("/staff/rooms", response={200: list[RoomOut], **ERRORS}, summary="Rooms and their locks")
def rooms(request):
    with member(request) as hotel:
        return [{"number": r.number, "room_type": r.room_type.slug, "floor": r.floor, "status": r.status,
                 "lock_id": r.lock_id} for r in Room.objects.filter(hotel=hotel).select_related("room_type")]


@router.post("/staff/rates", response={200: RatesOut, **ERRORS}, summary="Set prices or close dates (owner)")
def rates(request, payload: RatesIn):
    with member(request, owner=True) as hotel:
        room_type = get_object_or_404(RoomType, hotel=hotel, slug=payload.room_type)
        changes = {k: v for k, v in payload.dict().items()
                   if k in ("price_nightly", "price_hourly", "min_stay", "closed") and v is not None}
        days = hotel_services.rates_set(hotel=hotel, room_type=room_type, date_from=payload.date_from,
                                        date_to=payload.date_to, actor=request.user, **changes)
        return {"dates": days}


# Messages ------------------------------------------------------------------------------------------

class MessageOut(Schema):
    id: int
    booking: str | None
    channel: str
    type: str
    recipient: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime | None
    last_error: str
    provider_message_id: str
    created_at: dt.datetime


class MessageSearch(Schema):
    status: Text = Field("", max_length=10)
    type: Text = Field("", max_length=24)
    channel: Text = Field("", max_length=10)
    booking: Text = Field("", max_length=6)
    offset: int = Field(0, ge=0, description="How many matches to skip; the X-Total-Count header says how many "
                                             "there are")
    limit: int = Field(50, ge=1, le=200)


def message_out(m: Message) -> dict:
    return {"id": m.pk, "booking": m.booking.reference if m.booking_id else None, "channel": m.channel,
            "type": m.type, "recipient": m.recipient, "status": m.status, "attempts": m.attempts,
            "next_attempt_at": _local(m.next_attempt_at), "last_error": m.last_error,
            "provider_message_id": m.provider_message_id, "created_at": _local(m.created_at)}


@router.get("/staff/messages", response={200: list[MessageOut], **ERRORS}, summary="The communication log")
def messages(request, response: HttpResponse, q: Query[MessageSearch]):
    with member(request) as hotel:
        found = messaging_selectors.messages_find(hotel=hotel, status=q.status, type=q.type, channel=q.channel,
                                                  reference=q.booking)
        response[TOTAL_HEADER] = found.count()
        return [message_out(m) for m in found[q.offset:q.offset + q.limit]]


@router.get("/staff/messages/{message_id}", response={200: MessageOut, **ERRORS}, summary="One message")
def message(request, message_id: int):
    with member(request) as hotel:
        return message_out(get_object_or_404(Message.objects.select_related("booking"), hotel=hotel, pk=message_id))


@router.post("/staff/messages/{message_id}/retry", response={200: MessageOut, **ERRORS},
             summary="Send a FAILED or DEAD message again (409 for any other status)")
def message_retry(request, message_id: int):
    with member(request) as hotel:
        m = get_object_or_404(Message, hotel=hotel, pk=message_id)
        return message_out(messaging.message_retry(message=m, actor=actor(request)))
