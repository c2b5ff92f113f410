"""One call to record what a person changed: who, what, when, the values before and after."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from django.db.models import Model
from django.utils import timezone

from innkeeper.core.models import AuditEntry


def _plain(value):
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def snapshot(obj: Model, fields) -> dict:
    return {name: _plain(getattr(obj, name)) for name in sorted(fields)}


def record(*, hotel, actor, action: str, obj: Model, before: dict | None = None, after: dict | None = None,
           keep=(), now: datetime | None = None) -> AuditEntry | None:
    """Write an audit row when a person did it (``actor`` is a user); system changes are not audited here.

    An update keeps only the values that changed, and the ``keep`` ones that say what the row is."""
    if actor is None:
        return None
    before, after = _plain(before or {}), _plain(after or {})
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k) or k in keep)
    if before and after:  # an update: keep only what changed
        before, after = {k: before.get(k) for k in changed}, {k: after.get(k) for k in changed}
    return AuditEntry.objects.create(
        hotel=hotel, actor=actor, actor_label=actor.email, action=action, object_type=obj._meta.label,
        object_id=str(obj.pk), before=before, after=after, at=now or timezone.now())
