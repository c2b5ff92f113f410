"""Panel pages for writing to a guest by hand: pick a booking or a guest (this hotel's), pick a rule's wording or
write the text, preview, send now. The same compose page hangs off each booking's page.

Every preview (the page's, and the live one the compose form asks for as staff type) is
``services.manual_previews``, which fills the wording in exactly as the send does.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from innkeeper.accounts.actors import actor
from innkeeper.booking.models import Booking
from innkeeper.core.errors import DomainError
from innkeeper.dashboard.access import panel_view
from innkeeper.dashboard.automation_forms import ManualSendForm
from innkeeper.messaging import selectors, services
from innkeeper.messaging.models import AutomationRule
from innkeeper.messaging.variables import VARIABLES


@panel_view
def pick(request):
    """Whom to write to: the hotel's bookings matching a reference, a guest's name, e-mail address or phone."""
    text = request.GET.get("q", "")[:200].strip()
    return render(request, "dashboard/message_pick.html", {
        "q": text, "found": selectors.recipients_find(hotel=request.panel_hotel, text=text)})


def _booking(request, reference: str) -> Booking:
    return get_object_or_404(Booking.objects.select_related("hotel", "room", "room_type"),
                             hotel=request.panel_hotel, reference=reference.upper())


def _compose(request, booking):
    """The form, bound to what was sent, and the wording it names: (form, {"rule", "subject", "body"} or None)."""
    rules = AutomationRule.objects.filter(hotel=request.panel_hotel, builtin="").order_by("name")
    form = ManualSendForm(request.POST or None, rules=rules)
    if not form.is_valid():
        return form, None
    d = form.cleaned_data
    return form, {"rule": rules.filter(pk=d["rule"]).first() if d["rule"] else None, "subject": d["subject"],
                  "body": d["body"]}


@panel_view
def compose(request, reference: str, picked: bool = False):
    """Write to the guest of a booking: a rule's wording or one's own text, previewed, then sent now. Reached from
    the picker, it ends on the message log; from the booking's page, back there."""
    booking = _booking(request, reference)
    form, what = _compose(request, booking)
    previews, status = [], 200
    if request.method == "POST":
        status = 400
        if what is not None:
            try:
                previews = services.manual_previews(booking=booking, channels=form.cleaned_data["channels"], **what)
                if "send" in request.POST:
                    services.message_send_manual(booking=booking, channels=form.cleaned_data["channels"],
                                                 actor=actor(request), **what)
                    messages.success(request, _("The message is on its way."))
                    if picked:
                        return redirect(reverse("panel:messages") + f"?booking={booking.reference}")
                    return redirect("panel:booking", reference=booking.reference)
                status = 200
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
    return render(request, "dashboard/message_send.html", {
        "booking": booking, "form": form, "previews": previews, "variables": VARIABLES, "picked": picked,
        "preview_url": reverse("panel:message_preview", kwargs={"reference": booking.reference})}, status=status)


@require_POST
@panel_view
def preview(request, reference: str):
    """The live preview of the compose form: only the preview part, with the first mistake named."""
    booking = _booking(request, reference)
    form, what = _compose(request, booking)
    previews, error = [], None
    if what is None:
        error = next(iter(e for errors in form.errors.values() for e in errors), None)
    else:
        try:
            previews = services.manual_previews(booking=booking, channels=form.cleaned_data["channels"], **what)
        except DomainError as refused:
            error = refused.message
    return render(request, "dashboard/_preview.html", {"previews": previews, "preview_error": error},
                  status=400 if error else 200)
