"""Checks that a person asks for in the panel and a worker runs: a "Test connection", a domain's DNS check,
a lock list read from the lock cloud.

No provider call runs inside a request (ARCHITECTURE.md, "One outbox"). The request writes when the check
was asked for and queues a task after commit; the worker writes what it found and when; the page says
"checking" in between. A check still unfinished STALE_AFTER after it was asked for lost its task (a broker
that was down, a worker that died): the page stops waiting, and asking again queues a new task.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=2)

NEVER, CHECKING, LOST, DONE = "never", "checking", "lost", "done"


def state(*, requested_at: datetime | None, done_at: datetime | None, now: datetime | None = None) -> str:
    """NEVER (not asked for, nothing found yet), CHECKING (asked for, a worker is on it), LOST (asked for
    STALE_AFTER ago and never done) or DONE (``done_at`` holds the last outcome)."""
    if requested_at is not None and (done_at is None or done_at < requested_at):
        return CHECKING if (now or timezone.now()) - requested_at < STALE_AFTER else LOST
    return DONE if done_at is not None else NEVER


def ring(task, *args) -> None:
    """Queue ``task`` with ``args`` once the current transaction commits (at once outside one). A broker that
    is down is logged, not raised: the page stops waiting after STALE_AFTER and the person may ask again."""

    def send():
        try:
            task.apply_async(args)
        except Exception as exc:  # noqa: BLE001 - any transport's error: the check is asked for again later
            log.warning("could not queue %s%r (%s)", task.name, args, exc)

    transaction.on_commit(send)
