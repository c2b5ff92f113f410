"""The booking flow: search → choose a room type → guest details → (payment) → confirmation.

Every step works without JavaScript. The stay travels between steps as query parameters and is
checked again at each step; the booking itself is made by the booking services.
"""

import uuid

from django.core import signing
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from innkeeper.booking import selectors, services
from innkeeper.booking.errors import HoldExpired, NoAvailability
from innkeeper.booking.models import Booking, Source
from innkeeper.booking.states import EXPIRING, Status
from innkeeper.core import throttle, tokens
from innkeeper.core.errors import Busy, Conflict, InvalidInput
from innkeeper.core.http import client_ip
from innkeeper.hotels.links import BOOKING_TOKEN_SALT, booking_token, checkin_token
from innkeeper.hotels.models import RoomType
from innkeeper.journey import services as journey
from innkeeper.web import seo
from innkeeper.web.forms import GuestForm, PaymentForm, SearchForm
from innkeeper.web.views import links


def booking_from_token(request, token: str) -> Booking:
    try:
        reference = tokens.unsign(token, salt=BOOKING_TOKEN_SALT)
    except signing.BadSignature:
        raise links.booking_link_invalid() from None
    booking = (Booking.objects.filter(hotel=request.hotel, reference=reference)
               .select_related("hotel", "room_type", "room").first())
    if booking is None:  # another hotel's booking looks the same as none
        raise links.booking_link_invalid()
    return selectors.as_guest_sees(booking, now=timezone.now())


def _search_form(request, data, room_types=None):
    hotel = request.hotel
    room_types = room_types or list(RoomType.objects.filter(hotel=hotel, is_active=True).select_related("hotel"))
    return SearchForm(data, hotel=hotel, room_types=room_types), room_types


def _offers(request, form, now):
    """Validate the search and return (stay, offers); errors end up on the form."""
    if not form.is_valid():
        return None, []
    try:
        stay = form.stay(now)
    except InvalidInput as error:
        form.add_service_error(error)
        return None, []
    offers = selectors.availability(hotel=request.hotel, stay=stay, guests=form.cleaned_data["guests"], now=now)
    return stay, offers


def search(request):
    hotel = request.hotel
    form, room_types = _search_form(request, request.GET or None)
    stay, offers = _offers(request, form, timezone.now()) if request.GET else (None, [])
    wanted = form.cleaned_data.get("room_type") if form.is_bound and form.is_valid() else ""
    offers.sort(key=lambda o: (o.room_type.slug != wanted, o.available == 0))
    query = form.query() if stay else {}
    if stay:
        form.add_rule_errors(offers)
    return render(request, "web/book_search.html", {
        "form": form, "stay": stay, "offers": offers, "query": query,
        "meta": seo.meta(request, title=_("Book a stay — %(name)s") % {"name": hotel.name},
                         description=_("Choose your dates and see every room's full price."), index=not request.GET),
    })


def details(request):
    hotel = request.hotel
    data = request.GET if request.method == "GET" else request.POST
    form, _types = _search_form(request, data)
    now = timezone.now()
    stay, offers = _offers(request, form, now)
    slug = form.cleaned_data.get("room_type") if form.is_valid() else None
    offer = next((o for o in offers if o.room_type.slug == slug), None)
    if stay is None or offer is None:
        return redirect(f"{reverse('book')}?{urlencode(data)}")
    region = hotel.country.code
    guest_form = GuestForm(request.POST or None, initial={"request_key": uuid.uuid4().hex}, region=region)
    message = ""
    if request.method == "POST" and offer.available and guest_form.is_valid():
        g = guest_form.cleaned_data
        throttle.limit("booking", client_ip(request), g["email"], hotel=hotel)  # refused: the 429 page
        try:
            booking = journey.guest_booking_create(
                hotel=hotel, room_type=slug, stay=stay, guests=form.cleaned_data["guests"],
                guest=services.GuestDetails(g["name"], g["email"], g["phone"]), locale=request.LANGUAGE_CODE,
                source=Source.DIRECT, request_key=g["request_key"], now=now)
        except NoAvailability:
            offers = selectors.availability(hotel=hotel, stay=stay, guests=form.cleaned_data["guests"], now=now)
            offer = next(o for o in offers if o.room_type.slug == slug)
        except InvalidInput as error:
            if not guest_form.add_service_error(error):
                message = error.message
        except Busy as error:
            message = error.message
        except Conflict:  # the page was sent back after a booking, then changed: a new key makes a new booking
            message = _("This form was already used for a booking with other details. Check the details and "
                        "send the form again to make a new booking.")
            guest_form = GuestForm({**request.POST.dict(), "request_key": uuid.uuid4().hex}, region=region)
            guest_form.is_valid()
        else:
            step = "book_pay" if booking.status in EXPIRING else "book_done"
            return redirect(step, token=booking_token(booking))
    if not offer.available:  # sold out, or closed by the hotel, since the search: say so and show what is still free
        sold_out = offer.reason == NoAvailability.code
        return render(request, "web/book_search.html", {
            "form": form, "stay": stay, "offers": [o for o in offers if o.available], "query": form.query(),
            "sold_out": offer.room_type if sold_out else None, "unavailable": None if sold_out else offer.message,
            "switch_to": f"{reverse('book')}?{urlencode(form.query())}",
            "meta": seo.meta(request, title=_("Book a stay — %(name)s") % {"name": hotel.name},
                             description=_("Choose your dates and see every room's full price."), index=False),
        }, status=409 if request.method == "POST" else 200)
    return render(request, "web/book_details.html", {
        "form": form, "guest_form": guest_form, "stay": stay, "offer": offer, "message": message,
        "query": {**form.query(), "room_type": slug},
        "switch_to": f"{reverse('book_details')}?{urlencode({**form.query(), 'room_type': slug})}",
        "meta": seo.meta(request, title=_("Your details — %(name)s") % {"name": hotel.name},
                         description=offer.room_type.name, index=False),
    })


def pay(request, token):
    booking = booking_from_token(request, token)
    expired = booking.status == Status.EXPIRED
    if booking.status not in EXPIRING and not expired:
        return redirect("book_done", token=token)
    form = PaymentForm(request.POST or None)
    message = ""
    if request.method == "POST" and not expired and form.is_valid():
        try:
            journey.booking_pay(booking=booking, card_number=form.cleaned_data["card_number"])
        except InvalidInput as error:
            form.add_error("card_number", error.message)
        except HoldExpired:
            expired = True
        except (Conflict, Busy) as error:
            message = error.message
        else:
            return redirect("book_done", token=token)
    return render(request, "web/book_pay.html", {
        "booking": booking, "form": form, "message": message, "expired": expired,
        "meta": seo.meta(request, title=_("Payment — %(name)s") % {"name": booking.hotel.name},
                         description=booking.room_type.name, index=False),
    })


def done(request, token):
    booking = booking_from_token(request, token)
    return render(request, "web/book_done.html", {
        "booking": booking, "manage_token": token,
        "check_in_token": checkin_token(booking) if booking.status == Status.CONFIRMED else "",
        "meta": seo.meta(request, title=_("Booking %(ref)s — %(name)s") % {"ref": booking.reference,
                                                                           "name": booking.hotel.name},
                         description=booking.room_type.name, index=False),
    })
