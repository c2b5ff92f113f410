"""Guests' addresses and their opt-outs: a stop word in a WhatsApp reply, or staff at the desk."""

from __future__ import annotations

import logging

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from innkeeper.core import audit
from innkeeper.core.errors import InvalidInput
from innkeeper.messaging.models import Channel, Message, OptOut
from innkeeper.messaging.services.receipts import _sent_through

log = logging.getLogger(__name__)


OPTED_OUT = "the guest opted out of this channel"
# A WhatsApp reply that is just one of these words (any case, trailing punctuation ignored) unsubscribes.
STOP_WORDS = {"stop", "стоп", "unsubscribe", "отписаться"}


def phone_e164(raw: str, *, region: str = "") -> str | None:
    """The number in E.164 (+4915...), or None if it is not a possible, valid number."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        number = phonenumbers.parse(raw, (region or None) if not raw.startswith("+") else None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _phone_region(hotel) -> str:
    """The country a guest's number without a country code is read in: WHATSAPP_DEFAULT_REGION, else the hotel's."""
    return settings.INNKEEPER_WHATSAPP.get("default_region") or hotel.country.code


def _address(channel: str, address: str, *, region: str = "") -> str:
    """An opt-out's address as messages carry it: E.164 for WhatsApp, the e-mail in lower case."""
    address = (address or "").strip()
    if channel == Channel.WHATSAPP:
        return phone_e164(address, region=region) or ""
    return address.lower()


def _opted_out(*, hotel_id: int, channel: str, address: str) -> bool:
    """``address`` as a message carries it (already E.164 for WhatsApp)."""
    return OptOut.objects.filter(hotel_id=hotel_id, channel=channel, address__iexact=address).exists()


def optout_record(*, hotel_id: int, channel: str, address: str, source: str) -> OptOut | None:
    """Remember that ``address`` wants no more messages from the hotel on ``channel`` (None: not an address)."""
    address = _address(channel, address)
    if not address:
        return None
    optout, created = OptOut.objects.get_or_create(hotel_id=hotel_id, channel=channel, address=address)
    if created:
        log.info("hotel %s: %s opted out of %s (%s)", hotel_id, address, channel, source)
    return optout


def optout_add(*, hotel, channel: str, address: str, actor) -> OptOut:
    """Staff record that a guest asked for no more messages on ``channel`` (said at the desk, say).

    A number may be written as the hotel's country writes it (8 916 ... in Russia); it is kept in E.164."""
    if channel not in Channel.values:
        raise InvalidInput(_("Choose e-mail or WhatsApp."), field="channel")
    normal = _address(channel, address, region=_phone_region(hotel))
    if channel == Channel.WHATSAPP and not normal:
        raise InvalidInput(_("This is not a phone number we can write to. Write it with the country code, "
                             "e.g. +7 916 123-45-67."), field="address")
    if channel == Channel.EMAIL:
        try:
            validate_email(normal)
        except ValidationError:
            raise InvalidInput(_("Enter an e-mail address, e.g. anna@example.com."), field="address") from None
    with transaction.atomic():
        optout, created = OptOut.objects.get_or_create(hotel=hotel, channel=channel, address=normal)
        if created:
            audit.record(hotel=hotel, actor=actor, action="optout.add", obj=optout,
                         after={"channel": channel, "address": normal})
    return optout


def optout_remove(*, hotel, channel: str, address: str, actor) -> bool:
    """Undo an opt-out (the guest asked to hear from the hotel again); True if there was one.

    ``actor`` is the person who undid it, kept in the audit log with the address that may be written to again."""
    with transaction.atomic():
        found = list(OptOut.objects.select_for_update().filter(
            hotel=hotel, channel=channel, address__iexact=_address(channel, address) or address))
        for optout in found:
            audit.record(hotel=hotel, actor=actor, action="optout.remove", obj=optout,
                         before={"channel": optout.channel, "address": optout.address,
                                 "created_at": optout.created_at})
            optout.delete()
    if found:
        log.info("hotel %s: opt-out of %s on %s removed by %s", hotel.pk, address, channel,
                 actor.email if actor else "the system")
    return bool(found)


def whatsapp_reply(*, sender: str, text: str, account_hotel_id: int | None = None) -> list[OptOut]:
    """A guest's inbound WhatsApp message: a stop word opts the number out of every hotel that wrote to it
    through the account that received the reply.

    The install's account is shared by its hotels, so a reply to it cannot name one hotel (cross-hotel
    by design, like receipts); a reply to a hotel's own account (``account_hotel_id``) is for that hotel."""
    if (text or "").strip().rstrip(".!").casefold() not in STOP_WORDS:
        return []
    number = _address(Channel.WHATSAPP, sender)
    if not number:
        log.warning("a stop reply from %r, which is not a phone number, was not recorded", sender)
        return []
    hotels = set(Message.objects.filter(channel=Channel.WHATSAPP, recipient=number,
                                        **_sent_through(account_hotel_id)).order_by()
                 .values_list("hotel_id", flat=True))
    return [optout_record(hotel_id=h, channel=Channel.WHATSAPP, address=number, source=f"replied {text.strip()!r}")
            for h in sorted(hotels)]
