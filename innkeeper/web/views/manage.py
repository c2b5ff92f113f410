"""Manage booking: find it by reference and e-mail, see it, cancel it while the hotel allows."""

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from innkeeper.booking import selectors, services
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


def detail(request, token):
    booking = booking_from_token(request, token)
    return render(request, "web/manage_booking.html", {
        "booking": booking, "token": token, "can_cancel": services.guest_can_cancel(booking, timezone.now()),
        "cancelled": request.GET.get("cancelled") == "1",
        "meta": _meta(request, _("Booking %(ref)s") % {"ref": booking.reference}),
    })


def cancel(request, token):
    booking = booking_from_token(request, token)
    message = ""
    if request.method == "POST":
        throttle.limit("lookup", client_ip(request), hotel=request.hotel)
        try:
            journey.booking_cancel_by_guest(booking=booking)
        except Conflict as error:
            message = error.message
        else:
            return redirect(reverse("manage_booking", kwargs={"token": token}) + "?cancelled=1")
    return render(request, "web/manage_cancel.html", {
        "booking": booking, "token": token, "message": message,
        "can_cancel": services.guest_can_cancel(booking, timezone.now()),
        "meta": _meta(request, _("Cancel booking %(ref)s") % {"ref": booking.reference}),
    })
