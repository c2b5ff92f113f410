"""Work the outbox here as a Celery worker would: the task body of ``core.outbox_process``, run in the test.

Celery is the only doorbell: after commit a task is queued (on the tests' in-memory broker, which no
worker reads), so a test that wants a row done runs the worker's part itself."""

from innkeeper.core import outbox
from innkeeper.core.tasks import outbox_process


def work_outbox(*kinds: str) -> int:
    """Deliver every due row of ``kinds`` (all kinds when none given), batch after batch; the rows done."""
    done = 0
    for kind in kinds or outbox.kinds():
        while batch := outbox_process(kind, []):
            done += batch
    return done
