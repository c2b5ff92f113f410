"""The PMS sync: read the hotel's PMS page by page and keep one ExternalReservation per PMS reservation.

What a reservation means here (a booking made, moved, cancelled, and what the guest is sent) is the journey's:
each run takes ``apply``, the journey's answer for one reservation, and calls it inside the page's
transaction. This module reads (only through the account's adapter), stores what it read, keeps the cursor
and the run's counts, and never cancels anything because a reservation is missing from what it read: only an
explicit CANCELLED, or ``reservation(id)`` answering None after a webhook named it, does.

A page is one transaction: its reservations, their bookings and the cursor after it are written together, so
a run that fails half-way resumes after the last page it finished.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Protocol

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from innkeeper.core import audit, integrations
from innkeeper.core import providers as registry
from innkeeper.core.models import IntegrationAccount
from innkeeper.pms.adapters.base import PmsAdapter, PmsError, PmsEvent, PmsReservation
from innkeeper.pms.mapping import Mapper, mappings_refresh
from innkeeper.pms.models import ExternalReservation, InboundEvent, SyncState

log = logging.getLogger(__name__)

PAGE = 500  # reservations asked for at once, and written in one transaction
WINDOW = (-1, 365)  # days around today the first sync reads
RETRY_PROBLEMS = 200  # reservations kept aside that each run asks the PMS for again

class Apply(Protocol):
    """The journey's answer to what the sync reads."""

    def prepare(self, *, hotel, now: datetime, reservations: list[PmsReservation]) -> object:
        """Before a page's reservations are applied, in its transaction; what it returns is handed to each
        ``reservation`` call of the page."""

    def reservation(self, state: SyncState, row: ExternalReservation, res: PmsReservation | None, mapper: Mapper,
                    now: datetime, page: object) -> str:
        """``res`` as the PMS has it now (None: gone) onto its stay here; sets ``row.booking`` and
        ``row.problem`` (the caller saves the row) and says what happened: "created", "updated", "cancelled",
        "unchanged" or "problem"."""

    def finish(self, page: object) -> None:
        """After a page's reservations, in its transaction, before their rows are saved: the writes the
        journey gathered for the page; a "created" one it could not place after all is flagged on its row
        (``row.problem``) and counted as a problem."""


def adapter_for(account: IntegrationAccount) -> PmsAdapter:
    try:
        cls = registry.get("pms", account.provider)
    except KeyError:
        raise PmsError("unknown_provider", _("This PMS is not known to this installation."), retryable=False) from None
    return cls.from_config(account.config or {}, hotel=account.hotel)


def state_for(account: IntegrationAccount) -> SyncState:
    with scopes_disabled():  # the account names its hotel
        state, _created = SyncState.objects.get_or_create(account=account, defaults={"hotel_id": account.hotel_id})
    state.account, state.hotel = account, account.hotel
    return state


def fingerprint(res: PmsReservation) -> str:
    """A digest of everything the PMS said of the reservation (its frozen dataclasses' repr)."""
    return hashlib.sha256(repr(res).encode()).hexdigest()[:32]


def summary(res: PmsReservation, mark: str = "") -> dict:
    """What staff may read of the reservation (no payment data): the PMS's words for it."""
    return {"pms_status": res.pms_status, "check_in": str(res.check_in or ""), "check_out": str(res.check_out or ""),
            "room": res.room.number if res.room else "", "room_type": res.room_type.name if res.room_type else "",
            "guest": res.guest.name, "guests": res.guests, "booking_ref": res.booking_ref,
            "total": str(res.total) if res.total is not None else "", "currency": res.currency,
            "fingerprint": mark or fingerprint(res)}


def _row_from(row: ExternalReservation, res: PmsReservation, now: datetime, mark: str) -> None:
    row.booking_ref, row.pms_status, row.status = res.booking_ref[:100], res.pms_status[:60], res.status
    row.check_in, row.check_out = res.check_in, res.check_out
    row.room_external_id = (res.room.external_id if res.room else "")[:100]
    row.room_type_external_id = (res.room_type.external_id if res.room_type else "")[:100]
    row.guest_name, row.updated = res.guest.name[:200], res.updated[:60]
    row.summary, row.last_seen = summary(res, mark), now


def apply_page(*, state: SyncState, mapper: Mapper, reservations: list[PmsReservation], apply: Apply,
               now: datetime, cursor: str | None = None, counts: Counter) -> None:
    """One page in one transaction: every reservation stored and applied, then the cursor after it."""
    account, hotel = state.account, state.hotel
    with transaction.atomic():
        page = apply.prepare(hotel=hotel, now=now, reservations=reservations)
        ids = [r.external_id[:100] for r in reservations]
        known = {row.external_id: row for row in ExternalReservation.objects.filter(
            hotel=hotel, account=account, external_id__in=ids).select_related("booking")}
        new, changed, outcomes = [], [], []
        for res in reservations:
            key = res.external_id[:100]
            row = known.get(key)
            mark = fingerprint(res)
            if row is not None and not row.problem and row.summary.get("fingerprint") == mark:
                counts["unchanged"] += 1
                continue
            if row is None:
                row = ExternalReservation(hotel=hotel, account=account, external_id=key, first_seen=now)
            _row_from(row, res, now, mark)
            outcomes.append((row, apply.reservation(state, row, res, mapper, now, page)))
            (new if row.pk is None else changed).append(row)
            known[key] = row
        apply.finish(page)
        for row, outcome in outcomes:
            counts["problem" if outcome == "created" and row.problem else outcome] += 1
        ExternalReservation.objects.bulk_create(new)
        if changed:
            ExternalReservation.objects.bulk_update(changed, [
                "booking", "booking_ref", "pms_status", "status", "check_in", "check_out", "room_external_id",
                "room_type_external_id", "guest_name", "summary", "problem", "problem_detail", "updated",
                "last_seen", "updated_at"])
        state.progress += len(reservations)
        fields = {"progress": state.progress}
        if cursor is not None:
            state.cursor = fields["cursor"] = cursor[:500]
        SyncState.objects.filter(pk=state.pk).update(**fields)


def _pages(items: Iterable[PmsReservation], size: int = PAGE):
    page = []
    for item in items:
        page.append(item)
        if len(page) >= size:
            yield page
            page = []
    if page:
        yield page


def sync_claim(state: SyncState, now: datetime) -> bool:
    """Mark a run started unless one is under way (a run older than the lease died with its worker)."""
    with transaction.atomic(), scopes_disabled():
        row = SyncState.objects.select_for_update().get(pk=state.pk)
        if row.running(now):
            return False
        SyncState.objects.filter(pk=state.pk).update(started_at=now, progress=0)
    state.started_at, state.progress = now, 0
    return True


def _finish(state: SyncState, counts: Counter, error: str, now: datetime) -> None:
    done = timezone.now()
    fields = {"finished_at": done, "last_counts": dict(counts), "last_error": error[:300], "requested_at": None}
    if not error:
        fields["last_good_at"] = done
    with scopes_disabled():
        SyncState.objects.filter(pk=state.pk).update(**fields)
        IntegrationAccount.objects.filter(pk=state.account_id).update(
            **({"last_ok_at": done, "last_error": ""} if not error else {"last_error": error[:300]}))
    for name, value in fields.items():
        setattr(state, name, value)


def sync_run(*, account: IntegrationAccount, apply: Apply, now: datetime | None = None,
             page_size: int = PAGE) -> SyncState | None:
    """One sync of ``account``: the first one reads the window around today, later ones what changed since
    the cursor, then the reservations kept aside are asked for again. None when a run is under way already.
    A PMS that fails leaves everything as it was and its error in words on the state and the account."""
    now = now or timezone.now()
    state = state_for(account)
    if not sync_claim(state, now):
        return None
    counts: Counter = Counter()
    error = ""
    try:
        with scopes_disabled():  # a worker's run for the account's hotel; every query names it
            adapter = adapter_for(account)
            mapper = mappings_refresh(account=account, rooms=adapter.rooms(), room_types=adapter.room_types())
            if not state.window_loaded:
                today = now.astimezone(account.hotel.tz).date()
                found = adapter.between(today + timedelta(days=WINDOW[0]), today + timedelta(days=WINDOW[1]))
                for page in _pages(found, page_size):
                    apply_page(state=state, mapper=mapper, reservations=page, apply=apply, now=now, counts=counts)
                SyncState.objects.filter(pk=state.pk).update(window_loaded=True)
                state.window_loaded = True
            else:
                cursor = state.cursor or None
                for _turn in range(10_000):
                    page = adapter.changed(cursor, limit=page_size)
                    apply_page(state=state, mapper=mapper, reservations=page.reservations, apply=apply, now=now,
                               cursor=page.cursor, counts=counts)
                    cursor = page.cursor or cursor
                    if not page.more or not page.reservations:
                        break
            _retry_problems(state=state, adapter=adapter, mapper=mapper, apply=apply, now=now, counts=counts)
    except PmsError as exc:
        error = exc.message or _("The PMS did not answer as expected.")
        log.warning("pms sync of account %s failed: %s", account.pk, exc)
    except Exception:
        counts["read"] = state.progress
        _finish(state, counts, _("The sync stopped on an error of ours; it is logged."), now)
        raise
    counts["read"] = state.progress
    _finish(state, counts, error, now)
    return state


def _retry_problems(*, state, adapter, mapper, apply, now, counts) -> None:
    """Reservations kept aside (no room mapped, overlap) asked for again: staff may have fixed the mapping,
    or the stay they met may be gone."""
    ids = list(ExternalReservation.objects.filter(account=state.account, last_seen__lt=now).exclude(problem="")
               .order_by("last_seen").values_list("external_id", flat=True)[:RETRY_PROBLEMS])
    fresh = [r for r in (adapter.reservation(i) for i in ids) if r is not None]
    for page in _pages(fresh):
        apply_page(state=state, mapper=mapper, reservations=page, apply=apply, now=now, counts=counts)


def reservation_refresh(*, account: IntegrationAccount, external_id: str, apply: Apply,
                        now: datetime | None = None) -> str:
    """Ask the PMS for one reservation and apply it; one the PMS no longer has is cancelled here."""
    now = now or timezone.now()
    state = state_for(account)
    with scopes_disabled():
        res = _ask(account, lambda adapter: adapter.reservation(external_id))
        mapper = Mapper(account)
        if res is not None:
            counts: Counter = Counter()
            apply_page(state=state, mapper=mapper, reservations=[res], apply=apply, now=now, counts=counts)
            return next(iter(counts))
        return _gone(state=state, external_id=external_id, apply=apply, mapper=mapper, now=now)


def booking_refresh(*, account: IntegrationAccount, booking_ref: str, apply: Apply,
                    now: datetime | None = None) -> list[str] | None:
    """Ask the PMS for every room of one booking and apply them; a room known here that the booking no longer
    has (or the whole booking, gone) is cancelled here. None when the PMS cannot read a booking by its
    reference (the caller reads what changed instead)."""
    now = now or timezone.now()
    state = state_for(account)
    with scopes_disabled():
        lines = _ask(account, lambda adapter: adapter.booking(booking_ref))
        if lines is None:
            return None
        mapper = Mapper(account)
        counts: Counter = Counter()
        if lines:
            apply_page(state=state, mapper=mapper, reservations=lines, apply=apply, now=now, counts=counts)
        outcomes = list(counts.elements())
        read = {line.external_id[:100] for line in lines}
        for external_id in reservation_ids_for_ref(account=account, booking_ref=booking_ref):
            if external_id not in read:
                outcomes.append(_gone(state=state, external_id=external_id, apply=apply, mapper=mapper, now=now))
        return outcomes


def _gone(*, state: SyncState, external_id: str, apply: Apply, mapper: Mapper, now: datetime) -> str:
    """A reservation the PMS no longer has: applied as gone (its stay here cancelled)."""
    account = state.account
    with transaction.atomic():
        row = ExternalReservation.objects.select_for_update(of=("self",)).filter(
            account=account, external_id=external_id[:100]).select_related("booking").first()
        if row is None:
            return "unknown"
        page = apply.prepare(hotel=account.hotel, now=now, reservations=[])
        outcome = apply.reservation(state, row, None, mapper, now, page)
        apply.finish(page)
        row.last_seen = now
        row.save()
        return outcome


def _ask(account: IntegrationAccount, question):
    """What ``question(adapter)`` reads from the account's PMS, the adapter's connections closed after."""
    adapter = adapter_for(account)
    try:
        return question(adapter)
    finally:
        close = getattr(adapter, "close", None)
        if close is not None:
            close()


# -- webhook events ------------------------------------------------------------------------------------

def event_store(*, account: IntegrationAccount, event: PmsEvent, now: datetime | None = None) -> InboundEvent | None:
    """Keep an inbound event once (in the caller's transaction); None when its id was stored before."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            return InboundEvent.objects.create(
                hotel_id=account.hotel_id, account=account, event_id=event.event_id[:200], kind=event.kind[:100],
                reservation_id=event.reservation_id[:100], booking_ref=event.booking_ref[:100], received_at=now)
    except IntegrityError:
        return None


def event_claim(event_id: int, now: datetime) -> InboundEvent | None:
    with transaction.atomic(), scopes_disabled():
        row = (InboundEvent.objects.select_for_update(skip_locked=True).select_related("account__hotel")
               .filter(pk=event_id, processed_at__isnull=True).first())
        if row is not None:
            InboundEvent.objects.filter(pk=row.pk).update(processed_at=now)
        return row


def event_done(event: InboundEvent, outcome: str, *, again: bool = False) -> None:
    """Record what the event came to; ``again``: the PMS failed in a way that may pass, the sweep retries it."""
    with scopes_disabled():
        InboundEvent.objects.filter(pk=event.pk).update(outcome=outcome[:300],
                                                        **({"processed_at": None} if again else {}))


def events_pending(*, older_than: timedelta = timedelta(minutes=2), now: datetime | None = None) -> list[int]:
    now = now or timezone.now()
    with scopes_disabled():
        return list(InboundEvent.objects.filter(processed_at__isnull=True, received_at__lte=now - older_than)
                    .values_list("pk", flat=True)[:500])


def reservation_ids_for_ref(*, account: IntegrationAccount, booking_ref: str) -> list[str]:
    with scopes_disabled():
        return list(ExternalReservation.objects.filter(account=account, booking_ref=booking_ref[:100])
                    .values_list("external_id", flat=True))


# -- the panel's settings ------------------------------------------------------------------------------

def steps_set(*, hotel, actor, account: IntegrationAccount, send_confirmation: bool, send_checkin: bool,
              issue_keys: bool) -> SyncState:
    state = state_for(account)
    before = {"send_confirmation": state.send_confirmation, "send_checkin": state.send_checkin,
              "issue_keys": state.issue_keys}
    after = {"send_confirmation": send_confirmation, "send_checkin": send_checkin, "issue_keys": issue_keys}
    with transaction.atomic():
        SyncState.objects.filter(pk=state.pk).update(**after)
        audit.record(hotel=hotel, actor=actor, action="pms.steps.set", obj=state, before=before, after=after)
    for name, value in after.items():
        setattr(state, name, value)
    return state


def sync_request(*, account: IntegrationAccount, now: datetime | None = None) -> bool:
    """"Sync now": noted on the state; the caller rings the worker after commit. False when one is under way."""
    now = now or timezone.now()
    state = state_for(account)
    if state.running(now):
        return False
    with scopes_disabled():
        SyncState.objects.filter(pk=state.pk).update(requested_at=now)
    return True


def accounts_to_sync() -> list[IntegrationAccount]:
    """Every active PMS account (the beat's run)."""
    with scopes_disabled():
        return list(IntegrationAccount.objects.filter(kind="pms", status=IntegrationAccount.ACTIVE)
                    .select_related("hotel"))


def account_connect(*, hotel, actor, provider: str, config: dict) -> IntegrationAccount:
    """Store the hotel's PMS account (its config checked by the adapter's class)."""
    account = integrations.account_save(hotel=hotel, actor=actor, kind="pms", provider=provider, config=config)
    state_for(account)
    return account


def problem_rows(*, hotel):
    return (ExternalReservation.objects.filter(hotel=hotel).exclude(problem="")
            .select_related("account").order_by("check_in", "external_id"))



def account_get(account_id: int) -> IntegrationAccount | None:
    """The active PMS account ``account_id`` (a worker's task names it)."""
    with scopes_disabled():
        return (IntegrationAccount.objects.filter(pk=account_id, kind="pms", status=IntegrationAccount.ACTIVE)
                .select_related("hotel").first())
