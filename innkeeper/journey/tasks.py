"""Celery tasks: doorbells that call the journey's services (the rows are the truth)."""

from celery import shared_task

from innkeeper.journey import services


@shared_task(name="journey.checkin_reminders", ignore_result=True)
def checkin_reminders_task() -> None:
    services.checkin_reminders_run()


@shared_task(name="journey.auto_check_out", ignore_result=True)
def auto_check_out_task() -> None:
    services.stays_check_out()


@shared_task(name="journey.stay_messages", ignore_result=True)
def stay_messages_task() -> None:
    services.stay_messages_run()


@shared_task(name="journey.automation", ignore_result=True)
def automation_task() -> None:
    services.automation_run()
