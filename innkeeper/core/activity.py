"""The activity log: one write (``record``), who did it (``Actor``), and one place that turns an entry into a
sentence in the viewer's language (``sentence``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from django.db.models import Model
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django_countries.fields import Country

from innkeeper.core import db
from innkeeper.core.models import ActivityLog, ActorKind
from innkeeper.core.money import format_money

STAFF_PREFIX = "staff:"  # how the old string actors named a staff member
# Never kept, at any depth of ``data``: a log is read by every owner and lives long. (A list of the names of
# secrets that changed, "secrets_changed", is fine: it holds names, not values.)
SECRET_NAME = re.compile(r"(^|_)(password|secret|api_?key|token|hmac_key|pin|private_key|credentials?)$")


@dataclass(frozen=True)
class Actor:
    """Who did it: a staff user, the guest, the system, a provider (a lock cloud, a message channel) or a
    PMS."""

    kind: str
    id: str = ""
    label: str = ""

    @classmethod
    def staff(cls, user) -> Actor:
        return cls(ActorKind.STAFF, str(user.pk), user.name or user.email)

    @classmethod
    def guest(cls) -> Actor:
        return cls(ActorKind.GUEST)

    @classmethod
    def system(cls) -> Actor:
        return cls(ActorKind.SYSTEM)

    @classmethod
    def provider(cls, name: str) -> Actor:
        return cls(ActorKind.PROVIDER, name, name)

    @classmethod
    def pms(cls, name: str) -> Actor:
        return cls(ActorKind.PMS, name, name)

    @classmethod
    def parse(cls, value: str) -> Actor:
        """The actor an old string names: "staff:<email>", "guest" or "system" (anything else: the system)."""
        value = value or ""
        if value.startswith(STAFF_PREFIX):
            from django.contrib.auth import get_user_model

            email = value.removeprefix(STAFF_PREFIX)
            user = get_user_model().objects.filter(email__iexact=email).first()
            return cls.staff(user) if user is not None else cls(ActorKind.STAFF, "", email)
        if value == ActorKind.GUEST:
            return cls.guest()
        return cls.system()

    @classmethod
    def of(cls, value) -> Actor:
        """An Actor from what the services pass around: an Actor, a user, an old string, or None (the
        system)."""
        if isinstance(value, Actor):
            return value
        if value is None:
            return cls.system()
        if isinstance(value, str):
            return cls.parse(value)
        return cls.staff(value)


def _plain(value):
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, Country):
        return value.code
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items() if not _secret(str(k))}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    return value


def _secret(name: str) -> bool:
    return SECRET_NAME.search(name.lower()) is not None


def record(*, hotel, subject, verb: str, actor, data: dict | None = None,
           at: datetime | None = None) -> ActivityLog:
    """Write one entry. ``hotel`` is a Hotel, its id or None; ``subject`` a model instance or a
    ("app.Model", pk) pair; ``actor`` an Actor (or a user, an old actor string, None for the system).
    Values are stored as JSON; any key that names a secret (password, token, PIN...) is left out."""
    entry = entry_for(hotel=hotel, subject=subject, verb=verb, actor=actor, data=data, at=at)
    db.insert([entry])  # every booking writes one: no query built for it
    return entry


def entry_for(*, hotel, subject, verb: str, actor, data: dict | None = None,
              at: datetime | None = None) -> ActivityLog:
    """The entry ``record`` writes, not written yet (``record_many`` writes many in one INSERT)."""
    actor = Actor.of(actor)
    if isinstance(subject, Model):
        subject_type, subject_id = subject._meta.label, subject.pk
    else:
        subject_type, subject_id = subject
    hotel_id = hotel.pk if isinstance(hotel, Model) else hotel
    return ActivityLog(
        hotel_id=hotel_id, subject_type=subject_type, subject_id=str(subject_id), verb=verb,
        actor_kind=actor.kind, actor_id=actor.id[:100], actor_label=actor.label[:254],
        data=_plain(data or {}), at=at or timezone.now())


def record_many(entries: list[ActivityLog]) -> None:
    """Write entries made by ``entry_for``, in one INSERT."""
    db.insert(entries)


def history(subject: Model):
    """The entries about ``subject`` (e.g. a booking) in its own hotel, oldest first."""
    entries = ActivityLog.objects.filter(subject_type=subject._meta.label, subject_id=str(subject.pk))
    if hasattr(subject, "hotel_id"):
        entries = entries.filter(hotel_id=subject.hotel_id)
    return entries.order_by("at", "id")


def of_hotel(hotel):
    """Everything that happened in ``hotel``, newest first."""
    return ActivityLog.objects.filter(hotel=hotel).order_by("-at", "-id")


# -- what an entry says ----------------------------------------------------------------------------

WHO = {
    ActorKind.STAFF: gettext_lazy("%(name)s (staff)"),
    ActorKind.GUEST: gettext_lazy("The guest"),
    ActorKind.SYSTEM: gettext_lazy("Innkeeper"),
    ActorKind.PROVIDER: gettext_lazy("%(name)s (provider)"),
    ActorKind.PMS: gettext_lazy("%(name)s (PMS)"),
}

# verb (or "verb:TO_STATUS", looked up first) -> sentence; %(who)s is the actor, %(ref)s the booking.
SENTENCES = {
    "booking.created": gettext_lazy("%(who)s made booking %(ref)s in room %(room)s"),
    "booking.status": gettext_lazy(
        "%(who)s changed booking %(ref)s from “%(from_status)s” to “%(to_status)s”"),
    "booking.status:CANCELLED": gettext_lazy("%(who)s cancelled booking %(ref)s"),
    # A guest's own cancellation says what it cost (the fee in its data).
    "booking.status:CANCELLED:free": gettext_lazy("%(who)s cancelled booking %(ref)s free of charge"),
    "booking.status:CANCELLED:fee": gettext_lazy(
        "%(who)s cancelled booking %(ref)s with a cancellation fee of %(fee)s"),
    "booking.status:EXPIRED": gettext_lazy("%(who)s let booking %(ref)s expire: its time to pay ran out"),
    "booking.changed": gettext_lazy("%(who)s changed the stay of booking %(ref)s"),
    "booking.moved": gettext_lazy("%(who)s moved booking %(ref)s from room %(before)s to %(after)s"),
    "booking.add_ons": gettext_lazy("%(who)s added extras to booking %(ref)s: %(added)s"),
    "booking.guest_phone": gettext_lazy("%(who)s changed the phone number of booking %(ref)s"),
    "booking.message_resend": gettext_lazy("%(who)s sent a message about booking %(ref)s again"),
    "booking.message_manual": gettext_lazy("%(who)s wrote to the guest of booking %(ref)s"),
    "booking.feedback": gettext_lazy("%(who)s rated the stay of booking %(ref)s: %(rating)s of 5"),
    "message.test_send": gettext_lazy("%(who)s sent a test message to %(recipient)s"),
    "messages.limit_reached": gettext_lazy("%(who)s held messages back: the hotel's send limit was reached"),
    "ruletemplate.save": gettext_lazy("%(who)s changed the wording of an automation rule"),
    "booking.keys_issue": gettext_lazy("%(who)s issued the key of booking %(ref)s"),
    "booking.keys_revoke": gettext_lazy("%(who)s revoked the keys of booking %(ref)s"),
    "booking.key_at_reception": gettext_lazy(
        "%(who)s made no door key for booking %(ref)s: room %(room)s has no smart lock, so the guest collects "
        "the key at reception"),
    "booking.key_queued": gettext_lazy("%(who)s queued a key to room %(room)s for booking %(ref)s"),
    "booking.key_revoke_queued": gettext_lazy("%(who)s queued the removal of a key of booking %(ref)s"),
    "booking.key_active": gettext_lazy("%(who)s made the key to room %(room)s for booking %(ref)s"),
    "booking.key_failed": gettext_lazy("%(who)s could not make the key of booking %(ref)s"),
    "booking.key_revoke_failed": gettext_lazy("%(who)s could not remove the key of booking %(ref)s"),
    "booking.key_revoked": gettext_lazy("%(who)s revoked the key of booking %(ref)s"),
    "booking.key_retry": gettext_lazy("%(who)s tried the key of booking %(ref)s again"),
    "booking.app_key_queued": gettext_lazy("%(who)s queued a TTLock app key to room %(room)s for booking %(ref)s"),
    "booking.app_key_active": gettext_lazy("%(who)s sent the TTLock app key to room %(room)s for booking %(ref)s"),
    "booking.app_key_failed": gettext_lazy("%(who)s could not send or move the TTLock app key of booking %(ref)s"),
    "booking.app_key_move_queued": gettext_lazy("%(who)s queued new times for the TTLock app key of booking %(ref)s"),
    "booking.app_key_moved": gettext_lazy("%(who)s moved the TTLock app key of booking %(ref)s to the new times"),
    "booking.app_key_revoke_queued": gettext_lazy(
        "%(who)s queued the removal of the TTLock app key of booking %(ref)s"),
    "booking.app_key_revoke_failed": gettext_lazy("%(who)s could not remove the TTLock app key of booking %(ref)s"),
    "booking.app_key_revoked": gettext_lazy("%(who)s removed the TTLock app key of booking %(ref)s"),
    "booking.app_key_skipped": gettext_lazy(
        "%(who)s sent no TTLock app key for booking %(ref)s: the guest gave no e-mail address or phone number "
        "for an account"),
    "rates.set": gettext_lazy("%(who)s changed the rates"),
    "room.lock": gettext_lazy("%(who)s changed the lock of a room"),
    "lockaccount.set": gettext_lazy("%(who)s changed the lock account"),
    "messagingaccount.set": gettext_lazy("%(who)s changed the messaging account"),
    "messagetemplate.save": gettext_lazy("%(who)s changed a message template"),
    "optout.add": gettext_lazy("%(who)s stopped messages to a guest"),
    "optout.remove": gettext_lazy("%(who)s allowed messages to a guest again"),
    "hoteldomain.add": gettext_lazy("%(who)s added a domain"),
    "hoteldomain.verify": gettext_lazy("%(who)s checked a domain"),
    "hoteldomain.primary": gettext_lazy("%(who)s made a domain the main one"),
    "hoteldomain.remove": gettext_lazy("%(who)s removed a domain"),
    "invitation.create": gettext_lazy("%(who)s invited someone to the team"),
    "invitation.resend": gettext_lazy("%(who)s sent an invitation again"),
    "invitation.revoke": gettext_lazy("%(who)s withdrew an invitation"),
    "membership.join": gettext_lazy("%(who)s joined the team"),
    "membership.remove": gettext_lazy("%(who)s removed someone from the team"),
}
# Saved settings ("room.create", "hotel.update"...): what was done, to what kind of thing.
DID = {
    "create": gettext_lazy("%(who)s created %(thing)s"),
    "update": gettext_lazy("%(who)s changed %(thing)s"),
}
THINGS = {
    "hotel": gettext_lazy("the hotel's settings"),
    "room": gettext_lazy("a room"),
    "roomtype": gettext_lazy("a room type"),
    "addon": gettext_lazy("an extra"),
    "automationrule": gettext_lazy("an automation rule"),
    "sendlimit": gettext_lazy("the send limits"),
}
OTHER = gettext_lazy("%(who)s: %(verb)s")
STATUS_NAMES = {  # the booking's statuses, as the booking app names them (the same texts, so translated once)
    "HOLD": gettext_lazy("On hold"), "PENDING_PAYMENT": gettext_lazy("Awaiting payment"),
    "CONFIRMED": gettext_lazy("Confirmed"), "CHECKIN_COMPLETED": gettext_lazy("Online check-in completed"),
    "CHECKED_IN": gettext_lazy("Checked in"), "CHECKED_OUT": gettext_lazy("Checked out"),
    "CANCELLED": gettext_lazy("Cancelled"), "NO_SHOW": gettext_lazy("No-show"),
    "EXPIRED": gettext_lazy("Expired"),
}


class _Values(dict):
    def __missing__(self, key):
        return "—"


def who(entry: ActivityLog) -> str:
    template = WHO.get(entry.actor_kind, WHO[ActorKind.SYSTEM])
    return str(template) % {"name": entry.actor_label or entry.actor_id}


def sentence(entry: ActivityLog) -> str:
    """What ``entry`` says, as a sentence in the active language."""
    data = entry.data or {}
    values = _Values({k: v for k, v in data.items() if isinstance(v, (str, int, float))})
    values.update(who=who(entry), verb=entry.verb, ref=data.get("reference") or entry.subject_id)
    for name in ("from_status", "to_status"):
        if data.get(name):
            values[name] = str(STATUS_NAMES.get(data[name], data[name]))
    if isinstance(data.get("added"), list):
        values["added"] = ", ".join(str(code) for code in data["added"])
    keys = [f"{entry.verb}:{data.get('to_status', '')}", entry.verb]
    if isinstance(data.get("fee"), str) and data.get("currency"):
        fee = Decimal(data["fee"])
        values["fee"] = format_money(fee, str(data["currency"]), get_language() or "en")
        keys.insert(0, f"{keys[0]}:{'fee' if fee else 'free'}")
    template = next((SENTENCES[key] for key in keys if key in SENTENCES), None)
    if template is None:
        thing, _dot, did = entry.verb.partition(".")
        if did in DID:
            template = DID[did]
            values["thing"] = str(THINGS.get(thing, thing))
        else:
            template = OTHER
    return str(template) % values


def _text(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_text(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    return str(value)


def details(entry: ActivityLog) -> list[tuple[str, str, str]]:
    """(what, before, after) rows for the entry's details: each changed value, then the other facts."""
    data = entry.data or {}
    before, after = data.get("before"), data.get("after")
    rows = []
    if isinstance(before, dict) or isinstance(after, dict):
        before = before if isinstance(before, dict) else {}
        after = after if isinstance(after, dict) else {}
        for name in sorted(set(before) | set(after)):
            rows.append((name, _text(before.get(name)), _text(after.get(name))))
    elif before is not None or after is not None:
        rows.append(("", _text(before), _text(after)))
    if data.get("from_status") or data.get("to_status"):
        rows.append((_("status"), _text(str(STATUS_NAMES.get(data.get("from_status"), "")) or None),
                     _text(str(STATUS_NAMES.get(data.get("to_status"), data.get("to_status"))))))
    for name, value in data.items():
        if name not in ("before", "after", "from_status", "to_status", "reference"):
            rows.append((name, "", _text(value)))
    return rows
