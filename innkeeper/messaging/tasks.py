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


@shared_task(name="innkeeper.messaging.tasks.waha_session", ignore_result=True)
def waha_session_task(session_id: int) -> None:
    """The panel's WhatsApp session page: WAHA is called here, never in the request; while WAHA waits for the
    QR code to be scanned the task looks again every few seconds (a fresh QR each time), for a while."""
    from innkeeper.messaging.services import waha_session

    row = waha_session.session_run(session_id=session_id)
    if row is not None and waha_session.session_look_again(row):
        waha_session_task.apply_async((session_id,), countdown=waha_session.LOOK_EVERY)
