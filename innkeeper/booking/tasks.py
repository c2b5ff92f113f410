"""Celery tasks: doorbells that call the booking services."""

from celery import shared_task
from django.utils import timezone

from innkeeper.booking import services


@shared_task(name="booking.holds_expire", ignore_result=True)
def holds_expire_task() -> None:
    services.holds_expire(now=timezone.now())
