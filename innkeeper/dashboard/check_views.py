"""Panel buttons whose work is a worker's: "Test connection", a domain's "Check now", "Refresh lock list".

Each asks for its check (the service notes it and queues a task after commit) and goes back to the page,
which shows the check as under way until the worker has written what it found; the page's script
(dashboard/static/dashboard/waiting.js) puts the outcome in when it is there. No provider is called here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from innkeeper.core import checks, integrations
from innkeeper.core.errors import DomainError
from innkeeper.dashboard.access import panel_view, redirect_back
from innkeeper.hotels import services
from innkeeper.hotels.models import HotelDomain
from innkeeper.locks import binding as lock_binding

VERIFIED_KINDS = ("lock", "whatsapp")


@dataclass(frozen=True)
class ConnectionState:
    """What a card's "Test connection" shows: under way, lost, or the last outcome (``ok``, ``result``)."""

    state: str  # core.checks: NEVER, CHECKING, LOST, DONE
    ok: bool = False
    result: str = ""
    checked_at: datetime | None = None

    @property
    def checking(self) -> bool:
        return self.state == checks.CHECKING


def connection_states(hotel) -> dict[str, ConnectionState]:
    """The settings page's "Test connection" outcome for each kind."""
    rows, now = integrations.connection_checks(hotel.pk, VERIFIED_KINDS), timezone.now()
    found = {}
    for kind in VERIFIED_KINDS:
        row = rows.get(kind)
        state = (checks.state(requested_at=row.requested_at, done_at=row.checked_at, now=now) if row
                 else checks.NEVER)
        found[kind] = (ConnectionState(state, row.ok, row.result, row.checked_at) if row and row.checked_at
                       else ConnectionState(state))
    return found


@require_POST
@panel_view(owner_only=True)
def integration_verify(request, kind):
    """The cards' "Test connection": a worker makes one cheap call to the provider; the card shows its short
    result (never the provider's own answer). Testing the lock account reads its lock list again too."""
    hotel = request.panel_hotel
    integrations.account_verify_request(hotel=hotel, kind=kind, language=request.LANGUAGE_CODE)
    if kind == "lock":
        lock_binding.lock_list_request(hotel=hotel, force=True)
    return redirect(reverse("panel:settings") + f"#check-{kind}")


@require_POST
@panel_view(owner_only=True)
def domain_check(request, pk: int):
    """Look for the domain's DNS record ("Check now"): a worker does, and the domain's row says what it found."""
    domain = get_object_or_404(HotelDomain, pk=pk, hotel=request.panel_hotel)
    try:
        services.domain_check_request(hotel=request.panel_hotel, domain=domain, actor=request.user,
                                      language=request.LANGUAGE_CODE)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("panel:domains")


@require_POST
@panel_view(owner_only=True)
def lock_list_refresh(request):
    """"Refresh lock list" beside a room's lock: a worker reads the account's locks again."""
    lock_binding.lock_list_request(hotel=request.panel_hotel, force=True)
    return redirect_back(request, "panel:rooms")
