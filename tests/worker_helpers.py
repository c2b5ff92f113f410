"""A Celery worker's turn inside a test: the tasks that requests queued, taken off the tests' in-memory broker
(conftest: no worker reads it) and run here by the worker's own code.

The ``worker`` fixture empties the queue first (tasks left by earlier tests). ``worker.run(*names)`` is what
would happen next in a real install: the request's transaction commits (so its after-commit doorbells
ring; in a test they wait inside the test's transaction), then a worker takes every queued task and runs
those named, dropping the others. It returns the names of the tasks it ran, in order.
"""

from __future__ import annotations

import pytest
from django.db import connection


class Worker:
    def __init__(self):
        from innkeeper import celery_app

        self.app = celery_app

    def _taken(self) -> list[tuple[str, list, dict]]:
        """Every task on the queue, taken off it: (name, args, kwargs)."""
        found = []
        with self.app.connection_for_read() as conn:
            queue = conn.SimpleQueue(self.app.conf.task_default_queue)
            try:
                while True:
                    try:
                        message = queue.get(block=False)
                    except queue.Empty:
                        break
                    args, kwargs, _embed = message.decode()
                    found.append((message.headers["task"], args, kwargs))
                    message.ack()
            finally:
                queue.close()
        return found

    def purge(self) -> None:
        self._taken()

    def commit(self) -> None:
        """What a commit of the request's transaction would run: its after-commit callbacks."""
        if connection.in_atomic_block:
            pending = list(connection.run_on_commit)
            del connection.run_on_commit[:]
            for _savepoints, callback, _robust in pending:
                callback()

    def run(self, *names: str) -> list[str]:
        self.commit()
        ran = []
        for name, args, kwargs in self._taken():
            if name in names:
                self.app.tasks[name](*args, **kwargs)
                ran.append(name)
        return ran


@pytest.fixture
def worker():
    w = Worker()
    w.purge()
    yield w
    w.purge()
