"""Per-page metadata: title, description, canonical URL, hreflang alternates, Open Graph, JSON-LD."""

from __future__ import annotations

import json

from django.urls import translate_url
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from innkeeper.hotels.amenities import amenity_labels
from innkeeper.web import sites
from innkeeper.web.middleware import offered_languages


def meta(request, *, title: str, description: str, jsonld: list[dict] | dict | None = None, index: bool = True):
    hotel = request.hotel
    path = request.path
    canonical = sites.absolute_url(request, path)
    alternates = [(code, sites.absolute_url(request, translate_url(path, code))) for code in offered_languages(hotel)]
    default = translate_url(path, hotel.default_locale)
    return {
        "title": title, "description": description[:300], "canonical": canonical, "alternates": alternates,
        "x_default": sites.absolute_url(request, default), "locale": get_language(), "index": index,
        "jsonld": json_script(jsonld, nonce=str(request.csp_nonce)) if jsonld else "",
    }


def json_script(data, *, nonce: str) -> str:
    """A JSON-LD block carrying the request's CSP nonce (innkeeper.settings, CONTENT_SECURITY_POLICY)."""
    # Escape what could close the script element or start HTML in it.
    text = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return mark_safe(f'<script type="application/ld+json" nonce="{escape(nonce)}">{text}</script>')  # noqa: S308  (escaped above)


def hotel_jsonld(request, hotel, *, price_range: str = "") -> dict:
    data = {
        "@context": "https://schema.org", "@type": "Hotel", "name": hotel.name,
        "url": sites.absolute_url(request, "/"), "description": hotel.description,
        "checkinTime": hotel.check_in_time.strftime("%H:%M"), "checkoutTime": hotel.check_out_time.strftime("%H:%M"),
        "address": {"@type": "PostalAddress", "streetAddress": hotel.address, "addressLocality": hotel.city,
                    "postalCode": hotel.postal_code, "addressCountry": hotel.country.code},
    }
    if hotel.latitude is not None and hotel.longitude is not None:
        data["geo"] = {"@type": "GeoCoordinates", "latitude": float(hotel.latitude), "longitude": float(hotel.longitude)}
    if hotel.phone:
        data["telephone"] = hotel.phone
    if hotel.email:
        data["email"] = hotel.email
    if price_range:
        data["priceRange"] = price_range
    return data


def room_jsonld(request, hotel, room_type) -> dict:
    hourly_only = room_type.sells_hourly and not room_type.sells_nightly
    price, unit = (room_type.base_price_hourly, "HUR") if hourly_only else (room_type.base_price_nightly, "DAY")
    return {
        "@context": "https://schema.org", "@type": "HotelRoom", "name": room_type.name,
        "description": room_type.description, "url": sites.absolute_url(request, request.path),
        "occupancy": {"@type": "QuantitativeValue", "maxValue": room_type.max_occupancy},
        "amenityFeature": [{"@type": "LocationFeatureSpecification", "name": a, "value": True}
                           for a in amenity_labels(room_type.amenities)],
        "containedInPlace": {"@type": "Hotel", "name": hotel.name, "url": sites.absolute_url(request, "/")},
        "offers": {"@type": "Offer", "price": str(price), "priceCurrency": hotel.currency,
                   "unitCode": unit, "availability": "https://schema.org/InStock",
                   "url": sites.absolute_url(request, request.path)},
    }
