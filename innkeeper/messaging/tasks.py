"""Celery tasks: thin doorbells that move outbox rows forward (the rows hold the truth).

New rows ring ``core.outbox_process``; ``message_send`` stays for tasks queued before it."""

from celery import shared_task
from django_scopes import scopes_disabled

from innkeeper.messaging import services


@shared_task(name="innkeeper.messaging.tasks.message_send", acks_late=True)
def message_send(message_id: int) -> str:
    with scopes_disabled():  # the task serves one message of whichever hotel it belongs to
        row = services.message_deliver(message_id)
    return row.status if row else "not due"


@shared_task(name="innkeeper.messaging.tasks.messages_sweep")
def messages_sweep() -> int:
    with scopes_disabled():  # the sweeper reads every hotel's outbox
        return len(services.messages_sweep())
