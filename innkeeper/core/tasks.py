"""Celery tasks of the one outbox (the doorbell rings with row ids; the rows hold the truth) and of the
panel's "Test connection"."""

from celery import shared_task
from django.utils import translation
from django_scopes import scopes_disabled

from innkeeper.core import integrations, outbox


@shared_task(name="core.outbox_process", acks_late=True, ignore_result=True)
def outbox_process(kind: str, ids: list[int]) -> int:
    with scopes_disabled():  # a worker serves every hotel's rows
        return len(outbox.process(kind, ids))


@shared_task(name="core.outbox_sweep", ignore_result=True)
def outbox_sweep(kind: str) -> int:
    with scopes_disabled():  # the sweeper reads every hotel's outbox
        return len(outbox.sweep(kind))


@shared_task(name="core.connection_check", ignore_result=True)
def connection_check_task(check_id: int, language: str = "") -> None:
    """The panel's "Test connection": the provider's verify() here, never in the request that asked for it."""
    with translation.override(language or None):
        integrations.connection_check(check_id=check_id)
