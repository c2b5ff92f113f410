"""Staff API for messages. Staff accounts arrive later; for now any Django staff session (is_staff) may use it."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from django_scopes import scopes_disabled
from ninja import Router, Schema
from ninja.security import django_auth_is_staff

from innkeeper.messaging import services
from innkeeper.messaging.models import Message

router = Router(tags=["messaging"], auth=django_auth_is_staff)


class Problem(Schema):
    detail: str
    code: str


class MessageOut(Schema):
    id: int
    channel: str
    type: str
    recipient: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime | None
    last_error: str
    provider_message_id: str


@router.get("/messages/{message_id}", response={200: MessageOut, 401: Problem, 404: Problem})
def message_detail(request, message_id: int):
    with scopes_disabled():
        return get_object_or_404(Message, pk=message_id)


@router.post("/messages/{message_id}/retry", response={200: MessageOut, 401: Problem, 403: Problem, 404: Problem, 409: Problem})
def message_retry(request, message_id: int):
    """Send a FAILED or DEAD message again (409 for any other status)."""
    with scopes_disabled():
        message = get_object_or_404(Message, pk=message_id)
        return services.message_retry(message=message, actor=request.user.get_username())
