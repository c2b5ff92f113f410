"""Celery tasks of the one outbox: the doorbell rings with row ids; the rows hold the truth."""

from celery import shared_task
from django_scopes import scopes_disabled

from innkeeper.core import outbox


@shared_task(name="core.outbox_process", acks_late=True, ignore_result=True)
def outbox_process(kind: str, ids: list[int]) -> int:
    with scopes_disabled():  # a worker serves every hotel's rows
        return len(outbox.process(kind, ids))


@shared_task(name="core.outbox_sweep", ignore_result=True)
def outbox_sweep(kind: str) -> int:
    with scopes_disabled():  # the sweeper reads every hotel's outbox
        return len(outbox.sweep(kind))
