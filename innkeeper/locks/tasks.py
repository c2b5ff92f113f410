"""Celery tasks: doorbells that call the services (the rows are the truth)."""

from celery import shared_task

from innkeeper.locks import services


@shared_task(name="locks.key_process", acks_late=True, ignore_result=True)
def key_process_task(key_id: int) -> None:
    services.key_process(key_id=key_id)


@shared_task(name="locks.keys_sweep", ignore_result=True)
def keys_sweep_task() -> None:
    for key_id in services.keys_due(now=services.timezone.now()):
        key_process_task.delay(key_id)
