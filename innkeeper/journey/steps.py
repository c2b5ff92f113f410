"""What happens next in a guest's stay: the one place that decides it.

The booking engine calls these steps inside the transaction of the change that causes them (see
``innkeeper.booking.services.Then``), so a message or a door key is queued with the change or not at all;
the keys' outbox calls ``key_active`` in the transaction that records a key working on its lock (see
``innkeeper.locks.services.KeyThen``), so its access message is queued with it.
Messages due at a time of the stay (before check-out, after the stay) are found by a periodic sweep
(``stay_messages_due``) from the stay as it is then, so a stay that moves gets them at its new times and a
cancelled one gets none. Each step calls the domain apps' services; none of them calls another domain app.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Prefetch
from django_scopes import scopes_disabled

from innkeeper.booking import occupied
from innkeeper.booking.models import Booking, BookingAddOn
from innkeeper.booking.states import Status
from innkeeper.locks import services as keys
from innkeeper.locks.models import LockKey
from innkeeper.messaging import services as messaging
from innkeeper.messaging.models import MessageType, Trigger

SOLD = frozenset({Status.CONFIRMED, Status.CHECKIN_COMPLETED})
IN_STAY = frozenset({Status.CONFIRMED, Status.CHECKIN_COMPLETED, Status.CHECKED_IN})
STAYED = frozenset({Status.CHECKIN_COMPLETED, Status.CHECKED_IN, Status.CHECKED_OUT})
THANKS_FOR = timedelta(days=2)  # a thanks not sent by then (the sweep was down) is not sent at all


class Steps:
    """The journey's answer to each change the booking engine makes (its ``Then``) and to a key's outcome
    at the lock (the keys' ``KeyThen``)."""

    def confirmed(self, booking: Booking, now: datetime) -> None:
        self._on(booking, Trigger.CONFIRMED, MessageType.BOOKING_CONFIRMATION, now)

    def confirmed_many(self, bookings: list[Booking], now: datetime) -> None:
        """``confirmed`` for many bookings of one hotel (a page of imported stays): the same messages, their
        rows written together."""
        _made, rule_ids = messaging.message_enqueue_steps(bookings=bookings, type=MessageType.BOOKING_CONFIRMATION,
                                                          trigger=Trigger.CONFIRMED, now=now)
        rules = messaging.rules_by_id(bookings[0].hotel, rule_ids) if bookings else []
        for booking in bookings:
            for rule in rules:
                self.rule_due(booking, rule, now)

    def status_changed(self, booking: Booking, before: str, now: datetime) -> None:
        keys.keys_on_booking_status(booking=booking, now=now)  # a stay that ended loses its keys
        if booking.status == Status.CANCELLED and before in SOLD:  # a hold nobody paid for was never news
            self._on(booking, Trigger.CANCELLED, MessageType.BOOKING_CANCELLED, now)
        elif booking.status in (Status.CHECKED_IN, Status.CHECKED_OUT):
            self._on(booking, booking.status, "", now)

    def _on(self, booking: Booking, trigger: str, builtin: str, now: datetime) -> None:
        """The journey's own message for a status change (if the hotel keeps it) and the hotel's rules for it,
        found in the one read the message's enqueue makes anyway."""
        _rows, rule_ids = messaging.message_enqueue_step(booking=booking, type=builtin, switchable=True,
                                                         trigger=trigger, now=now)
        for rule in messaging.rules_by_id(booking.hotel, rule_ids):
            self.rule_due(booking, rule, now)

    def rule_due(self, booking: Booking, rule, now: datetime) -> None:
        """An automation rule's message: once per booking and rule, on the rule's channels."""
        messaging.message_enqueue(booking=booking, type=MessageType.AUTOMATED, occasion=f"rule-{rule.pk}",
                                  channels=rule.channels, rule=rule, now=now)

    def changed(self, booking: Booking, now: datetime) -> None:
        keys.keys_on_booking_changed(booking=booking, now=now)  # a new room or window: a new key

    def checkin_completed(self, booking: Booking, now: datetime) -> LockKey:
        return keys.keys_issue_for(booking=booking, now=now)

    def message_due(self, booking: Booking, type: str, now: datetime) -> None:
        messaging.message_enqueue_step(booking=booking, type=type, switchable=True, now=now)

    def key_active(self, key: LockKey, now: datetime) -> None:
        """The PIN works on its lock: the guest gets the access instructions, one message per PIN (one re-issued
        for a new room or new dates sends new ones), with the app key's account when the booking has one."""
        details = keys.access_details(key)
        messaging.message_enqueue_step(booking=key.booking, type=MessageType.ACCESS_INSTRUCTIONS, switchable=True,
                                       occasion=f"key-{key.generation}", now=now,
                                  extra={name: details[name] for name in ("pin", "web_key_link", "room_number",
                                                                          "pin_first_use_by", "app_key_account",
                                                                          "app_key_password")})


STEPS = Steps()


# -- messages at a time of the stay ----------------------------------------------------------------

def _awake(moment: datetime, tz) -> bool:
    first, last = settings.CHECKIN_REMINDER_LOCAL_HOURS
    return first <= moment.astimezone(tz).hour < last


def _when_awake(moment: datetime, tz) -> datetime:
    """``moment`` if the hotel's guests are awake then, else the start of their next waking hours."""
    if _awake(moment, tz):
        return moment
    first, _last = settings.CHECKIN_REMINDER_LOCAL_HOURS
    local = moment.astimezone(tz)
    morning = local.replace(hour=first, minute=0, second=0, microsecond=0)
    return morning if morning > local else morning + timedelta(days=1)


def stay_message_times(booking: Booking, *, add_on_codes=None) -> dict[str, tuple[datetime, datetime] | None]:
    """When the check-out reminder and the thanks after the stay may go out, as (from, until); None: not
    for this stay.

    Both count from the end the guest paid for (a late check-out moves it), in the hotel's time zone. The
    reminder goes CHECKOUT_REMINDER_MINUTES before it, until it, if that is after arrival and in waking
    hours; the thanks POST_STAY_MESSAGE_HOURS after it, moved into the next waking hours, for two days.
    """
    tz = booking.hotel.tz
    end = occupied.of_booking(booking, add_on_codes=add_on_codes).end
    reminder = end - timedelta(minutes=settings.CHECKOUT_REMINDER_MINUTES)
    thanks = _when_awake(end + timedelta(hours=settings.POST_STAY_MESSAGE_HOURS), tz)
    return {
        MessageType.CHECKOUT_REMINDER: (reminder, end) if reminder > booking.start and _awake(reminder, tz)
        else None,
        MessageType.POST_STAY_THANKS: (thanks, thanks + THANKS_FOR),
    }


def stay_messages_due(*, now: datetime) -> list[tuple[Booking, str]]:
    """(booking, message type) pairs whose time has come and that were not queued yet. Cross-hotel: the
    sweep reads every hotel's bookings."""
    late = timedelta(minutes=settings.LOCKS_LATE_CHECK_OUT_MINUTES)  # the most a paid end passes ``end``
    wanted = {
        # In the stay, its paid end at most a reminder's lead away.
        MessageType.CHECKOUT_REMINDER: dict(
            status__in=IN_STAY, end__gt=now - late,
            end__lte=now + timedelta(minutes=settings.CHECKOUT_REMINDER_MINUTES)),
        # Stayed, ended long enough ago, not too long ago.
        MessageType.POST_STAY_THANKS: dict(
            status__in=STAYED, end__gt=now - THANKS_FOR,
            end__lte=now - timedelta(hours=settings.POST_STAY_MESSAGE_HOURS) + late),
    }
    due = []
    with scopes_disabled():
        for type_, where in wanted.items():
            candidates = (Booking.objects.filter(**where).exclude(messages__type=type_)
                          .select_related("hotel", "room__room_type")
                          .prefetch_related(Prefetch("add_ons", BookingAddOn.objects.select_related("add_on"))))
            for b in candidates:
                window = stay_message_times(b, add_on_codes=[a.add_on.code for a in b.add_ons.all()])[type_]
                if window is not None and window[0] <= now < window[1]:
                    due.append((b, type_))
    return due
