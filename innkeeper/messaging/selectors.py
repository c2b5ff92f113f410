"""Reads for staff: the communication log, who asked for no messages, and whom staff may write to."""

from innkeeper.booking.selectors import bookings_find
from innkeeper.messaging.models import Message, OptOut
from innkeeper.messaging.services.optouts import _phone_region, phone_e164

NOT_A_STAY = ("HOLD", "EXPIRED")  # a checkout left unfinished: nobody to write to


def recipients_find(*, hotel, text: str = "", limit: int = 20) -> list:
    """The hotel's bookings staff may write to, matching ``text`` (a reference, or a guest's name, e-mail
    address or phone number), the newest first; no text: the newest ones."""
    return list(bookings_find(hotel=hotel, text=text).exclude(status__in=NOT_A_STAY)[:limit])


def messages_find(*, hotel, status: str = "", type: str = "", channel: str = "", reference: str = ""):
    qs = Message.objects.filter(hotel=hotel).select_related("booking")
    if status:
        qs = qs.filter(status=status)
    if type:
        qs = qs.filter(type=type)
    if channel:
        qs = qs.filter(channel=channel)
    if reference:
        qs = qs.filter(booking__reference=reference.strip().upper())
    return qs.order_by("-created_at", "-id")


def optouts(*, hotel):
    """The addresses that asked the hotel for no messages, newest first."""
    return OptOut.objects.filter(hotel=hotel).order_by("-created_at", "-id")


def guest_reachable(booking) -> bool:
    """Whether the booking's guest can get a message at all: an e-mail address, or a phone number that reads
    as an international one (what WhatsApp needs)."""
    if (booking.guest_email or "").strip():
        return True
    return phone_e164(booking.guest_phone or "", region=_phone_region(booking.hotel)) is not None
