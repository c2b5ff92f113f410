"""Per-hotel send limits, enforced where a claimed message is handed to its provider.

Each hotel may hand its providers so many messages a minute and a day (of its zone), those sent by hand
(manual and test sends) and the automated ones counted apart. A message over a limit is never dropped: it
goes back to the queue, due when the window ends, without spending an attempt, and staff get a notice (the
activity log and the messages page). Taking a place in a window is one conditional UPDATE per window
(``sent < limit``), so on PostgreSQL two workers can never both take the last place.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from innkeeper.core import activity
from innkeeper.hotels.models import Hotel
from innkeeper.messaging.models import BY_HAND, Message, MessageAttempt, MessageStatus, SendCounter, SendLimit
from innkeeper.messaging.services.outbox import dispatch

PERIODS = ("minute", "day")


def limits_for(hotel_id: int) -> dict[str, int]:
    """The hotel's four limits: its own where it set one, else the install's."""
    limits = dict(settings.MESSAGE_SEND_LIMITS)
    own = SendLimit.objects.filter(hotel_id=hotel_id).values(*limits).first()
    for name, value in (own or {}).items():
        if value is not None:
            limits[name] = value
    return limits


def window(period: str, now: datetime, tz) -> tuple[datetime, datetime]:
    """[start, end) of the minute or the day (in the hotel's zone) that ``now`` is in."""
    if period == "minute":
        start = now.replace(second=0, microsecond=0)
        return start, start + timedelta(minutes=1)
    local = now.astimezone(tz)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    end = (start + timedelta(days=1, hours=2)).replace(hour=0)  # a day of 23 or 25 hours stays one day
    return start, end


def _counter(hotel_id: int, manual: bool, period: str, start: datetime) -> None:
    if SendCounter.objects.filter(hotel_id=hotel_id, manual=manual, period=period, starts_at=start).exists():
        return
    try:
        with transaction.atomic():
            SendCounter.objects.create(hotel_id=hotel_id, manual=manual, period=period, starts_at=start)
    except IntegrityError:  # another worker made it first
        pass


def take_place(hotel: Hotel, manual: bool, now: datetime) -> datetime | None:
    """Count one send of ``hotel`` now; None if it may go, else when the first full window ends (nothing counted)."""
    limits = limits_for(hotel.pk)
    kind = "manual" if manual else "automated"
    windows = {p: window(p, now, hotel.tz) for p in PERIODS}
    for period, (start, _end) in windows.items():
        _counter(hotel.pk, manual, period, start)
    with transaction.atomic():
        for period, (start, end) in windows.items():
            took = SendCounter.objects.filter(hotel_id=hotel.pk, manual=manual, period=period, starts_at=start,
                                              sent__lt=limits[f"{kind}_per_{period}"]).update(sent=F("sent") + 1)
            if not took:
                transaction.set_rollback(True)  # give back the place taken in the other window
                full = (period, start, end)
                break
        else:
            return None
    period, start, end = full
    SendCounter.objects.filter(hotel_id=hotel.pk, manual=manual, period=period, starts_at=start).update(
        held=F("held") + 1)
    held = SendCounter.objects.filter(hotel_id=hotel.pk, manual=manual, period=period, starts_at=start).values_list(
        "held", flat=True).first()
    if held == 1:  # the first message this window held: tell staff once
        activity.record(hotel=hotel.pk, subject=hotel, verb="messages.limit_reached", actor=activity.Actor.system(),
                        data={"kind": kind, "period": period, "limit": limits[f"{kind}_per_{period}"],
                              "until": end})
    return end


def admit(rows: list[Message], now: datetime | None = None) -> list[Message]:
    """The claimed ``rows`` that may go now; the others go back to the queue until their window ends."""
    now = now or timezone.now()
    hotels = Hotel.objects.in_bulk({row.hotel_id for row in rows})
    allowed = []
    for row in rows:
        until = take_place(hotels[row.hotel_id], row.type in BY_HAND, now)
        if until is None:
            allowed.append(row)
            continue
        with transaction.atomic():
            Message.objects.filter(pk=row.pk, status=MessageStatus.SENDING, attempts=row.attempts).update(
                status=MessageStatus.QUEUED, attempts=F("attempts") - 1, claimed_at=None, next_attempt_at=until,
                updated_at=now)
            MessageAttempt.objects.create(
                hotel_id=row.hotel_id, message_id=row.pk, number=row.attempts - 1, provider="", outcome="held",
                detail=f"the hotel's send limit is reached; it goes at {until.isoformat()}")
        seconds = (until - now).total_seconds()
        transaction.on_commit(lambda pk=row.pk, s=seconds: dispatch(pk, countdown=s))
    return allowed


def notices(*, hotel, now: datetime | None = None) -> list[dict]:
    """The limits the hotel reached today and in the last minute, with how many messages they put off."""
    now = now or timezone.now()
    limits = limits_for(hotel.pk)
    day_start, _day_end = window("day", now, hotel.tz)
    out = []
    for c in SendCounter.objects.filter(hotel=hotel, held__gt=0, starts_at__gte=day_start - timedelta(minutes=1)
                                        ).order_by("-starts_at"):
        kind = "manual" if c.manual else "automated"
        out.append({"kind": kind, "period": c.period, "limit": limits[f"{kind}_per_{c.period}"], "held": c.held,
                    "starts_at": c.starts_at,
                    "until": window(c.period, c.starts_at + timedelta(seconds=1), hotel.tz)[1]})
    return out


def send_limit_set(*, hotel, actor=None, **values) -> SendLimit:
    """The hotel's own limits (None: the install's); each at least 1, so a limit can slow sends, never stop them."""
    from django.utils.translation import gettext as _

    from innkeeper.core import audit
    from innkeeper.core.errors import InvalidInput

    names = tuple(settings.MESSAGE_SEND_LIMITS)
    for name, value in values.items():
        if name not in names:
            raise ValueError(f"unknown send limit {name}")
        if value is not None and int(value) < 1:
            raise InvalidInput(_("A limit must be at least 1 message."), field=name, code="out_of_range")
    with transaction.atomic():
        own, _made = SendLimit.objects.select_for_update().get_or_create(hotel=hotel)
        before = {name: getattr(own, name) for name in names}
        for name, value in values.items():
            setattr(own, name, value)
        own.save()
        audit.record(hotel=hotel, actor=actor, action="sendlimit.update", obj=own, before=before,
                     after={name: getattr(own, name) for name in names})
    return own
