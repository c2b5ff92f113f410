"""What happens next in a guest's stay: the one place that decides it.

The booking engine calls these steps inside the transaction of the change that causes them (see
``innkeeper.booking.services.Then``), so a message or a door key is queued with the change or not at all;
the keys' outbox calls ``key_active`` in the transaction that records a key working on its lock (see
``innkeeper.locks.services.KeyThen``), so its access message is queued with it.
Messages due at a time of the stay (the check-in reminder, before check-out, after the stay) are found by
periodic sweeps (``stay_messages_due``) at each hotel's timing, from the stay as it is then, so a stay that
moves gets them at its new times and a cancelled one gets none. Each step calls the domain apps' services;
none of them calls another domain app.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Prefetch, Q
from django_scopes import scopes_disabled

from innkeeper.booking import occupied
from innkeeper.booking.models import Booking, BookingAddOn
from innkeeper.booking.states import Status
from innkeeper.hotels import selectors as hotel_selectors
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

    def checkin_completed(self, booking: Booking, now: datetime) -> LockKey | None:
        key = keys.keys_issue_for(booking=booking, now=now)
        if key is None:  # the room has no smart lock: nothing to wait for at a lock
            self.key_at_reception(booking, now)
        return key

    def key_at_reception(self, booking: Booking, now: datetime) -> None:
        """The guest's room has no smart lock: their access message goes at once, with no PIN and no door link,
        saying where they get the key (the hotel's own words, else reception), in their language."""
        messaging.message_enqueue_step(
            booking=booking, type=MessageType.ACCESS_INSTRUCTIONS, switchable=True, occasion="reception", now=now,
            extra={"room_number": booking.room.number,
                   "key_collection": hotel_selectors.key_collection_text(booking.hotel, booking.locale)})

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


def _slack(timing) -> timedelta:
    """How far a time of day moves a message from its offset: up to a day either way."""
    return timedelta(days=1) if timing.at_time is not None else timedelta(0)


def _per_hotel(type_: str, where, moved) -> Q:
    """``where(timing)`` for each hotel that moved journey message ``type_`` (``moved``: their timings by hotel
    id), and the usual one for the rest."""
    q = where(messaging.builtin_timing(None, type_)) & ~Q(hotel_id__in=list(moved))
    for hotel_id, timing in moved.items():
        q |= Q(hotel_id=hotel_id) & where(timing)
    return q


def checkin_reminder_due(booking: Booking, timing, now: datetime) -> bool:
    """Whether ``booking``'s check-in reminder goes at ``now``: from its moment (by default
    CHECKIN_REMINDER_HOURS before arrival, at the guests' waking hours; at a time of day the hotel chose,
    exactly then) until arrival."""
    tz = booking.hotel.tz
    moment = messaging.moment_of(booking.start, timing.offset_minutes, timing.at_time, tz)
    return moment <= now < booking.start and (timing.at_time is not None or _awake(now, tz))


def checkin_reminder_leads(now: datetime, moved) -> Q:
    """The arrivals a check-in reminder may be due for at ``now``, each hotel by its own lead."""
    return _per_hotel(MessageType.CHECKIN_REMINDER, lambda t: Q(
        start__gt=now, start__lte=now - timedelta(minutes=t.offset_minutes) + _slack(t)), moved)


def stay_message_times(booking: Booking, *, add_on_codes=None, timings=None
                       ) -> dict[str, tuple[datetime, datetime] | None]:
    """When the check-out reminder and the thanks after the stay may go out, as (from, until); None: not
    for this stay. ``timings``: the hotel's ``Timing`` of each (missing: the usual one).

    Both count from the end the guest paid for (a late check-out moves it), in the hotel's time zone. The
    reminder goes its offset before it (CHECKOUT_REMINDER_MINUTES), until it, if that is after arrival and,
    with no time of day set, in waking hours; the thanks its offset after it (POST_STAY_MESSAGE_HOURS),
    moved into the next waking hours unless a time of day is set, for two days.
    """
    timings = timings or {}
    tz = booking.hotel.tz
    end = occupied.of_booking(booking, add_on_codes=add_on_codes).end
    t = timings.get(MessageType.CHECKOUT_REMINDER) or messaging.builtin_timing(None, MessageType.CHECKOUT_REMINDER)
    reminder = messaging.moment_of(end, t.offset_minutes, t.at_time, tz)
    reminder_ok = booking.start < reminder < end and (t.at_time is not None or _awake(reminder, tz))
    t = timings.get(MessageType.POST_STAY_THANKS) or messaging.builtin_timing(None, MessageType.POST_STAY_THANKS)
    thanks = messaging.moment_of(end, t.offset_minutes, t.at_time, tz)
    if t.at_time is None:
        thanks = _when_awake(thanks, tz)
    return {
        MessageType.CHECKOUT_REMINDER: (reminder, end) if reminder_ok else None,
        MessageType.POST_STAY_THANKS: (thanks, thanks + THANKS_FOR),
    }


def stay_messages_due(*, now: datetime) -> list[tuple[Booking, str]]:
    """(booking, message type) pairs whose time has come and that were not queued yet, each hotel by its own
    timing. Cross-hotel: the sweep reads every hotel's bookings."""
    late = timedelta(minutes=settings.LOCKS_LATE_CHECK_OUT_MINUTES)  # the most a paid end passes ``end``
    timings = {type_: messaging.builtin_timings(type=type_)
               for type_ in (MessageType.CHECKOUT_REMINDER, MessageType.POST_STAY_THANKS)}
    wanted = {
        # In the stay, its paid end at most a reminder's lead away.
        MessageType.CHECKOUT_REMINDER: Q(status__in=IN_STAY) & _per_hotel(MessageType.CHECKOUT_REMINDER, lambda t: Q(
            end__gt=now - late, end__lte=now - timedelta(minutes=t.offset_minutes) + _slack(t)),
            timings[MessageType.CHECKOUT_REMINDER]),
        # Stayed, ended long enough ago, not too long ago.
        MessageType.POST_STAY_THANKS: Q(status__in=STAYED) & _per_hotel(MessageType.POST_STAY_THANKS, lambda t: Q(
            end__gt=now - THANKS_FOR - timedelta(minutes=t.offset_minutes) - _slack(t),
            end__lte=now - timedelta(minutes=t.offset_minutes) + late + _slack(t)), timings[MessageType.POST_STAY_THANKS]),
    }
    due = []
    with scopes_disabled():
        for type_, where in wanted.items():
            candidates = (Booking.objects.filter(where).exclude(messages__type=type_)
                          .select_related("hotel", "room__room_type")
                          .prefetch_related(Prefetch("add_ons", BookingAddOn.objects.select_related("add_on"))))
            for b in candidates:
                own = {t: timings[t][b.hotel_id] for t in timings if b.hotel_id in timings[t]}
                window = stay_message_times(b, add_on_codes=[a.add_on.code for a in b.add_ons.all()],
                                            timings=own)[type_]
                if window is not None and window[0] <= now < window[1]:
                    due.append((b, type_))
    return due
