"""The page a guest's link shows when it opens nothing: a check-in, door (web key) or booking link that is
broken, from another hotel, expired or used up. It says what happened and what to do, with the hotel's
phone and e-mail, in the page's language; 404 for a link that never worked here, 410 for one that did.
"""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from innkeeper.web import seo

CHECK_IN, DOOR, BOOKING = "check_in", "door", "booking"
TITLES = {CHECK_IN: gettext_lazy("Online check-in"), DOOR: gettext_lazy("Door key"),
          BOOKING: gettext_lazy("Your booking")}
# What to try first, before calling the hotel, when the link itself is wrong (not when it is over).
RESEND = {
    CHECK_IN: gettext_lazy("Open the check-in link from your latest booking e-mail or WhatsApp message once "
                           "more; a link copied in part does not work."),
    DOOR: gettext_lazy("Open the door link from your latest access message once more; a link copied in part "
                       "does not work."),
    BOOKING: gettext_lazy("Open the link from your booking e-mail once more, or find your booking with its "
                          "reference and your e-mail."),
}


class LinkRefused(Http404):
    """A link that opens nothing, raised from a view; the hotel site's 404 handler shows link_page for it."""

    def __init__(self, message: str, *, kind: str):
        super().__init__(message)
        self.message, self.kind = message, kind


def link_page(request, *, kind: str, message: str, status: int = 404) -> HttpResponse:
    """404: the link never worked here (broken, another hotel's); 410: it did, and is over (expired, stay
    ended, cancelled); 409: not yet (e.g. a booking still to be paid)."""
    hotel = request.hotel
    title = str(TITLES[kind])
    return render(request, "web/link_problem.html", {
        "title": title, "message": message, "retry": RESEND[kind] if status == 404 else "", "find": status != 410,
        "meta": seo.meta(request, title=f"{title} — {hotel.name}", description=title, index=False),
    }, status=status)


def refused(request, exception: LinkRefused) -> HttpResponse:
    return link_page(request, kind=exception.kind, message=exception.message)


def booking_link_invalid() -> LinkRefused:
    return LinkRefused(_("This booking link is not valid here."), kind=BOOKING)
