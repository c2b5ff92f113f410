"""Manage booking: find it by reference and e-mail, see it and the hotel's cancellation policy, cancel it.

Cancelling takes two steps: the confirmation page says what cancelling now costs (free, or the fee) and
nothing changes until the guest confirms that; the form carries the fee it showed, so a fee that became
due in between is shown again instead of charged."""

from decimal import Decimal, InvalidOperation

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from innkeeper.booking import selectors
from innkeeper.booking.cancellation import cancellation_terms
from innkeeper.booking.errors import CancellationFeeNotAccepted
from innkeeper.core import throttle
from innkeeper.core.errors import Conflict, NotFound
from innkeeper.core.http import client_ip
from innkeeper.journey import services as journey
from innkeeper.web import seo
from innkeeper.web.forms import ManageLookupForm
from innkeeper.web.views.booking import booking_from_token, booking_token


def _meta(request, title):
    return seo.meta(request, title=f"{title} — {request.hotel.name}", description=title, index=False)


def lookup(request):
    form = ManageLookupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        throttle.limit("lookup", client_ip(request), hotel=request.hotel)  # refused: the 429 page
        try:
            booking = selectors.booking_for_guest(reference=form.cleaned_data["reference"],
                                                  email=form.cleaned_data["email"])
            if booking.hotel_id != request.hotel.id:
                raise NotFound("")
        except NotFound:
            form.add_error(None, _("We could not find a booking with this reference and e-mail. "
                                   "Please check both and try again."))
        else:
            return redirect("manage_booking", token=booking_token(booking))
    return render(request, "web/manage_lookup.html", {"form": form, "meta": _meta(request, _("Manage booking"))})


def calendar(request, token):
    """The stay as a calendar event, for the guest's calendar app (the same file the confirmation carries)."""
    booking = booking_from_token(request, token)
    response = HttpResponse(selectors.stay_calendar(booking), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="stay-{booking.reference}.ics"'
    return response


def detail(request, token):
    booking = booking_from_token(request, token)
    return render(request, "web/manage_booking.html", {
        "booking": booking, "token": token, "terms": cancellation_terms(booking, timezone.now()),
        "cancelled": request.GET.get("cancelled") == "1",
        "meta": _meta(request, _("Booking %(ref)s") % {"ref": booking.reference}),
    })


def _fee_shown(request) -> Decimal | None:
    """The fee the confirmation page showed (and the guest agreed to by confirming), None if none."""
    try:
        return Decimal(request.POST.get("fee", ""))
    except InvalidOperation:
        return None


def cancel(request, token):
    booking = booking_from_token(request, token)
    message, status = "", 200
    if request.method == "POST":
        throttle.limit("lookup", client_ip(request), hotel=request.hotel)
        try:
            journey.booking_cancel_by_guest(booking=booking, accept_fee=_fee_shown(request))
        except CancellationFeeNotAccepted:
            message, status = _("Cancelling now costs a fee that this page did not show before. Nothing has "
                                "changed: please read the terms below again."), 409
        except Conflict as error:
            message, status = error.message, 409
        else:
            return redirect(reverse("manage_booking", kwargs={"token": token}) + "?cancelled=1")
        booking = booking_from_token(request, token)  # as it is now
    return render(request, "web/manage_cancel.html", {
        "booking": booking, "token": token, "message": message,
        "terms": cancellation_terms(booking, timezone.now()),
        "meta": _meta(request, _("Cancel booking %(ref)s") % {"ref": booking.reference}),
    }, status=status)
