from django.conf import settings
from django.http import HttpResponseBadRequest
from django.middleware.locale import LocaleMiddleware
from django.middleware.security import SecurityMiddleware as DjangoSecurityMiddleware
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import get_language_from_path, parse_accept_lang_header
from django_scopes import scope

from innkeeper.hotels.links import HOTEL_URLCONF
from innkeeper.web import sites


class SecurityMiddleware(DjangoSecurityMiddleware):
    """Django's (HSTS, nosniff, Referrer-Policy, ...) plus Permissions-Policy, which Django has no
    setting for."""

    def process_response(self, request, response):
        response = super().process_response(request, response)
        if settings.PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class NulMiddleware:
    """Answer 400 to a page whose address (path or query) holds a NUL character (\\x00): PostgreSQL text
    cannot store one, so it would fail as a 500 in whatever query it reached. Form fields refuse NUL by
    themselves; the JSON API refuses it field by field (innkeeper.core.schemas.Text) with a 422 naming the
    field, so its requests pass through."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith("/api/") and (
                "\x00" in request.path_info
                or any("\x00" in k or "\x00" in v for k, values in request.GET.lists() for v in values)):
            return HttpResponseBadRequest(_("The text contains a NUL character (\\x00), which is not allowed."),
                                          content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class SiteMiddleware:
    """Route each request by its host: a hotel's site (inside that hotel's scope and time zone),
    the platform site, or a 404 for a host nobody owns."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.hotel = None
        host = sites.hostname(request)
        if sites.is_platform_host(host):
            return self.get_response(request)
        hotel = sites.hotel_for_host(host)
        if hotel is None:
            return render(request, "web/unknown_host.html", {"host": host}, status=404)
        request.hotel = hotel
        request.urlconf = HOTEL_URLCONF
        with scope(hotel=hotel), timezone.override(hotel.tz):
            return self.get_response(request)


def offered_languages(hotel) -> list[str]:
    known = {code for code, _name in settings.LANGUAGES}
    return [code for code in (hotel.locales or [hotel.default_locale]) if code in known] or [settings.LANGUAGE_CODE]


def pick_language(request, hotel) -> str:
    """The URL's language; else the one the guest chose before; else the browser's; else the hotel's."""
    offered = offered_languages(hotel)
    from_path = get_language_from_path(request.path_info)
    if from_path in offered:
        return from_path
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if cookie in offered:
        return cookie
    for code, _q in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        base = code.split("-")[0].lower()
        if base in offered:
            return base
    return hotel.default_locale if hotel.default_locale in offered else offered[0]


def api_language(request) -> str | None:
    """The language an API request names with ``?lang=`` (one the install speaks), over Accept-Language."""
    if not request.path_info.startswith("/api/"):
        return None
    asked = request.GET.get("lang", "")
    return asked if asked in {code for code, _name in settings.LANGUAGES} else None


class HotelLocaleMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware, with the hotel's languages and default on hotel sites, and the
    guest's choice remembered in a cookie. The API answers in the language of ``?lang=``, else as a page."""

    def process_request(self, request):
        hotel = getattr(request, "hotel", None)
        if hotel is None:
            super().process_request(request)
        else:
            language = pick_language(request, hotel)
            translation.activate(language)
            request.LANGUAGE_CODE = language
        asked = api_language(request)
        if asked:
            translation.activate(asked)
            request.LANGUAGE_CODE = asked

    def process_response(self, request, response):
        response = super().process_response(request, response)
        from_path = get_language_from_path(request.path_info)
        if from_path and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != from_path:
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, from_path, max_age=365 * 24 * 3600,
                                samesite="Lax")
        return response
