"""Reads for staff: the communication log and who asked for no messages."""

from innkeeper.messaging.models import Message, OptOut


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
