"""Running a short write transaction that may meet contention."""

from __future__ import annotations

import random
import time

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.utils.translation import gettext as _

from innkeeper.core.errors import Busy

# deadlock_detected, serialization_failure, lock_not_available (lock_timeout)
RETRYABLE_SQLSTATES = {"40P01", "40001", "55P03"}


def _retryable(exc: OperationalError) -> bool:
    state = getattr(exc.__cause__, "sqlstate", None)
    if state in RETRYABLE_SQLSTATES:
        return True
    return "database is locked" in str(exc)  # SQLite busy timeout


def unavailable(exc: BaseException | None) -> bool:
    """Whether ``exc`` is the database refusing or failing a new connection ("too many clients already",
    "too many connections for role", refused, starting up, timed out): nothing was done, and the same
    request may succeed a moment later.

    psycopg raises these before the server sends an SQLSTATE, so only its own (untranslated) prefix tells
    them from an error inside a statement.
    """
    if not isinstance(exc, OperationalError):
        return False
    return str(exc.__cause__ or exc).startswith(("connection failed:", "connection timeout expired"))


def write(fn, *, attempts: int = 3):
    """Run ``fn`` in a transaction; retry it on deadlock or lock timeout, then raise Busy.

    Inside an outer transaction it runs once (a savepoint cannot be retried alone).
    """
    conn = transaction.get_connection()
    nested = conn.in_atomic_block
    for attempt in range(1, attempts + 1):
        try:
            with transaction.atomic():
                if conn.vendor == "postgresql" and not _session_has_lock_timeout(conn):
                    with conn.cursor() as cursor:
                        cursor.execute("SET LOCAL lock_timeout = %s",
                                       [f"{settings.INNKEEPER_BOOKING_LOCK_TIMEOUT_MS}ms"])
                return fn()
        except OperationalError as exc:
            if not _retryable(exc):
                raise
            if nested or attempt == attempts:
                raise Busy(_("The hotel is very busy right now. Please try again in a moment.")) from exc
            time.sleep(random.uniform(0.01, 0.05) * attempt)  # noqa: S311  (jitter)
    raise AssertionError("unreachable")


def _session_has_lock_timeout(conn) -> bool:
    """Whether the connection was opened with the lock_timeout write() wants (settings give every PostgreSQL
    session LOCK_TIMEOUT_MS when it opens), so that a write spends no statement on it."""
    options = conn.settings_dict.get("OPTIONS", {}).get("options", "").split()
    return f"lock_timeout={settings.INNKEEPER_BOOKING_LOCK_TIMEOUT_MS}" in options


def is_violation(exc: IntegrityError, *, constraint: str, sqlite_message: str) -> bool:
    """Whether ``exc`` came from one named database guard, not from any other constraint.

    PostgreSQL names the violated constraint in the error's diagnostics; a SQLite trigger can only
    say so in the message it aborts with.
    """
    diag = getattr(exc.__cause__, "diag", None)
    if diag is not None:  # psycopg
        return diag.constraint_name == constraint
    return sqlite_message in str(exc)
