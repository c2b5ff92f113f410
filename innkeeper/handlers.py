"""What a request answers when it failed in a way no view handled (Django's handler500, in both URLconfs),
and the page a rate-limited request gets (TooManyRequestsMiddleware).

A database that refuses a new connection (every connection slot taken, a restart) is not a bug in the
request: it answers 503 with Retry-After, as the JSON API answers Busy, so clients and proxies try again.
It runs for failures in any middleware too, where no view's or API's own error mapping can reach.
"""

import sys

from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views.defaults import server_error as django_server_error

from innkeeper.core.db import unavailable
from innkeeper.core.errors import TooManyRequests

RETRY_AFTER_SECONDS = 5  # long enough for a connection slot to come free, short enough to be invisible


def server_error(request):
    if not unavailable(sys.exc_info()[1]):
        return django_server_error(request)
    message = _("The service is very busy right now. Please try again in a moment.")
    if request.path_info.startswith("/api/"):
        response = JsonResponse({"detail": message, "code": "unavailable"}, status=503)
    else:
        # No request context: the page must not need the database (sessions, the signed-in user).
        response = HttpResponse(loader.render_to_string("503.html", {"message": message}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


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
