"""Messages as the outbox's kind ``message``: its policy from the messaging settings, the claim and the doorbell."""

from __future__ import annotations

import random
from datetime import datetime

from django.conf import settings

from innkeeper.core import outbox as core_outbox
from innkeeper.messaging.models import Message, MessageStatus

S = MessageStatus
KIND = "message"  # the outbox kind of Message rows


def _cfg(name):
    return settings.INNKEEPER_MESSAGING[name]


def outbox_policy() -> core_outbox.Policy:
    return core_outbox.Policy(max_attempts=_cfg("max_attempts"), backoff_base_seconds=_cfg("backoff_base_seconds"),
                              backoff_max_seconds=_cfg("backoff_max_seconds"),
                              lease_seconds=_cfg("sending_lease_seconds"),
                              # a row due only a moment ago probably has its task on the way
                              sweep_grace_seconds=_cfg("sweep_every_seconds"))


def _claim(message_id: int, now: datetime) -> Message | None:
    rows = core_outbox.claim(KIND, [message_id], now=now, limit=1)
    return rows[0] if rows else None


def backoff(attempt: int, *, retry_after: float | None = None, rng=random) -> float:
    """Seconds before attempt ``attempt + 1``: the outbox's one backoff with the messaging settings."""
    return core_outbox.backoff(attempt, outbox_policy(), retry_after=retry_after, rng=rng)


def _dispatch_on_commit(message_id: int) -> None:
    core_outbox.ring_on_commit(KIND, message_id)


def _dispatch_many_on_commit(message_ids: list[int]) -> None:
    core_outbox.ring_many_on_commit(KIND, message_ids)


def dispatch(message_id: int, *, countdown: float | None = None) -> bool:
    """Ring the doorbell: queue a delivery task. A broker that is down loses nothing: the sweeper rings again."""
    return core_outbox.ring(KIND, [message_id], countdown=countdown)
