"""The one outbox: every call to a provider (a guest message, a PIN on a lock) is a row first.

A domain app registers its row model as a *kind* (``register`` in its ``AppConfig.ready()``) with the
functions that do its work at the provider; this module does the rest, the same way for every kind:

- **claim**: due rows of one kind, a batch at a time, with ``select_for_update(skip_locked=True)`` in a
  short transaction, so two workers never take the same row and never wait for each other;
- **lease**: a claimed row is in flight until its lease runs out; then the sweeper takes it back;
- **backoff**: one exponential backoff with full jitter in [½, 1]×, capped, or the provider's Retry-After;
- **dead-letter** after the last attempt (the kind says what its dead state is);
- **doorbell**: Celery only, in every mode. After commit a task gets the row ids; a broker that is down
  loses nothing, since the sweeper rings again for every due row;
- **staff retry**: a failed row back to due, from a fresh attempt count.

No provider call runs inside a web request: pages and the API write rows and return.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

log = logging.getLogger(__name__)

BATCH = 50  # rows one worker claims in one query


@dataclass(frozen=True)
class Policy:
    max_attempts: int
    backoff_base_seconds: float
    backoff_max_seconds: float
    lease_seconds: float
    # How long a due row waits before the sweeper rings for it (its own task is probably on the way).
    sweep_grace_seconds: float = 0


@dataclass(frozen=True)
class Kind:
    """One kind of outbox row and what its domain app does with it.

    ``claimed``: the fields a claim sets besides ``attempts`` (e.g. SENDING and ``claimed_at``);
    ``deliver``: the provider calls and outcomes for a claimed batch, run outside any transaction;
    ``give_up``: dead-letter rows due again after their last attempt (their worker died each time), inside
    the claim's transaction; ``take_back``: rows whose lease ran out made due again (ids), for the sweeper;
    ``policy``: attempts, backoff and lease, read when used (settings may change in tests).
    """

    name: str
    model: type
    due_statuses: tuple[str, ...]
    claimed: Callable[[datetime, Policy], dict]
    deliver: Callable[[list, datetime], None]
    give_up: Callable[[list, datetime], None]
    policy: Callable[[], Policy]
    take_back: Callable[[datetime, Policy], list[int]] = field(default=lambda now, policy: [])
    select_related: tuple[str, ...] = ()


_KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> None:
    _KINDS[kind.name] = kind


def kind(name: str) -> Kind:
    return _KINDS[name]


def kinds() -> list[str]:
    return sorted(_KINDS)


# -- backoff ---------------------------------------------------------------------------------------

def backoff(attempt: int, policy: Policy, *, retry_after: float | None = None, rng=random) -> float:
    """Seconds before attempt ``attempt + 1``: exponential with full jitter in [½, 1]×, or the provider's wish
    (Retry-After), both capped."""
    cap = policy.backoff_max_seconds
    if retry_after is not None:
        return min(max(retry_after, 1.0), cap)
    base = min(policy.backoff_base_seconds * 2 ** (attempt - 1), cap)
    return base * rng.uniform(0.5, 1.0)


def next_try(attempts: int, policy: Policy, *, retry_after: float | None = None) -> float | None:
    """Seconds until the next attempt after ``attempts`` failed ones; None when that was the last (dead-letter)."""
    if attempts >= policy.max_attempts:
        return None
    return backoff(attempts, policy, retry_after=retry_after)


# -- claim and deliver -----------------------------------------------------------------------------

def claim(name: str, ids: Iterable[int] | None = None, *, now: datetime | None = None,
          limit: int = BATCH, others: bool = False) -> list:
    """Claim up to ``limit`` due rows of kind ``name`` in one query: those of ``ids`` (and, with ``others``,
    any other due rows to fill the batch), skipping rows another worker holds."""
    k, now = _KINDS[name], now or timezone.now()
    policy = k.policy()
    due = Q(status__in=k.due_statuses, next_attempt_at__lte=now)
    wanted = Q(pk__in=list(ids)) if ids is not None else Q()
    if others and ids is not None:
        wanted = Q()
    with transaction.atomic():
        # Lock only the outbox rows: a join would lock their hotel too, and skip_locked would then skip
        # every other row of that hotel while one is being claimed.
        rows = list(k.model.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related(*k.select_related).filter(due & wanted)
                    .order_by("next_attempt_at", "pk")[:limit])
        if not rows:
            return []
        spent = [row for row in rows if row.attempts >= policy.max_attempts]
        if spent:
            k.give_up(spent, now)
        rows = [row for row in rows if row.attempts < policy.max_attempts]
        values = k.claimed(now, policy)
        if rows:
            k.model.objects.filter(pk__in=[row.pk for row in rows]).update(
                attempts=F("attempts") + 1, updated_at=now, **values)
        for row in rows:
            row.attempts += 1
            for attr, value in values.items():
                setattr(row, attr, value)
        return rows


def process(name: str, ids: Iterable[int] | None = None, *, now: datetime | None = None,
            limit: int = BATCH, others: bool = True) -> list:
    """A worker's turn: claim a batch (the rows rung for, then any other due rows of the kind) and deliver it."""
    rows = claim(name, ids, now=now, limit=limit, others=others)
    if rows:
        _KINDS[name].deliver(rows, now or timezone.now())
    return rows


# -- the doorbell ----------------------------------------------------------------------------------

def ring(name: str, ids: list[int], *, countdown: float | None = None) -> bool:
    """Queue a task for these rows. A broker that is down loses nothing: the sweeper rings again."""
    from innkeeper.core.tasks import outbox_process

    try:
        outbox_process.apply_async((name, list(ids)), countdown=countdown)
        return True
    except Exception as exc:  # noqa: BLE001 - any transport's error: the rows stay due
        log.warning("outbox %s %s: could not queue a task (%s); the sweeper will", name, ids, exc)
        return False


def ring_on_commit(name: str, pk: int, *, countdown: float | None = None) -> None:
    transaction.on_commit(lambda: ring(name, [pk], countdown=countdown))


def ring_many_on_commit(name: str, pks: list[int]) -> None:
    """After commit, one task per worker's batch of these rows (many rows written in one transaction)."""
    pks = list(pks)

    def ring_all():
        for start in range(0, len(pks), BATCH):
            ring(name, pks[start:start + BATCH])

    if pks:
        transaction.on_commit(ring_all)


def sweep(name: str, *, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Take back rows whose lease ran out and ring for every row overdue by the kind's grace.

    Cross-hotel by design: the sweeper reads every hotel's outbox."""
    k, now = _KINDS[name], now or timezone.now()
    policy = k.policy()
    requeued = k.take_back(now, policy)
    overdue = now - timedelta(seconds=policy.sweep_grace_seconds)
    due = requeued + list(k.model.objects.filter(status__in=k.due_statuses, next_attempt_at__lte=overdue)
                          .exclude(pk__in=requeued).order_by("next_attempt_at")
                          .values_list("pk", flat=True)[:limit])
    for start in range(0, len(due), BATCH):
        ring(name, due[start:start + BATCH])
    return due


# -- staff retry -----------------------------------------------------------------------------------

def requeue(name: str, pk: int, *, status: str, now: datetime | None = None, **fields) -> None:
    """Make a row due again from a fresh attempt count (in the caller's transaction) and ring after commit."""
    k, now = _KINDS[name], now or timezone.now()
    k.model.objects.filter(pk=pk).update(status=status, attempts=0, next_attempt_at=now, updated_at=now, **fields)
    ring_on_commit(name, pk)
