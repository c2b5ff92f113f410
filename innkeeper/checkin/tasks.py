from celery import shared_task

from innkeeper.checkin import services


@shared_task(name="checkin.reminders", ignore_result=True)
def reminders_task() -> None:
    services.reminders_run()
