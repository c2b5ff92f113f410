"""The guest journey's entry points: every write that sets something off goes through here.

Interfaces (pages, API, panel, tasks) call these instead of the domain services, so that a booking made,
moved, cancelled, paid or checked in always sets off the same steps (``steps.STEPS``), in the same
transaction as the change.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django_scopes import scope

from innkeeper.booking import services as engine
from innkeeper.booking.models import Booking
from innkeeper.booking.states import Status
from innkeeper.checkin import services as checkin
from innkeeper.core import db
from innkeeper.core.errors import InvalidInput
from innkeeper.journey.steps import STEPS, checkin_reminder_due, checkin_reminder_leads, stay_messages_due
from innkeeper.locks import services as keys
from innkeeper.locks.models import LockKey
from innkeeper.messaging import services as messaging
from innkeeper.messaging.models import MessageType
from innkeeper.payments import services as payments
from innkeeper.payments.models import PaymentStatus
from innkeeper.pms import selectors as pms

GUEST = engine.GUEST
SYSTEM = engine.SYSTEM


# -- booking ---------------------------------------------------------------------------------------

def booking_create(**kwargs) -> Booking:
    return engine.booking_create(**kwargs, then=STEPS)


def guest_booking_create(*, hotel, **kwargs) -> Booking:
    """A booking a guest makes, on the hotel's site or through the API: the hotel's payment rule decides
    whether it is confirmed at once (pay at the hotel) or waits for payment (prepay)."""
    return engine.booking_create(hotel=hotel, prepay=hotel.takes_prepayment, **kwargs, then=STEPS)


def booking_transition(**kwargs) -> Booking:
    return engine.booking_transition(**kwargs, then=STEPS)


def booking_confirm(**kwargs) -> Booking:
    return engine.booking_confirm(**kwargs, then=STEPS)


def booking_cancel(**kwargs) -> Booking:
    return engine.booking_cancel(**kwargs, then=STEPS)


def booking_cancel_by_guest(**kwargs) -> Booking:
    return engine.booking_cancel_by_guest(**kwargs, then=STEPS)


def booking_change_stay(**kwargs) -> Booking:
    return engine.booking_change_stay(**kwargs, then=STEPS)


def booking_move(**kwargs) -> Booking:
    return engine.booking_move(**kwargs, then=STEPS)


def booking_pay(*, booking: Booking, card_number: str, now: datetime | None = None) -> Booking:
    """Charge the booking's total and confirm it, in one transaction on the locked booking row.

    Two payments sent at once are charged one after the other and the second finds the booking paid:
    one charge, one payment. A declined card leaves a FAILED payment and raises InvalidInput.
    """
    now = now or timezone.now()

    def work():
        b = Booking.objects.select_for_update().get(pk=booking.pk)
        payment = payments.charge(booking=b, card_number=card_number, now=now)
        if payment is None:  # paid already
            return b, None
        if payment.status != PaymentStatus.SUCCEEDED:
            return b, payment
        return engine.booking_confirm(booking=b, now=now, then=STEPS), None

    confirmed, refused = db.write(work)
    if refused is not None:  # the failed attempt is committed; the guest may try another card
        raise InvalidInput(refused.failure_message, field="card_number", code=refused.failure_code)
    return confirmed


# -- online check-in -------------------------------------------------------------------------------

def checkin_complete(*, booking: Booking, identity: checkin.Identity, add_ons=(), phone: str | None = None,
                     now: datetime | None = None) -> tuple[Booking, LockKey | None]:
    """Finish the online check-in in one transaction: extras on the bill, the guest's phone (E.164) when
    given, identity stored, CHECKIN_COMPLETED, key queued (none when the hotel's PMS account turned keys off)."""
    now = now or timezone.now()

    def work():
        engine.add_ons_lock(booking=booking, codes=add_ons)  # the booking engine's lock order
        b = checkin.booking_open_locked(booking)
        codes = checkin.clean_add_ons(b, add_ons, now=now)
        if codes:
            b = engine.booking_add_add_ons(booking=b, codes=codes, actor=GUEST, now=now, then=STEPS)
        if phone is not None:  # before the key is queued: its access message goes to this number
            b = engine.booking_guest_phone_set(booking=b, phone=phone, actor=GUEST)
        checkin.identity_store(booking=b, identity=identity)
        b = engine.booking_transition(booking=b, to=Status.CHECKIN_COMPLETED, actor=GUEST, now=now, then=STEPS)
        checkin.completion_record(booking=b, now=now)
        if "keys" in pms.steps_turned_off([b.pk]).get(b.pk, ()):  # the hotel's PMS account hands keys out
            return b, None
        return b, STEPS.checkin_completed(b, now)

    return db.write(work)


def checkin_reminders_run(*, now: datetime | None = None) -> list[Booking]:
    """Queue the check-in reminder for every booking due one, at its hotel's timing; each goes out once."""
    now = now or timezone.now()
    sent = []
    moved = messaging.builtin_timings(type=MessageType.CHECKIN_REMINDER)
    usual = messaging.builtin_timing(None, MessageType.CHECKIN_REMINDER)
    switched_off = messaging.builtin_off(type=MessageType.CHECKIN_REMINDER)  # left unclaimed until back on
    due = [b for b in checkin.reminders_due(now=now, within=checkin_reminder_leads(now, moved))
           if b.hotel_id not in switched_off and checkin_reminder_due(b, moved.get(b.hotel_id, usual), now)]
    off = pms.steps_turned_off([b.pk for b in due])
    for b in due:
        if "checkin" in off.get(b.pk, ()):  # the hotel's PMS account sends no check-in link
            continue
        with scope(hotel=b.hotel), transaction.atomic():
            if checkin.reminder_claim(booking=b, now=now):
                STEPS.message_due(b, MessageType.CHECKIN_REMINDER, now)
                sent.append(b)
    return sent


# -- the end of the stay ---------------------------------------------------------------------------

def stay_messages_run(*, now: datetime | None = None) -> list[tuple[Booking, str]]:
    """Queue the check-out reminders and the thanks after the stay whose time has come; each goes out once
    (the outbox keeps one message per booking, type and channel)."""
    now = now or timezone.now()
    due = stay_messages_due(now=now)
    for b, type_ in due:
        with scope(hotel=b.hotel), transaction.atomic():
            STEPS.message_due(b, type_, now)
    return due


def automation_run(*, now: datetime | None = None) -> list[tuple[Booking, object]]:
    """Queue the messages of the hotels' time rules whose moment has come, from each booking as it is now
    (a moved stay is found at its new time, a cancelled one not at all); each goes out once per booking."""
    now = now or timezone.now()
    due = messaging.rules_due(now=now)
    for b, rule in due:
        with scope(hotel=b.hotel), transaction.atomic():
            STEPS.rule_due(b, rule, now)
    return due


def stays_check_out(*, now: datetime | None = None) -> int:
    """Check out stays that ended a while ago; the status change revokes their keys."""
    now = now or timezone.now()
    ended = keys.stays_to_check_out(now=now)
    for b in ended:
        with scope(hotel=b.hotel):
            if b.status == Status.CHECKIN_COMPLETED:  # the door opened for them: they stayed
                b = engine.booking_transition(booking=b, to=Status.CHECKED_IN, actor=SYSTEM,
                                              reason="automatic check-out", now=now, then=STEPS)
            engine.booking_transition(booking=b, to=Status.CHECKED_OUT, actor=SYSTEM,
                                      reason="automatic check-out", now=now, then=STEPS)
    return len(ended)
