"""The page where a guest rates a stay (1–5) and comments, from the link in the message after it: one answer
per booking, the link bound to its booking and to this hotel's site."""

from django.shortcuts import render
from django.utils.translation import gettext as _

from innkeeper.core import throttle
from innkeeper.core.errors import Conflict, InvalidInput, NotFound
from innkeeper.core.http import client_ip
from innkeeper.feedback import services
from innkeeper.web import seo

STAYED = ("CHECKIN_COMPLETED", "CHECKED_IN", "CHECKED_OUT")


def _page(request, template, context, status=200):
    title = _("How was your stay?")
    meta = seo.meta(request, title=f"{title} — {request.hotel.name}", description=title, index=False)
    return render(request, template, {"meta": meta, **context}, status=status)


def feedback(request):
    token = request.GET.get("token", "")
    try:
        booking = services.booking_for_token(token, hotel=request.hotel)
    except NotFound as error:
        throttle.limit("feedback_link", client_ip(request), hotel=request.hotel)
        return _page(request, "web/feedback.html", {"problem": error.message}, status=404)
    if booking.status not in STAYED:
        return _page(request, "web/feedback.html",
                     {"problem": _("You can tell us about your stay once it has begun.")}, status=409)
    answer = services.feedback_of(booking)
    if answer is not None:
        return _page(request, "web/feedback.html", {"answer": answer, "booking": booking})
    error, values = None, {"rating": "", "comment": ""}
    if request.method == "POST":
        values = {"rating": request.POST.get("rating", ""), "comment": request.POST.get("comment", "")}
        try:
            answer = services.feedback_submit(booking=booking, rating=values["rating"], comment=values["comment"])
        except InvalidInput as problem:
            error = problem.message
        except Conflict:
            answer = services.feedback_of(booking)
        if answer is not None:
            return _page(request, "web/feedback.html", {"answer": answer, "booking": booking, "thanks": True})
    return _page(request, "web/feedback.html", {"booking": booking, "token": token, "error": error,
                                                "values": values, "ratings": range(1, 6)},
                 status=400 if error else 200)
