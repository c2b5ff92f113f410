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
from innkeeper.messaging.services.outbox import S, _dispatch_many_on_commit, _dispatch_on_commit
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
    if not _has_email(booking):  # a guest with no e-mail address (a PMS's) gets no e-mail row
        channels = [c for c in channels if c != Channel.EMAIL]
    keys = _keys(booking, type, channels, occasion)
    recipients = _recipients(booking, channels)
    existing, opted_out, whatsapp, switch, rules = _enqueue_facts(
        hotel, keys, recipients, builtin=type if switchable else "", trigger=trigger)
    if switch is not None:  # the hotel's switch for this journey message
        channels = [c for c in channels if c in switch]
    variables = {k: ("" if v is None else v) for k, v in (extra or {}).items()}
    rows = _new_rows(booking, type=type, occasion=occasion, rule=rule, channels=channels, keys=keys,
                     recipients=recipients, existing=existing, opted_out=opted_out, whatsapp=whatsapp,
                     variables=variables, now=now)
    _insert(hotel, rows)
    if existing:
        earlier = {m.idempotency_key: m for m in Message.objects.filter(idempotency_key__in=list(existing))}
    made = {row.channel: row for row in rows}
    return [made[channel] if channel in made else earlier[keys[channel]] for channel in channels], rules


def message_enqueue_steps(*, bookings: list, type: str, trigger: str = "", now: datetime | None = None,
                          channels=(Channel.EMAIL, Channel.WHATSAPP)) -> tuple[dict[int, list[Message]], list[int]]:
    """``message_enqueue_step`` (``switchable``, no occasion, no extra) for many bookings of one hotel at once,
    e.g. the confirmations of a page of imported stays: the same rows, skips and doorbells as a call per
    booking, in two statements for them all (one read, one INSERT) and one doorbell per worker's batch.
    Returns each booking's messages (by its id) and the ids of the hotel's own active rules for ``trigger``."""
    if not bookings:
        return {}, []
    now = now or timezone.now()
    hotel = bookings[0].hotel
    channels = list(dict.fromkeys(channels))
    keys = {b.pk: _keys(b, type, channels, "") for b in bookings}
    recipients = {b.pk: _recipients(b, channels) for b in bookings}
    existing, opted_out, whatsapp, switch, rules = _enqueue_facts_many(hotel, keys, recipients, builtin=type,
                                                                       trigger=trigger)
    if switch is not None:
        channels = [c for c in channels if c in switch]
    rows, made = [], {}
    for b in bookings:
        made[b.pk] = _new_rows(b, type=type, occasion="", rule=None, channels=channels, keys=keys[b.pk],
                               recipients=recipients[b.pk], existing=existing, opted_out=opted_out.get(b.pk, set()),
                               whatsapp=whatsapp, variables={}, now=now)
        rows += made[b.pk]
    _insert(hotel, rows, gathered=True)
    earlier = {}
    if existing:
        earlier = {m.idempotency_key: m for m in Message.objects.filter(idempotency_key__in=list(existing))}
    out = {}
    for b in bookings:
        mine = {row.channel: row for row in made[b.pk]}
        out[b.pk] = [mine[c] if c in mine else earlier[keys[b.pk][c]] for c in channels
                     if c in mine or keys[b.pk][c] in earlier]
    return out, rules


def _has_email(booking) -> bool:
    return bool((booking.guest_email or "").strip())


def _keys(booking, type: str, channels: list, occasion: str) -> dict:
    return {channel: idempotency_key(booking=booking, type=type, channel=channel, occasion=occasion)
            for channel in channels}


def _recipients(booking, channels: list) -> dict:
    recipients = {}
    for channel in channels:
        if channel == Channel.EMAIL:
            recipients[channel] = booking.guest_email
        else:
            recipients[channel] = (phone_e164(booking.guest_phone, region=_phone_region(booking.hotel))
                                   or booking.guest_phone)
    return recipients


def _new_rows(booking, *, type, occasion, rule, channels, keys, recipients, existing, opted_out, whatsapp,
              variables, now) -> list[Message]:
    """The booking's rows not made before; a channel the guest cannot get is SKIPPED with the reason."""
    rows = []
    for channel in channels:
        if keys[channel] in existing or (channel == Channel.EMAIL and not _has_email(booking)):
            continue
        row = Message(hotel=booking.hotel, booking=booking, rule=rule, channel=channel, type=type,
                      occasion=occasion, locale=booking.locale, idempotency_key=keys[channel], next_attempt_at=now,
                      recipient=recipients[channel], subject="", body_text="", variables=variables)
        why = _why_not_whatsapp(booking, row.recipient, whatsapp) if channel == Channel.WHATSAPP else ""
        if not why and channel in opted_out:
            why = OPTED_OUT
        if why:
            row.status, row.last_error, row.next_attempt_at = S.SKIPPED, why, None
        rows.append(row)
    return rows


def _insert(hotel, rows: list[Message], *, gathered: bool = False) -> None:
    """The rows in one INSERT, the skipped ones' attempts in another, the others' doorbells after commit
    (``gathered``: one per worker's batch of rows, else one per row). Written without building an ORM query:
    every booking makes some."""
    if not rows:
        return
    db.insert(rows)
    skipped = [MessageAttempt(hotel=hotel, message=row, number=0, provider="", outcome="skipped",
                              detail=row.last_error) for row in rows if row.status == S.SKIPPED]
    db.insert(skipped)
    due = [row.pk for row in rows if row.status != S.SKIPPED]
    if gathered:
        _dispatch_many_on_commit(due)
    else:
        for pk in due:
            _dispatch_on_commit(pk)


def _enqueue_facts(hotel, keys: dict, recipients: dict, *, builtin: str = "", trigger: str = ""):
    """In one read: which of ``keys`` have a row already, the channels whose recipient opted out, the
    hotel's WhatsApp switch (``{"provider", "own"}``, as providers.whatsapp_config says it), the channels the
    hotel's switch for the journey message ``builtin`` keeps (None: not switched), and the ids of its own
    active rules for ``trigger``: ``_enqueue_facts_many`` for one booking."""
    existing, opted_out, whatsapp, switch, rules = _enqueue_facts_many(
        hotel, {0: keys}, {0: recipients}, builtin=builtin, trigger=trigger)
    return existing, opted_out.get(0, set()), whatsapp, switch, rules


def _enqueue_facts_many(hotel, keys: dict[int, dict], recipients: dict[int, dict], *, builtin: str, trigger: str):
    """``_enqueue_facts`` for many bookings (``keys`` and ``recipients`` by booking id) in one read; the
    channels opted out are by booking id.

    Plain SQL: it runs with every booking, and building the same union through the ORM cost more than the
    rest of the enqueue. Every part but the keys' is filtered by the hotel."""
    from django.db import connection

    message, optout, account = (Message._meta.db_table, OptOut._meta.db_table, IntegrationAccount._meta.db_table)
    rule_table = AutomationRule._meta.db_table
    key_list = [key for by_channel in keys.values() for key in by_channel.values()] or [""]
    # A key is unique across hotels and names this hotel's own booking, so the key's unique index answers
    # this part alone (beside a hotel condition, PostgreSQL without fresh statistics read the hotel's messages).
    parts = [f"SELECT 'key', idempotency_key FROM {message}"  # noqa: S608
             f" WHERE idempotency_key IN ({', '.join(['%s'] * len(key_list))})"]
    params: list = [*key_list]
    if builtin:
        parts.append("SELECT 'switch', CASE WHEN active AND email THEN 'E' ELSE '' END"  # noqa: S608
                     f" || CASE WHEN active AND whatsapp THEN 'W' ELSE '' END FROM {rule_table}"
                     " WHERE hotel_id = %s AND builtin = %s")
        params += [hotel.pk, builtin]
    if trigger:
        parts.append(f"SELECT 'rule', CAST(id AS TEXT) FROM {rule_table} WHERE hotel_id = %s"  # noqa: S608
                     f" AND {connection.ops.quote_name('trigger')} = %s AND active AND builtin = ''")
        params += [hotel.pk, trigger]
    asked = [(f"{pk}:{channel}", channel, recipient) for pk, by_channel in recipients.items()
             for channel, recipient in by_channel.items() if recipient]
    if asked:  # each (booking, channel) whose recipient opted out, compared as address__iexact does
        parts.append(f"SELECT 'optout', v.column1 FROM {optout} o JOIN (VALUES "  # noqa: S608
                     + ", ".join(["(%s, %s, %s)"] * len(asked))
                     + ") AS v ON o.channel = v.column2 AND UPPER(o.address) = UPPER(v.column3) WHERE o.hotel_id = %s")
        params += [value for triple in asked for value in triple] + [hotel.pk]
    if any(Channel.WHATSAPP in by_channel for by_channel in keys.values()):
        parts.append(f"SELECT 'account', provider FROM {account} WHERE hotel_id = %s"  # noqa: S608
                     " AND kind = 'whatsapp' AND status = %s")
        params += [hotel.pk, IntegrationAccount.ACTIVE]
    existing, opted_out, provider, switch, rules = set(), {}, None, None, []
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for tag, value in cursor.fetchall():
            if tag == "key":
                existing.add(value)
            elif tag == "optout":
                pk, _colon, channel = value.partition(":")
                opted_out.setdefault(int(pk), set()).add(channel)
            elif tag == "switch":
                switch = {c for c, letter in ((Channel.EMAIL, "E"), (Channel.WHATSAPP, "W")) if letter in value}
            elif tag == "rule":
                rules.append(int(value))
            else:
                provider = value
    whatsapp = ({"provider": provider, "own": True} if provider
                else {"provider": settings.INNKEEPER_WHATSAPP["provider"], "own": False})
    return existing, opted_out, whatsapp, switch, sorted(rules)


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
