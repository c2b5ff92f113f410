"""POST /api/v1/check-in/complete: the same checks and errors as the check-in pages."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_scopes import scope
from ninja import Field, Router, Schema

from innkeeper.api.schemas import Problem
from innkeeper.checkin import services
from innkeeper.core import throttle
from innkeeper.core.errors import NotFound
from innkeeper.core.http import client_ip
from innkeeper.core.schemas import Text
from innkeeper.journey import services as journey

router = Router(tags=["check-in"])



class IdentityIn(Schema):
    legal_name: Text = Field(..., max_length=200)
    date_of_birth: dt.date
    document_number: Text = Field(..., max_length=40)
    nationality: Text = Field(..., max_length=60)
    address: Text | None = Field(None, max_length=255)


class CheckInIn(Schema):
    token: Text = Field(..., max_length=500)
    guest: IdentityIn
    add_ons: list[Text] = Field(default_factory=list, max_length=20)


class CheckInOut(Schema):
    reference: str
    status: str
    total: str
    currency: str
    add_ons: list[str]
    room: str
    document_number: str = Field(..., description="Masked.")
    key_status: str


@router.post("/check-in/complete", response={200: CheckInOut, 400: Problem, 404: Problem, 409: Problem, 422: dict, 503: Problem},
             summary="Complete a guest's online check-in",
             description="`token` is the check-in link's token. The booking becomes CHECKIN_COMPLETED and its "
                         "door key is queued; the chosen add-ons are added to its total.")
def complete(request, payload: CheckInIn):
    now = timezone.now()
    try:
        booking = services.booking_for_token(payload.token, now=now)
    except NotFound:  # a link that opens nothing counts against its sender
        throttle.limit("checkin_link", client_ip(request))
        raise
    with scope(hotel=booking.hotel):
        identity = services.clean_identity(**payload.guest.dict(), today=timezone.localdate(timezone=booking.hotel.tz))
        booking, key = journey.checkin_complete(booking=booking, identity=identity, add_ons=payload.add_ons, now=now)
        if key is not None:  # none when the hotel's PMS hands keys out
            key.refresh_from_db()
        return {"reference": booking.reference, "status": booking.status, "total": str(booking.total),
                "currency": booking.currency, "room": booking.room.number,
                "add_ons": list(booking.add_ons.values_list("add_on__code", flat=True)),
                "document_number": booking.guest_identity.document_masked,
                "key_status": key.status if key is not None else ""}
