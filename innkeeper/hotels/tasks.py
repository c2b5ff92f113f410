"""Celery tasks: doorbells that call the hotel services."""

from celery import shared_task
from django.utils import timezone, translation

from innkeeper.hotels import services


@shared_task(name="hotels.domains_verify_pending", ignore_result=True)
def domains_verify_pending_task() -> None:
    services.domains_verify_pending(now=timezone.now())


@shared_task(name="hotels.domain_check", ignore_result=True)
def domain_check_task(domain_id: int, actor_id: int | None = None, language: str = "") -> None:
    """The owner's "Check now" (hotels.services.domain_check_request), in the owner's language."""
    with translation.override(language or None):
        services.domain_check(domain_id=domain_id, actor_id=actor_id)
