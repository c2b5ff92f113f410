"""One call to record what a person changed: who, what, when, the values before and after.

A thin wrapper over the activity log (``innkeeper.core.activity.record``), kept for its many callers."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Model

from innkeeper.core import activity
from innkeeper.core.models import ActivityLog

_plain = activity._plain


def snapshot(obj: Model, fields) -> dict:
    return {name: _plain(getattr(obj, name)) for name in sorted(fields)}


def record(*, hotel, actor, action: str, obj: Model, before: dict | None = None, after: dict | None = None,
           keep=(), now: datetime | None = None) -> ActivityLog | None:
    """Write an activity entry when a person did it (``actor`` is a user); system changes are not audited
    here.

    An update keeps only the values that changed, and the ``keep`` ones that say what the row is."""
    if actor is None:
        return None
    before, after = _plain(before or {}), _plain(after or {})
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k) or k in keep)
    if before and after:  # an update: keep only what changed
        before, after = {k: before.get(k) for k in changed}, {k: after.get(k) for k in changed}
    return activity.record(hotel=hotel, subject=obj, verb=action, actor=activity.Actor.staff(actor),
                           data={"before": before, "after": after}, at=now)
