"""What a request answers when it failed in a way no view handled (Django's handler500, in both URLconfs), the
platform's and the panel's page for an address that leads nowhere (handler404; a hotel's site has its own,
innkeeper.web.views.pages.not_found), and the page a rate-limited request gets (TooManyRequestsMiddleware).

The 500 page needs no database: whatever broke may be the database itself. It is a template rendered without
the request's context (no session, no signed-in user), told only what the request already held: the hotel
the site's middleware found, the language, the page's CSP nonce.

A database that refuses a new connection (every connection slot taken, a restart) is not a bug in the
request: it answers 503 with Retry-After, as the JSON API answers Busy, so clients and proxies try again.
It runs for failures in any middleware too, where no view's or API's own error mapping can reach.
"""

import sys
from contextlib import suppress

from csp.exceptions import CSPNonceError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from innkeeper.core.db import unavailable
from innkeeper.core.errors import TooManyRequests
from innkeeper.web.templatetags.web import theme_color

RETRY_AFTER_SECONDS = 5  # long enough for a connection slot to come free, short enough to be invisible


def server_error(request):
    if not unavailable(sys.exc_info()[1]):
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": _("Something went wrong on our side. Please try again in a few minutes."),
                                 "code": "server_error"}, status=500)
        return HttpResponse(loader.render_to_string("500.html", _where(request)), status=500)
    message = _("The service is very busy right now. Please try again in a moment.")
    if request.path_info.startswith("/api/"):
        response = JsonResponse({"detail": message, "code": "unavailable"}, status=503)
    else:
        # No request context: the page must not need the database (sessions, the signed-in user).
        response = HttpResponse(loader.render_to_string("503.html", {"message": message}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _where(request) -> dict:
    """What the 500 page may say about the site it is on, from what the request holds: no query."""
    hotel = getattr(request, "hotel", None)
    nonce = ""
    with suppress(AttributeError, CSPNonceError):  # made now, so the CSP header names it
        nonce = str(request.csp_nonce)
    where = {"nonce": nonce, "site_name": "Innkeeper", "hotel": None,
             "panel": hotel is None and request.path_info.startswith("/panel/"), "home": "/"}
    if where["panel"]:
        where["home"] = "/panel/"
    if hotel is not None:
        where.update(site_name=hotel.name, colour=theme_color(hotel), hotel={
            "phone": hotel.phone, "phone_link": "".join(hotel.phone.split()).replace("-", ""), "email": hotel.email})
        with suppress(NoReverseMatch):  # the hotel's site URLs, in the page's language
            where.update(home=reverse("home"), icon_svg=reverse("favicon"))
    return where


def page_not_found(request, exception=None):
    """An address on the platform's site or in the panel that leads nowhere."""
    template = "dashboard/not_found.html" if request.path_info.startswith("/panel/") else "404.html"
    return render(request, template, status=404)


class TooManyRequestsMiddleware:
    """A page whose request was over a rate limit (innkeeper.core.throttle) answers 429 with Retry-After
    and a page saying when to try again; the JSON API maps the same error itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, TooManyRequests):
            return None
        response = HttpResponse(loader.render_to_string("429.html", {"message": exception.message}, request),
                                status=429)
        response["Retry-After"] = str(exception.params.get("retry_after", 60))
        return response
