"""Celery tasks: doorbells that call the journey's services (the rows are the truth)."""

from celery import shared_task

from innkeeper.journey import pms, services
from innkeeper.pms import services as pms_sync


@shared_task(name="journey.checkin_reminders", ignore_result=True)
def checkin_reminders_task() -> None:
    services.checkin_reminders_run()


@shared_task(name="journey.auto_check_out", ignore_result=True)
def auto_check_out_task() -> None:
    services.stays_check_out()


@shared_task(name="journey.stay_messages", ignore_result=True)
def stay_messages_task() -> None:
    services.stay_messages_run()


@shared_task(name="pms.sync_all", ignore_result=True)
def pms_sync_all_task() -> None:
    """The beat's: one sync task for every active PMS account."""
    for account in pms_sync.accounts_to_sync():
        pms_sync_task.delay(account.pk)


@shared_task(name="pms.sync_account", ignore_result=True)
def pms_sync_task(account_id: int) -> None:
    account = pms_sync.account_get(account_id)
    if account is not None:
        pms.pms_sync(account=account)


@shared_task(name="pms.event_process", ignore_result=True)
def pms_event_task(event_id: int) -> None:
    pms.pms_event_process(event_id=event_id)


@shared_task(name="pms.events_sweep", ignore_result=True)
def pms_events_sweep_task() -> None:
    """Events whose task was lost (a broker down when they came) processed now."""
    for event_id in pms_sync.events_pending():
        pms.pms_event_process(event_id=event_id)


@shared_task(name="journey.automation", ignore_result=True)
def automation_task() -> None:
    services.automation_run()
