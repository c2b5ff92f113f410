"""The web key ("Open door") and the demo keypad page."""

from django.apps import apps
from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scopes_disabled

from innkeeper.booking.states import Status
from innkeeper.core.errors import Busy, NotFound, TooManyRequests
from innkeeper.core.http import client_ip
from innkeeper.hotels.models import Room
from innkeeper.locks import services
from innkeeper.locks.models import KeyStatus
from innkeeper.web import seo
from innkeeper.web.views import links

# A booking in one of these will never open its door again.
OVER = {
    Status.CHECKED_OUT: gettext_lazy("You have checked out, so this door link no longer works. "
                                     "Thank you for staying with us."),
    Status.CANCELLED: gettext_lazy("This booking was cancelled, so this door link no longer works."),
    Status.NO_SHOW: gettext_lazy("This booking was closed as a no-show, so this door link no longer works."),
}


def _meta(request, title):
    return seo.meta(request, title=f"{title} — {request.hotel.name}", description=title, index=False)


def webkey(request):
    now = timezone.now()
    token = request.GET.get("token", "")
    context = {"token": token, "meta": _meta(request, _("Door key"))}
    status = 200
    try:
        key = services.webkey_key(token, now=now)
        if key.hotel_id != request.hotel.id:
            raise NotFound(_("This door link is not valid. Please use the link from your access message."))
    except (NotFound, services.WebKeyRefused) as error:
        return links.link_page(request, kind=links.DOOR, message=error.message,
                               status=404 if isinstance(error, NotFound) else 410)
    over = OVER.get(key.booking.status)  # the stay is over for good: say that, not "not checked in"
    if over and request.method != "POST":
        return links.link_page(request, kind=links.DOOR, message=str(over), status=410)
    context.update({"key": key, "booking": key.booking, "room": key.room,
                    "valid_from": key.valid_from.astimezone(key.hotel.tz),
                    "valid_until": key.valid_until.astimezone(key.hotel.tz)})
    try:
        services.webkey_check(key, now)
        refusal = None
    except services.WebKeyRefused as error:
        refusal = error
    if refusal is not None and refusal.code == "key_replaced" and key.status == KeyStatus.PENDING \
            and key.room_id == key.booking.room_id:
        # Not replaced: a worker is still making it on the lock. The page refreshes itself until it is ACTIVE.
        context["preparing"] = True
        refusal = services.WebKeyRefused(_("Your door code is being prepared. This page updates itself in a few "
                                           "seconds."), code="key_preparing")
    # The door code lives on this token-bound page only (not on the check-in page), while the key can
    # open its door or soon will.
    if refusal is None or refusal.code == "too_early":
        context["access"] = services.access_details(key)
    if request.method != "POST":
        if refusal is not None:  # say it before the guest presses the button
            context["message"], context["waiting"] = refusal.message, True
    else:
        try:
            services.webkey_unlock(token=token, channel="web", ip=client_ip(request), now=now, hotel=request.hotel)
        except TooManyRequests as error:
            context["message"], status = error.message, 429
        except Busy as error:  # the key's other presses held it too long: a moment later it works
            context["message"], status = error.message, 503
        except (NotFound, services.WebKeyRefused) as error:
            if over:  # the press is logged as refused, as any other
                return links.link_page(request, kind=links.DOOR, message=str(over), status=410)
            context["message"], status = error.message, 409
        else:
            context["opened"] = True
    return render(request, "locks/webkey.html", context, status=status)


def keypad(request, number):
    """Demo only: a room's keypad that checks a typed PIN against the simulated lock cloud."""
    if (settings.INNKEEPER_MODE != "demo" or settings.LOCK_PROVIDER != "simulator"
            or not apps.is_installed("innkeeper.simulators")):
        raise Http404
    from innkeeper.simulators import locks as simulator  # demo mode only: its tables exist only there

    with scopes_disabled():
        room = Room.objects.filter(hotel=request.hotel, number=number).first()
    if room is None or not room.lock_id:
        raise Http404
    result = None
    if request.method == "POST":
        result = simulator.keypad_enter(lock_id=room.lock_id, pin=request.POST.get("pin", ""))
    return render(request, "locks/keypad.html", {"room": room, "result": result,
                                                 "meta": _meta(request, _("Keypad of room %(n)s") % {"n": number})},
                  status=200 if result is not False else 403)
