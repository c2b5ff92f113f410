"""Reads for staff: the communication log and who asked for no messages."""

from innkeeper.messaging.models import Message, OptOut
from innkeeper.messaging.services.optouts import _phone_region, phone_e164


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
