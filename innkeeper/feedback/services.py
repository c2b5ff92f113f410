"""Writes and reads of guest feedback: the token of the feedback link, the one answer per booking."""

from __future__ import annotations

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from innkeeper.booking.models import Booking
from innkeeper.core import activity, tokens
from innkeeper.core.errors import Conflict, InvalidInput, NotFound
from innkeeper.feedback.models import Feedback
from innkeeper.hotels.links import FEEDBACK_TOKEN_SALT

MAX_COMMENT = 4000


class AlreadyAnswered(Conflict):
    code = "already_answered"


def booking_for_token(token: str, *, hotel) -> Booking:
    """The booking a feedback link is for, in ``hotel`` (the site the link was opened on); NotFound otherwise."""
    invalid = _("This feedback link is not valid. Please use the link from the hotel's message.")
    try:
        data = tokens.unsign(token, salt=FEEDBACK_TOKEN_SALT)
        booking_id, reference = int(data["b"]), str(data["r"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise NotFound(invalid) from None
    with scopes_disabled():
        booking = Booking.objects.select_related("hotel").filter(pk=booking_id, reference=reference).first()
    if booking is None or booking.hotel_id != hotel.pk:
        raise NotFound(invalid)
    return booking


def feedback_of(booking: Booking) -> Feedback | None:
    with scopes_disabled():
        return Feedback.objects.filter(booking_id=booking.pk, hotel_id=booking.hotel_id).first()


def feedback_submit(*, booking: Booking, rating, comment: str = "") -> Feedback:
    """Store the guest's answer; a second answer for the same booking is refused (AlreadyAnswered)."""
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise InvalidInput(_("Choose a rating from 1 to 5."), field="rating", code="invalid")
    comment = (comment or "").replace("\x00", "").strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidInput(_("Please keep the comment under %(n)d characters.") % {"n": MAX_COMMENT},
                           field="comment", code="too_long")
    try:
        with transaction.atomic():
            made = Feedback.objects.create(hotel_id=booking.hotel_id, booking=booking, rating=rating,
                                           comment=comment)
            activity.record(hotel=booking.hotel_id, subject=booking, verb="booking.feedback",
                            actor=activity.Actor.guest(), data={"reference": booking.reference, "rating": rating})
    except IntegrityError:
        raise AlreadyAnswered(_("Thank you, your feedback for this stay has already been received.")) from None
    return made
