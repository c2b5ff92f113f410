"""A booking's timeline on its page: its messages (with their attempts) and its activity entries, in the
order they happened; a message's failure said in words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from innkeeper.core import activity
from innkeeper.messaging.models import Message, MessageAttempt

# What a failed or skipped message's error code means for the person reading the page.
PROBLEMS = {
    "401": _("The WhatsApp or e-mail provider refused our credentials."),
    "403": _("The WhatsApp or e-mail provider refused our credentials."),
    "429": _("The provider asked us to slow down; it is sent again later."),
    "timeout": _("The provider did not answer in time."),
    "unreachable": _("The provider could not be reached."),
    "address_refused": _("The provider's address is not allowed (a private or unsafe address)."),
    "recipient_refused": _("The provider refused the guest's address or number."),
    "worker_lost": _("The sending stopped half-way (the worker was restarted); it is sent again."),
    "63016": _("WhatsApp allows free text only within 24 hours of the guest's last message."),
    "21610": _("The guest asked for no more messages (STOP)."),
    "render": _("The hotel's template could not be filled in; the standard wording was used."),
}


def problem_in_words(message: Message) -> str:
    """Why the message is not (yet) delivered, in words; "" when nothing went wrong."""
    if not message.last_error and not message.error_code:
        return ""
    known = PROBLEMS.get(message.error_code)
    if known is None and message.error_code.isdigit() and message.error_code.startswith("5"):
        known = _("The provider had an error of its own; it is sent again later.")
    return str(known) if known else message.last_error


@dataclass(frozen=True)
class Moment:
    at: datetime
    entry: object = None  # an ActivityLog
    message: Message | None = None
    problem: str = ""


def booking_timeline(booking) -> list[Moment]:
    """Every message of the booking and every activity entry about it, oldest first. Three queries."""
    rows = (Message.objects.filter(hotel_id=booking.hotel_id, booking=booking)
            .prefetch_related(Prefetch("log", MessageAttempt.objects.order_by("at", "id")))
            .order_by("created_at", "id"))
    moments = [Moment(at=m.created_at, message=m, problem=problem_in_words(m)) for m in rows]
    moments += [Moment(at=e.at, entry=e) for e in activity.history(booking)]
    return sorted(moments, key=lambda m: (m.at, m.message is not None))
