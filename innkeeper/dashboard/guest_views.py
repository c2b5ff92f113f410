"""Panel pages for guests: the hotel's guests (its bookings grouped by e-mail address) and one guest with
their stays and every message the hotel sent them."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render

from innkeeper.booking import lists
from innkeeper.booking.models import Booking
from innkeeper.dashboard.access import panel_view
from innkeeper.dashboard.paging import page_of
from innkeeper.messaging.models import Message


@panel_view
def guests(request):
    hotel, text = request.panel_hotel, request.GET.get("q", "")[:200]
    page = page_of(request, lists.guests_find(hotel=hotel, text=text))
    return render(request, "dashboard/guests.html", {
        "q": text, "page": page, "guests": lists.guests_of_page(hotel=hotel, rows=list(page))})


@panel_view
def guest(request, reference: str):
    """The guest who made booking ``reference``: every booking with their e-mail address or phone number."""
    hotel = request.panel_hotel
    booking = get_object_or_404(Booking, hotel=hotel, reference=reference.upper())
    stays = list(lists.guest_bookings(hotel=hotel, booking=booking))
    sent = (Message.objects.filter(hotel=hotel, booking__in=[b.pk for b in stays] or [booking.pk])
            .select_related("booking").order_by("-created_at", "-id"))
    return render(request, "dashboard/guest.html", {
        "booking": booking, "stays": stays, "page": page_of(request, sent)})
