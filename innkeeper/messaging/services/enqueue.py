"""Enqueue: a message's outbox rows, written in the caller's transaction (the worker fills the wording in)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from innkeeper.core import activity, db
from innkeeper.core.errors import Conflict, InvalidInput
from innkeeper.core.models import IntegrationAccount
from innkeeper.messaging.models import AutomationRule, Channel, Message, MessageAttempt, MessageType, OptOut
from innkeeper.messaging.services.optouts import OPTED_OUT, _phone_region, phone_e164
from innkeeper.messaging.services.outbox import S, _dispatch_on_commit
from innkeeper.messaging.variables import VARIABLES


def idempotency_key(*, booking, type: str, channel: str, occasion: str = "") -> str:
    return f"booking:{booking.pk}:{type}:{channel}:{occasion}"


def message_enqueue(*, booking, type: str, occasion: str = "", extra: dict | None = None,
                    channels=(Channel.EMAIL, Channel.WHATSAPP), now: datetime | None = None,
                    rule=None) -> list[Message]:
    """Write the outbox rows for ``type`` about ``booking`` (see ``message_enqueue_step``)."""
    return message_enqueue_step(booking=booking, type=type, occasion=occasion, extra=extra, channels=channels,
                                now=now, rule=rule)[0]


def message_enqueue_step(*, booking, type: str = "", occasion: str = "", extra: dict | None = None,
                         channels=(Channel.EMAIL, Channel.WHATSAPP), now: datetime | None = None,
                         rule=None, switchable: bool = False, trigger: str = "") -> tuple[list[Message], list[int]]:
    """Write the outbox rows for ``type`` about ``booking`` in the caller's transaction; send after commit.

    The rows say what to send and to whom; the worker fills the wording in when it sends
    (``message_render``), so the caller's transaction only writes. ``extra`` (what only the caller knows,
    e.g. the PIN) is kept on the row until then. Two statements at most when nothing was skipped: one read
    (rows made before, opt-outs, the hotel's WhatsApp switch) and one INSERT of every row.

    The same booking, type, channel and ``occasion`` make one message, however often this is called.
    A channel the guest cannot get (no usable number, opted out, channel off) gets a SKIPPED row saying why;
    a guest without an e-mail address gets no e-mail row at all (never one addressed to nobody).
    ``rule``: the automation rule whose wording the message carries (type AUTOMATED).

    For the journey's steps, in the same one read: with ``switchable``, ``type`` is one of the journey's own
    messages and the hotel's switch for it (an AutomationRule with ``builtin``) keeps only the channels it
    allows, maybe none; with ``trigger``, the ids of the hotel's own active rules for that status change are
    returned beside the rows (their messages are the caller's to queue). ``type`` empty: rules only.
    """
    unknown = set(extra or {}) - set(VARIABLES)
    if unknown:
        raise ValueError(f"unknown message variables: {', '.join(sorted(unknown))}")
    now = now or timezone.now()
    hotel = booking.hotel
    channels = list(dict.fromkeys(channels)) if type else []
    if not (booking.guest_email or "").strip():  # a guest with no e-mail address (a PMS's) gets no e-mail row
        channels = [c for c in channels if c != Channel.EMAIL]
    keys = {channel: idempotency_key(booking=booking, type=type, channel=channel, occasion=occasion)
            for channel in channels}
    recipients = {}
    for channel in channels:
        if channel == Channel.EMAIL:
            recipients[channel] = booking.guest_email
        else:
            recipients[channel] = phone_e164(booking.guest_phone, region=_phone_region(hotel)) or booking.guest_phone
    existing, opted_out, whatsapp, switch, rules = _enqueue_facts(
        hotel, keys, recipients, builtin=type if switchable else "", trigger=trigger)
    if switch is not None:  # the hotel's switch for this journey message
        channels = [c for c in channels if c in switch]
    variables = {k: ("" if v is None else v) for k, v in (extra or {}).items()}
    rows = []
    for channel in channels:
        if keys[channel] in existing:
            continue
        row = Message(hotel=hotel, booking=booking, rule=rule, channel=channel, type=type, occasion=occasion,
                      locale=booking.locale, idempotency_key=keys[channel], next_attempt_at=now,
                      recipient=recipients[channel], subject="", body_text="", variables=variables)
        why = _why_not_whatsapp(booking, row.recipient, whatsapp) if channel == Channel.WHATSAPP else ""
        if not why and channel in opted_out:
            why = OPTED_OUT
        if why:
            row.status, row.last_error, row.next_attempt_at = S.SKIPPED, why, None
        rows.append(row)
    if rows:
        db.insert(rows)  # with every booking: no query built for it
        skipped = [MessageAttempt(hotel=hotel, message=row, number=0, provider="", outcome="skipped",
                                  detail=row.last_error) for row in rows if row.status == S.SKIPPED]
        if skipped:
            db.insert(skipped)
        for row in rows:
            if row.status != S.SKIPPED:
                _dispatch_on_commit(row.pk)
    if existing:
        earlier = {m.idempotency_key: m for m in Message.objects.filter(idempotency_key__in=list(existing))}
    made = {row.channel: row for row in rows}
    return [made[channel] if channel in made else earlier[keys[channel]] for channel in channels], rules


def _enqueue_facts(hotel, keys: dict, recipients: dict, *, builtin: str = "", trigger: str = ""):
    """In one read: which of ``keys`` have a row already, the channels whose recipient opted out, the
    hotel's WhatsApp switch (``{"provider", "own"}``, as providers.whatsapp_config says it), the channels the
    hotel's switch for the journey message ``builtin`` keeps (None: not switched), and the ids of its own
    active rules for ``trigger``.

    Plain SQL: it runs with every booking, and building the same union through the ORM cost more than the
    rest of the enqueue. Every part is filtered by the hotel."""
    from django.db import connection

    message, optout, account = (Message._meta.db_table, OptOut._meta.db_table, IntegrationAccount._meta.db_table)
    key_list = list(keys.values()) or [""]
    parts = [f"SELECT 'key', idempotency_key FROM {message} WHERE hotel_id = %s"  # noqa: S608
             f" AND idempotency_key IN ({', '.join(['%s'] * len(key_list))})"]
    params: list = [hotel.pk, *key_list]
    rule_table = AutomationRule._meta.db_table
    if builtin:  # E and/or W: the channels the switch keeps
        parts.append("SELECT 'switch', CASE WHEN active AND email THEN 'E' ELSE '' END"  # noqa: S608
                     f" || CASE WHEN active AND whatsapp THEN 'W' ELSE '' END FROM {rule_table}"
                     " WHERE hotel_id = %s AND builtin = %s")
        params += [hotel.pk, builtin]
    if trigger:
        parts.append(f"SELECT 'rule', CAST(id AS TEXT) FROM {rule_table} WHERE hotel_id = %s"  # noqa: S608
                     f" AND {connection.ops.quote_name('trigger')} = %s AND active AND builtin = ''")
        params += [hotel.pk, trigger]
    for channel, recipient in recipients.items():
        if recipient:  # as address__iexact compares
            parts.append(f"SELECT 'optout', channel FROM {optout} WHERE hotel_id = %s AND channel = %s"  # noqa: S608
                         " AND UPPER(address) = UPPER(%s)")
            params += [hotel.pk, channel, recipient]
    if Channel.WHATSAPP in keys:
        parts.append(f"SELECT 'account', provider FROM {account} WHERE hotel_id = %s"  # noqa: S608
                     " AND kind = 'whatsapp' AND status = %s")
        params += [hotel.pk, IntegrationAccount.ACTIVE]
    existing, opted_out, provider, switch, rules = set(), set(), None, None, []
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for tag, value in cursor.fetchall():
            if tag == "key":
                existing.add(value)
            elif tag == "optout":
                opted_out.add(value)
            elif tag == "switch":
                switch = {c for c, letter in ((Channel.EMAIL, "E"), (Channel.WHATSAPP, "W")) if letter in value}
            elif tag == "rule":
                rules.append(int(value))
            else:
                provider = value
    if provider:  # the hotel's own account says which provider
        return existing, opted_out, {"provider": provider, "own": True}, switch, sorted(rules)
    return (existing, opted_out, {"provider": settings.INNKEEPER_WHATSAPP["provider"], "own": False}, switch,
            sorted(rules))


def _why_not_whatsapp(booking, recipient: str, whatsapp: dict) -> str:
    if whatsapp["provider"] == "off":
        return ("WhatsApp is switched off in the hotel's messaging account" if whatsapp["own"]
                else "WhatsApp is switched off (WHATSAPP_PROVIDER=off)")
    if not booking.guest_phone.strip():
        return "the guest gave no phone number"
    if not recipient.startswith("+"):
        return f"the phone number {booking.guest_phone!r} is not a usable international number"
    return ""


def message_resend(*, booking, type: str, actor: str, now: datetime | None = None) -> list[Message]:
    """Staff: send a message about ``booking`` again (a new occasion, so a new row per channel)."""
    now = now or timezone.now()
    if type not in (MessageType.BOOKING_CONFIRMATION, MessageType.CHECKIN_REMINDER):
        raise InvalidInput(_("This message cannot be sent again from here."), field="type", code="invalid")
    if type == MessageType.CHECKIN_REMINDER and booking.status != "CONFIRMED":
        raise Conflict(_("The check-in link is only for confirmed bookings that have not checked in yet."),
                       code="check_in_closed")
    with transaction.atomic():
        made = message_enqueue(booking=booking, type=type, occasion=f"resend:{now.isoformat()}", now=now)
        activity.record(hotel=booking.hotel_id, subject=booking, verb="booking.message_resend", actor=actor,
                        data={"reference": booking.reference, "type": type})
    return made
