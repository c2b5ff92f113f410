"""The online check-in pages: overview → guest details → extras → confirmation → done.

No JavaScript needed. Each step saves the guest's draft, so going back keeps what was entered.
"""

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from innkeeper.booking.pricing import with_add_ons
from innkeeper.checkin import services
from innkeeper.core import throttle
from innkeeper.core.crypto import mask
from innkeeper.core.errors import Busy, Conflict, InvalidInput, NotFound
from innkeeper.core.http import client_ip
from innkeeper.hotels import selectors as hotel_selectors
from innkeeper.journey import services as journey
from innkeeper.locks import selectors as lock_selectors
from innkeeper.locks import services as lock_keys
from innkeeper.locks.models import KeyStatus
from innkeeper.web import seo
from innkeeper.web.checkin_forms import IDENTITY_FIELDS, AddOnsForm, IdentityForm
from innkeeper.web.views import links

STEPS = ("overview", "guest", "extras", "confirm")


def _meta(request, title):
    return seo.meta(request, title=f"{title} — {request.hotel.name}", description=title, index=False)


def _go(token, step):
    return redirect(reverse("check_in") + "?" + urlencode({"token": token, "step": step}))


def _identity(draft, today):
    return services.clean_identity(**{f: draft.get(f, "") for f in IDENTITY_FIELDS}, today=today)


def check_in(request):
    now = timezone.now()
    token = request.GET.get("token", "")
    try:
        booking = services.booking_for_token(token, now=now, hotel=request.hotel)
    except (NotFound, Conflict) as error:
        if isinstance(error, NotFound):  # a link that opens nothing counts against its sender
            throttle.limit("checkin_link", client_ip(request), hotel=request.hotel)
        return links.link_page(request, kind=links.CHECK_IN, message=error.message,
                               status=404 if isinstance(error, NotFound) else 410)
    try:
        services.ensure_open(booking)
    except Conflict as error:
        if error.code != "already_completed":  # over for good (cancelled, checked out...) or not yet (unpaid)
            return links.link_page(request, kind=links.CHECK_IN, message=error.message,
                                   status=410 if error.code == "booking_over" else 409)
        key = lock_keys.current_key(booking)
        access = None
        if key and key.status == KeyStatus.ACTIVE:
            # No door code here: the check-in link works for the whole stay and is easily shared; the
            # code is shown on the key's own web-key page, whose link this page gives.
            details = lock_keys.access_details(key)
            access = {f: details[f] for f in ("room_number", "valid_from", "valid_until", "web_key_link")}
        # A room without a smart lock has no key to wait for: the page says where the key is instead.
        key_collection = ("" if key is not None or lock_selectors.stay_has_smart_lock(booking)
                          else hotel_selectors.key_collection_text(booking.hotel))
        return render(request, "checkin/done.html", {
            "booking": booking, "message": error.message, "code": error.code, "token": token,
            "access": access, "key_collection": key_collection,
            "key": key, "meta": _meta(request, _("Online check-in"))})

    step = request.GET.get("step", "overview")
    step = step if step in STEPS else "overview"
    draft = services.draft_load(booking)
    context = {"booking": booking, "token": token, "step": step, "steps": STEPS,
               "step_number": STEPS.index(step) + 1, "meta": _meta(request, _("Online check-in"))}
    today = timezone.localdate(timezone=booking.hotel.tz)

    if step == "guest":
        # The phone's country: the guest's nationality once known, else the hotel's (a stored number has its own).
        region = draft.get("nationality") or booking.hotel.country.code
        initial = {**{f: draft.get(f, "") for f in IDENTITY_FIELDS}, "phone": draft.get("phone", booking.guest_phone)}
        form = IdentityForm(request.POST or None, initial=initial, today=today, region=region,
                            smart_lock=lock_selectors.stay_has_smart_lock(booking))
        if request.method == "POST":
            # Only details that pass every check are kept; with any mistake nothing is saved, the page shows
            # every mistake at once and what was typed (Back leaves, keeping the last complete details).
            if form.is_valid():
                services.draft_save(booking, form.draft())
                return _go(token, "overview" if "back" in request.POST else "extras")
            if "back" in request.POST:
                return _go(token, "overview")
        return render(request, "checkin/guest.html", {**context, "form": form})

    if step == "extras":
        offered = services.offered_add_ons(booking, now=now)
        form = AddOnsForm(request.POST or None, offered=offered, initial={"add_ons": draft.get("add_ons", [])})
        if request.method == "POST" and form.is_valid():
            services.draft_save(booking, {"add_ons": form.cleaned_data["add_ons"]})
            return _go(token, "guest" if "back" in request.POST else "confirm")
        return render(request, "checkin/extras.html", {**context, "form": form, "offered": offered})

    if step == "confirm":
        try:
            identity = _identity(draft, today)
        except InvalidInput:
            return _go(token, "guest")
        offered = services.offered_add_ons(booking, now=now)  # an extra chosen earlier may have gone since
        codes = [c for c in draft.get("add_ons", []) if c in {a.code for a in offered}]
        chosen = [a for a in offered if a.code in codes]
        preview = with_add_ons(hotel=booking.hotel, quoted=booking.quote, add_ons=chosen,
                               units=booking.nights or 1, guests=booking.guests)
        message = ""
        if request.method == "POST":
            if "back" in request.POST:
                return _go(token, "extras")
            try:
                journey.checkin_complete(booking=booking, identity=identity, add_ons=codes,
                                         phone=draft.get("phone"), now=now)
            except (InvalidInput, Conflict, Busy) as error:
                message = error.message
            else:
                return redirect(reverse("check_in") + "?" + urlencode({"token": token}))
        return render(request, "checkin/confirm.html", {
            **context, "identity": identity, "document_masked": mask(identity.document_number),
            "phone": draft.get("phone", booking.guest_phone),
            "chosen": chosen, "preview": preview, "message": message})

    return render(request, "checkin/overview.html",
                  {**context, "smart_lock": lock_selectors.stay_has_smart_lock(booking)})
