"""Panel pages for guest messages: the communication log with retry, resending from a booking, the
addresses that asked for no messages, and the template editor with a preview in each language."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from innkeeper.accounts.actors import actor
from innkeeper.booking.models import Booking
from innkeeper.core.errors import DomainError
from innkeeper.dashboard.access import panel_view, redirect_back
from innkeeper.dashboard.forms import MessageFilterForm, OptOutForm, TemplateForm
from innkeeper.dashboard.paging import page_of
from innkeeper.messaging import selectors, services
from innkeeper.messaging.models import BUILT_IN, Channel, Message, MessageAttempt, MessageType, OptOut
from innkeeper.messaging.services import limits
from innkeeper.messaging.variables import VARIABLES


@panel_view
def log(request):
    form = MessageFilterForm(request.GET or None)
    f = form.cleaned_data if form.is_valid() else {}
    found = selectors.messages_find(hotel=request.panel_hotel, status=f.get("status", ""), type=f.get("type", ""),
                                    channel=f.get("channel", ""), reference=f.get("booking", ""))
    return render(request, "dashboard/messages.html", {"form": form, "page": page_of(request, found),
                                                       "notices": limits.notices(hotel=request.panel_hotel)})


@panel_view
def detail(request, pk: int):
    message = get_object_or_404(Message.objects.select_related("booking"), pk=pk, hotel=request.panel_hotel)
    return render(request, "dashboard/message.html", {
        "message": message, "attempts": MessageAttempt.objects.filter(message=message).order_by("number", "id")})


@require_POST
@panel_view
def retry(request, pk: int):
    message = get_object_or_404(Message, pk=pk, hotel=request.panel_hotel)
    try:
        services.message_retry(message=message, actor=actor(request))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The message is queued again."))
    return redirect_back(request, "panel:messages")


@panel_view
def optouts(request):
    """Who asked for no messages (a STOP reply, a provider's refusal, or staff on the guest's word): staff
    add one when a guest asks at the desk, and remove one when the guest wants messages again."""
    hotel = request.panel_hotel
    form = OptOutForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                optout = services.optout_add(hotel=hotel, channel=form.cleaned_data["channel"],
                                             address=form.cleaned_data["address"], actor=request.user)
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _("%(address)s gets no more %(channel)s messages from the hotel.")
                                 % {"address": optout.address, "channel": optout.get_channel_display()})
                return redirect("panel:optouts")
        status = 400
    return render(request, "dashboard/optouts.html", {"form": form, "optouts": selectors.optouts(hotel=hotel)},
                  status=status)


@require_POST
@panel_view
def optout_remove(request, pk: int):
    optout = get_object_or_404(OptOut, pk=pk, hotel=request.panel_hotel)
    services.optout_remove(hotel=request.panel_hotel, channel=optout.channel, address=optout.address,
                           actor=request.user)
    messages.success(request, _("%(address)s gets %(channel)s messages from the hotel again.")
                     % {"address": optout.address, "channel": optout.get_channel_display()})
    return redirect("panel:optouts")


RESEND = {"confirmation": MessageType.BOOKING_CONFIRMATION, "check-in-link": MessageType.CHECKIN_REMINDER}


@require_POST
@panel_view
def resend(request, reference: str, what: str):
    booking = get_object_or_404(Booking.objects.select_related("hotel", "room", "room_type"),
                                hotel=request.panel_hotel, reference=reference.upper())
    try:
        services.message_resend(booking=booking, type=RESEND[what], actor=actor(request))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Sent again to %(email)s (and WhatsApp where the guest has it).")
                         % {"email": booking.guest_email})
    return redirect("panel:booking", reference=booking.reference)


@panel_view(owner_only=True)
def templates(request):
    hotel = request.panel_hotel
    data = request.POST or request.GET or None
    form = TemplateForm(data)
    chosen = form.choice()
    subject, body = services.template_for(hotel=hotel, type=chosen["type"], channel=chosen["channel"],
                                          locale=chosen["locale"])
    if request.method != "POST":  # show what is in use now
        form = TemplateForm(initial={**chosen, "subject": subject, "body": body})
    preview, status = None, 200
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            preview = services.template_preview(hotel=hotel, type=d["type"], channel=d["channel"], locale=d["locale"],
                                                subject=d["subject"], body=d["body"])
            if "save" in request.POST:
                services.template_save(hotel=hotel, type=d["type"], channel=d["channel"], locale=d["locale"],
                                       subject=d["subject"], body=d["body"], actor=request.user)
                messages.success(request, _("Template saved."))
                return redirect(f"{request.path}?type={d['type']}&channel={d['channel']}&locale={d['locale']}")
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
            status = 400
    elif request.method == "POST":
        status = 400
    if preview is None and not form.errors:
        try:
            preview = services.template_preview(hotel=hotel, subject=subject, body=body, **chosen)
        except DomainError as error:  # a template saved before saving checked it: show what to fix
            form = TemplateForm({**chosen, "subject": subject, "body": body})
            form.is_valid()
            form.add_error(error.field if error.field in form.fields else None, error.message)
    previews = []  # side by side: the text being edited, and the same message in every other language as it is now
    for code, name in settings.LANGUAGES:
        if code == chosen["locale"]:
            previews.append((code, name, preview))
            continue
        other = {**chosen, "locale": code}
        other_subject, other_body = services.template_for(hotel=hotel, **other)
        try:
            previews.append((code, name, services.template_preview(hotel=hotel, subject=other_subject,
                                                                   body=other_body, **other)))
        except DomainError as error:
            previews.append((code, name, {"error": error.message}))
    return render(request, "dashboard/templates.html", {
        "form": form, "previews": previews, "chosen": chosen, "variables": VARIABLES,
        "languages": settings.LANGUAGES, "channels": Channel.choices,
        "types": [(t, MessageType(t).label) for t in BUILT_IN],
    }, status=status)
