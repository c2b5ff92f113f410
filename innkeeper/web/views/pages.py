"""A hotel's own pages: home, rooms and rates, a room, about, contact."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from innkeeper.hotels.models import HotelLogo, RoomType
from innkeeper.hotels.theme import LOGO_EXTENSIONS
from innkeeper.web import seo
from innkeeper.web.forms import SearchForm
from innkeeper.web.templatetags.web import money
from innkeeper.web.views import links


def _room_types(hotel):
    return list(RoomType.objects.filter(hotel=hotel, is_active=True).select_related("hotel"))


def _price_range(hotel, room_types) -> str:
    prices = [rt.base_price_nightly for rt in room_types if rt.sells_nightly]
    return f"{money(min(prices), hotel.currency)} – {money(max(prices), hotel.currency)}" if prices else ""


def home(request):
    hotel = request.hotel
    room_types = _room_types(hotel)
    place = f", {hotel.city}" if hotel.city else ""
    context = {
        "room_types": room_types, "form": SearchForm(hotel=hotel, room_types=room_types),
        "meta": seo.meta(request, title=f"{hotel.name}{place}",
                         description=hotel.description or _("Book your stay at %(name)s directly.") % {"name": hotel.name},
                         jsonld=seo.hotel_jsonld(request, hotel, price_range=_price_range(hotel, room_types))),
    }
    return render(request, "web/home.html", context)


def rooms(request):
    hotel = request.hotel
    room_types = _room_types(hotel)
    context = {
        "room_types": room_types,
        "meta": seo.meta(request, title=_("Rooms and rates — %(name)s") % {"name": hotel.name},
                         description=_("Rooms at %(name)s: %(list)s.") % {
                             "name": hotel.name, "list": ", ".join(rt.name for rt in room_types)}),
    }
    return render(request, "web/rooms.html", context)


def room(request, slug):
    hotel = request.hotel
    room_types = _room_types(hotel)
    room_type = next((rt for rt in room_types if rt.slug == slug), None)
    if room_type is None:
        raise Http404
    form = SearchForm(hotel=hotel, room_types=[room_type], initial={"room_type": room_type.slug})
    context = {
        "room_type": room_type, "form": form,
        "meta": seo.meta(request, title=f"{room_type.name} — {hotel.name}",
                         description=room_type.description or room_type.name,
                         jsonld=seo.room_jsonld(request, hotel, room_type)),
    }
    return render(request, "web/room.html", context)


def about(request):
    hotel = request.hotel
    return render(request, "web/about.html", {
        "meta": seo.meta(request, title=_("About %(name)s") % {"name": hotel.name},
                         description=hotel.description or hotel.name)})


def contact(request):
    hotel = request.hotel
    return render(request, "web/contact.html", {
        "meta": seo.meta(request, title=_("Contact %(name)s") % {"name": hotel.name},
                         description=", ".join(p for p in (hotel.address, hotel.city, hotel.phone, hotel.email) if p))})


def logo(request, name):
    """The hotel's logo, at a URL carrying its digest: cached for a year, never sniffed or run as a page."""
    row = HotelLogo.objects.filter(hotel=request.hotel).first()
    ext = LOGO_EXTENSIONS.get(row.content_type) if row else None
    if row is None or name != f"{row.digest[:16]}.{ext}":
        raise Http404
    response = HttpResponse(bytes(row.data), content_type=row.content_type)
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Content-Disposition"] = f'inline; filename="logo.{ext}"'
    return response


def not_found(request, exception=None):
    if isinstance(exception, links.LinkRefused):  # a guest's link: say what happened and what to do
        return links.refused(request, exception)
    hotel = request.hotel
    return render(request, "web/not_found.html", {
        "meta": seo.meta(request, title=_("Page not found — %(name)s") % {"name": hotel.name},
                         description=hotel.name, index=False)}, status=404)
