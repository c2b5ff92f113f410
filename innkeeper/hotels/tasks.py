"""Celery tasks: doorbells that call the hotel services."""

from celery import shared_task
from django.utils import timezone

from innkeeper.hotels import services


@shared_task(name="hotels.domains_verify_pending", ignore_result=True)
def domains_verify_pending_task() -> None:
    services.domains_verify_pending(now=timezone.now())
