"""Running a short write transaction that may meet contention."""

from __future__ import annotations

import random
import time

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.db.models.fields import AutoFieldMixin
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


_CONVERTERS: dict = {}


def instance(connection, model, values):
    """An instance of ``model`` from the raw values of its concrete columns, in their order, converted as the
    ORM converts them (the backend's and the fields' converters: SQLite's decimals and booleans, JSON): for
    the few hot statements written out in SQL (see ``select``)."""
    key = (connection.vendor, model)
    converters = _CONVERTERS.get(key)
    if converters is None:
        converters = []
        for field in model._meta.concrete_fields:
            expression = field.get_col(model._meta.db_table)
            converters.append((field.attname, expression, connection.ops.get_db_converters(expression)
                               + field.get_db_converters(connection)))
        _CONVERTERS[key] = converters
    converted = []
    for value, (_name, expression, convert_all) in zip(values, converters, strict=True):
        for convert in convert_all:
            value = convert(value, expression, connection)
        converted.append(value)
    return model.from_db(connection.alias, None, converted)  # as a queryset makes it (positional, every column)


def select(model, where: str, params, *, suffix: str = "") -> list:
    """The ``model`` rows (table alias ``t``) that ``where`` picks, as instances, with no ORM query built: for
    a lookup that every request makes, where composing the query cost more than running it. ``where`` and
    ``suffix`` are SQL over t's columns with %s parameters; the default manager's scoping is not applied,
    so the caller's ``where`` must name the tenant."""
    from django.db import connections

    connection = connections[model._default_manager.db]
    quote = connection.ops.quote_name
    columns = ", ".join(f"t.{quote(f.column)}" for f in model._meta.concrete_fields)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {quote(model._meta.db_table)} t WHERE {where}{suffix}",  # noqa: S608
                       params)
        return [instance(connection, model, row) for row in cursor.fetchall()]


def insert(objs: list) -> None:
    """INSERT ``objs`` (new instances of one model) in one statement and set their primary keys: what
    ``bulk_create`` does, without building its query. For the rows every booking writes (the booking, its
    activity entry, its message rows), where composing the INSERT cost more than running it.

    Each field prepares its value as on save (``pre_save``: the creation time; ``get_db_prep_save``:
    encryption, JSON); no signals are sent, as with bulk_create. A refused row raises IntegrityError."""
    if not objs:
        return
    from django.db import connections

    model = type(objs[0])
    connection = connections[model._default_manager.db]
    if not connection.features.can_return_rows_from_bulk_insert:  # SQLite before 3.35: no RETURNING
        for obj in objs:  # one INSERT each, which does give each its id
            obj.save(force_insert=True, using=connection.alias)
        return
    quote = connection.ops.quote_name
    pk = model._meta.pk
    fields = [f for f in model._meta.concrete_fields if f is not pk]
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    params = []
    for obj in objs:
        params += [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    sql = (f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)})"  # noqa: S608
           f" VALUES {', '.join([row_sql] * len(objs))} RETURNING {quote(pk.column)}")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [row[0] for row in cursor.fetchall()]
    if isinstance(pk, AutoFieldMixin):  # numbered in the order of the rows; SQLite may return them in any order
        ids.sort()
    for obj, new_id in zip(objs, ids, strict=True):
        setattr(obj, pk.attname, new_id)
        obj._state.adding, obj._state.db = False, connection.alias


def is_violation(exc: IntegrityError, *, constraint: str, sqlite_message: str) -> bool:
    """Whether ``exc`` came from one named database guard, not from any other constraint.

    PostgreSQL names the violated constraint in the error's diagnostics; a SQLite trigger can only
    say so in the message it aborts with.
    """
    diag = getattr(exc.__cause__, "diag", None)
    if diag is not None:  # psycopg
        return diag.constraint_name == constraint
    return sqlite_message in str(exc)
