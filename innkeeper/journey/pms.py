"""What a PMS reservation means here: a stay made, moved, checked in or out, cancelled, with the same journey
as a direct booking (confirmation, check-in link and reminder, keys, messages at the stay's times) unless the
hotel turned a step off for its PMS account (pms.models.SyncState).

The sync (innkeeper.pms.services) reads the PMS and calls ``apply`` for each reservation inside its page's
transaction; a reservation that cannot occupy a room here (no room mapped, overlapping a direct booking) is
kept with its problem for staff, never dropped and never booked twice.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from innkeeper.booking import imported
from innkeeper.booking import services as engine
from innkeeper.booking.errors import NoAvailability
from innkeeper.booking.models import Booking
from innkeeper.booking.states import ACTIVE, TRANSITIONS, Status
from innkeeper.booking.stays import NIGHTLY, Stay
from innkeeper.core.activity import Actor
from innkeeper.core.errors import Conflict
from innkeeper.journey.steps import STEPS
from innkeeper.locks import services as keys
from innkeeper.pms import services as sync
from innkeeper.pms.adapters.base import ExternalStatus, PmsError, PmsReservation
from innkeeper.pms.models import ExternalReservation, Problem, SyncState

OURS = {ExternalStatus.BOOKED: Status.CONFIRMED, ExternalStatus.IN_HOUSE: Status.CHECKED_IN,
        ExternalStatus.CHECKED_OUT: Status.CHECKED_OUT, ExternalStatus.NO_SHOW: Status.NO_SHOW}
# How a stay here follows its PMS status, one transition at a time (the status machine allows no jumps).
PATHS = {
    Status.CHECKED_IN: {Status.CONFIRMED: [Status.CHECKED_IN], Status.CHECKIN_COMPLETED: [Status.CHECKED_IN]},
    Status.CHECKED_OUT: {Status.CONFIRMED: [Status.CHECKED_IN, Status.CHECKED_OUT],
                         Status.CHECKIN_COMPLETED: [Status.CHECKED_IN, Status.CHECKED_OUT],
                         Status.CHECKED_IN: [Status.CHECKED_OUT]},
    Status.NO_SHOW: {Status.CONFIRMED: [Status.NO_SHOW], Status.CHECKIN_COMPLETED: [Status.NO_SHOW]},
}


class PmsSteps:
    """The journey's steps for one PMS account's stays, with the steps the hotel turned off left out."""

    def __init__(self, state: SyncState):
        self.state = state

    def __eq__(self, other):  # one account's steps are the same steps: a page's confirmations go together
        return isinstance(other, PmsSteps) and other.state.pk == self.state.pk

    def __hash__(self):
        return hash(("PmsSteps", self.state.pk))

    def confirmed(self, booking: Booking, now: datetime) -> None:
        if self.state.send_confirmation:
            STEPS.confirmed(booking, now)

    def confirmed_many(self, bookings: list[Booking], now: datetime) -> None:
        if self.state.send_confirmation:
            STEPS.confirmed_many(bookings, now)

    def status_changed(self, booking: Booking, before: str, now: datetime) -> None:
        if self.state.send_confirmation:
            STEPS.status_changed(booking, before, now)  # keys end with the stay; a cancellation is news
        else:
            keys.keys_on_booking_status(booking=booking, now=now)
        if booking.status == Status.CHECKED_IN and self.state.issue_keys:
            keys.keys_issue_for(booking=booking, now=now)  # arrived at the PMS's desk: the door opens for them

    def changed(self, booking: Booking, now: datetime) -> None:
        STEPS.changed(booking, now)  # a key already made follows the stay; messages go at the new times


def _actor(state: SyncState) -> Actor:
    return Actor.pms(state.account.provider)


def _stay(hotel, res: PmsReservation) -> Stay | None:
    if res.check_in is None or res.check_out is None or res.check_out <= res.check_in:
        return None
    tz = hotel.tz
    start = res.start or datetime.combine(res.check_in, hotel.check_in_time, tzinfo=tz)
    end = res.end or datetime.combine(res.check_out, hotel.check_out_time, tzinfo=tz)
    if start >= end:
        return None
    return Stay(NIGHTLY, start.astimezone(UTC), end.astimezone(UTC), res.check_in, res.check_out, None)


def _guest(hotel, res: PmsReservation) -> imported.ImportedGuest:
    g = res.guest
    name = " ".join((g.name or "").split()) or _("Guest")
    return imported.ImportedGuest(name=name, email=(g.email or "").strip(), phone=(g.phone or "").strip())


def _locale(hotel, res: PmsReservation) -> str:
    offered = hotel.locales or [hotel.default_locale]
    code = (res.guest.locale or "").lower()[:8]
    return code if code in offered else hotel.default_locale


def _flag(row: ExternalReservation, problem: str, detail: str = "") -> str:
    row.problem, row.problem_detail = problem, detail[:300]
    return "problem"


def _refused(row: ExternalReservation, exc: imported.Overlap) -> None:
    """A new stay the database refused when its page was written: kept aside, as one refused at once."""
    row.booking = None
    _flag(row, Problem.OVERLAP, ", ".join(exc.references))


def _walk(booking: Booking, target: str, *, state, now) -> bool:
    steps = PmsSteps(state)
    path = PATHS.get(target, {}).get(booking.status, [])
    for to in path:
        booking = engine.booking_transition(booking=booking, to=to, actor=_actor(state),
                                            reason="changed in the PMS", now=now, then=steps)
    return bool(path)


def _cancel(booking: Booking | None, *, state, now) -> bool:
    if booking is None or booking.status not in ACTIVE or Status.CANCELLED not in TRANSITIONS[booking.status]:
        return False
    engine.booking_cancel(booking=booking, actor=_actor(state), reason="cancelled in the PMS", now=now,
                          then=PmsSteps(state))
    return True


def reservation_apply(state: SyncState, row: ExternalReservation, res: PmsReservation | None, mapper, now: datetime,
                      busy: imported.Occupancy | None = None) -> str:
    """One reservation as the PMS has it now (None: the PMS no longer has it) onto its stay here.

    A new stay in a room the page has read is written when the page flushes (``PmsApply.finish``); if the
    database refuses it then, the reservation is kept aside as an overlap, as it is when refused at once."""
    hotel, booking = state.hotel, row.booking
    if booking is not None and isinstance(busy, imported.ImportPage):
        busy.flush()  # a stay this page made: written before it changes
    if res is None or res.status in (ExternalStatus.CANCELLED, ExternalStatus.TENTATIVE):
        row.problem, row.problem_detail = "", ""
        if res is None:
            row.status = ExternalStatus.CANCELLED
        if not _cancel(booking, state=state, now=now):
            return "unchanged"
        if busy is not None:
            busy.drop(booking.pk)
        return "cancelled"
    stay = _stay(hotel, res)
    if stay is None:
        return _flag(row, Problem.MISSING_DATES)
    room, room_type, problem = mapper.place(res)
    if problem:
        label = (res.room.number if problem == Problem.UNMATCHED_ROOM and res.room
                 else res.room_type.name if res.room_type else "")
        return _flag(row, problem, label)
    target = OURS[res.status]
    try:
        if booking is None:
            row.booking = imported.booking_import(
                hotel=hotel, room=room, room_type=room_type, stay=stay, status=target, guest=_guest(hotel, res),
                guests=res.guests, locale=_locale(hotel, res), total=res.total, currency=res.currency,
                actor=_actor(state), now=now, then=PmsSteps(state), busy=busy,
                refused=lambda exc: _refused(row, exc))
            row.problem, row.problem_detail = "", ""
            return "created"
        before = (booking.start, booking.end, booking.room_id, booking.status)
        booking = imported.booking_import_change(
            booking=booking, room=room, stay=stay, guest=_guest(hotel, res), guests=res.guests, total=res.total,
            actor=_actor(state), now=now, then=PmsSteps(state), busy=busy)
        _walk(booking, target, state=state, now=now)
        booking.refresh_from_db(fields=["start", "end", "room", "status"])
        row.booking, row.problem, row.problem_detail = booking, "", ""
        return "updated" if (booking.start, booking.end, booking.room_id, booking.status) != before else "unchanged"
    except imported.Overlap as exc:
        return _flag(row, Problem.OVERLAP, ", ".join(exc.references))
    except NoAvailability:
        return _flag(row, Problem.OVERLAP)
    except Conflict as exc:
        return _flag(row, Problem.REFUSED, str(exc))


class PmsApply:
    """What the sync calls (innkeeper.pms.services.Apply)."""

    def prepare(self, *, hotel, now: datetime, reservations) -> imported.ImportPage:
        days = [d for r in reservations for d in (r.check_in, r.check_out) if d is not None]
        moments = [m for r in reservations for m in (r.start, r.end) if m is not None]
        tz = hotel.tz
        first = min(([datetime.combine(min(days), time.min, tzinfo=tz)] if days else []) + moments, default=now)
        last = max(([datetime.combine(max(days), time.min, tzinfo=tz)] if days else []) + moments, default=now)
        # A day either side: arrival and departure times, turnover and late check-out stay inside it.
        return imported.imports_prepare(hotel=hotel, now=now, start=first - timedelta(days=2),
                                        until=last + timedelta(days=3))

    reservation = staticmethod(reservation_apply)

    def finish(self, page: imported.ImportPage) -> None:
        page.flush()


APPLY = PmsApply()


# -- entry points: the worker, the commands, the panel's "Sync now" -----------------------------------

def pms_sync(*, account, now: datetime | None = None, page_size: int = sync.PAGE) -> SyncState | None:
    return sync.sync_run(account=account, apply=APPLY, now=now, page_size=page_size)


def pms_event_process(*, event_id: int, now: datetime | None = None) -> str:
    """A stored webhook event: the PMS asked again for what it names, and that applied. Once per event."""
    now = now or timezone.now()
    event = sync.event_claim(event_id, now)
    if event is None:
        return "done already"
    account = event.account
    try:
        if event.reservation_id:
            outcome = sync.reservation_refresh(account=account, external_id=event.reservation_id, apply=APPLY,
                                               now=now)
        else:
            outcomes = sync.booking_refresh(account=account, booking_ref=event.booking_ref, apply=APPLY, now=now)
            if outcomes is None:  # this PMS reads reservations one by one: those known here, else what changed
                ids = sync.reservation_ids_for_ref(account=account, booking_ref=event.booking_ref)
                outcomes = [sync.reservation_refresh(account=account, external_id=i, apply=APPLY, now=now)
                            for i in ids]
                if not ids:
                    pms_sync(account=account, now=now)  # a booking we do not know yet: read what changed
            outcome = ", ".join(outcomes) or "synced"
    except PmsError as exc:
        sync.event_done(event, exc.message, again=exc.retryable)
        return exc.message
    sync.event_done(event, outcome)
    return outcome
