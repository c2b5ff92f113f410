"""The WhatsApp session page (WAHA): start the session and scan its QR code, see its status and linked
number, log it out.

No WAHA call runs here: the buttons ask the worker (messaging.services.waha_session), the page shows what
the worker last found and, while it is still looking, refreshes itself (waiting.js, ``data-live``). The QR
code is the PNG the worker fetched, served from our database, so the WAHA key never reaches a browser.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from innkeeper.core.errors import DomainError
from innkeeper.dashboard.access import panel_view
from innkeeper.messaging.services import waha_session


@panel_view(owner_only=True)
def session(request):
    hotel = request.panel_hotel
    row = waha_session.session_of(hotel)
    return render(request, "dashboard/whatsapp_session.html", {
        "target": waha_session.session_target(hotel), "row": row,
        "checking": waha_session.session_checking(row),
    })


@require_POST
@panel_view(owner_only=True)
def session_action(request, action: str):
    try:
        waha_session.session_request(hotel=request.panel_hotel, action=action, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("panel:whatsapp_session")


@panel_view(owner_only=True)
def session_qr(request):
    """The QR code the worker last fetched from WAHA, while WAHA waits for it to be scanned."""
    row = waha_session.session_of(request.panel_hotel)
    if row is None or row.status != row.SCAN_QR_CODE or not row.qr_png:
        raise Http404
    response = HttpResponse(bytes(row.qr_png), content_type="image/png")
    response["Cache-Control"] = "no-store"  # it changes every few seconds and pairs a phone with the hotel
    return response
