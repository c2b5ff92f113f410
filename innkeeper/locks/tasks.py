"""Celery tasks: doorbells that call the services (the rows are the truth).

New rows ring ``core.outbox_process``; ``key_process_task`` stays for tasks queued before it."""

from celery import shared_task
from django_scopes import scopes_disabled

from innkeeper.core import outbox
from innkeeper.locks import binding, services


@shared_task(name="locks.key_process", acks_late=True, ignore_result=True)
def key_process_task(key_id: int) -> None:
    services.key_process(key_id=key_id)


@shared_task(name="locks.keys_sweep", ignore_result=True)
def keys_sweep_task() -> None:
    with scopes_disabled():  # the sweeper reads every hotel's keys
        outbox.sweep(services.KIND)


@shared_task(name="locks.lock_list_refresh", ignore_result=True)
def lock_list_refresh_task(hotel_id: int) -> None:
    """Read the lock list of the hotel's lock account (asked for by locks.binding.lock_list_request)."""
    binding.lock_list_refresh(hotel_id=hotel_id)
