"""Panel pages for what the hotel sells and how it runs: rooms and locks, room types, rates, add-ons,
settings and domains. Owners change them; staff may only take a room in or out of service."""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from innkeeper.accounts.models import Role
from innkeeper.core import activity, integrations
from innkeeper.core.errors import DomainError
from innkeeper.dashboard import check_views
from innkeeper.dashboard.access import forbidden, panel_view
from innkeeper.dashboard.catalogue_forms import (
    AddOnForm,
    DomainForm,
    HotelSettingsForm,
    RatesForm,
    RoomForm,
    RoomStatusForm,
    RoomTypeForm,
)
from innkeeper.dashboard.forms import CalendarForm, LockAccountForm, MessagingAccountForm
from innkeeper.hotels import services, verification
from innkeeper.hotels.models import AddOn, HotelDomain, RateOverride, Room, RoomType
from innkeeper.locks import binding as lock_binding
from innkeeper.locks import providers as lock_providers
from innkeeper.locks import services as locks
from innkeeper.messaging import providers
from innkeeper.messaging import services as messaging

RATE_DAYS = 21


def _save(request, form, call, done_message, redirect_to):
    """Run a service with a valid form's data; put its error beside the right field otherwise."""
    if form.is_valid():
        try:
            call(form)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, done_message)
            return redirect(redirect_to)
    return None


@panel_view
def rooms(request):
    hotel = request.panel_hotel
    owner = request.membership.role == Role.OWNER
    form = RoomForm(request.POST or None, hotel=hotel) if owner else None
    if request.method == "POST":
        if not owner:
            return forbidden(request, "owner_only")
        done = _save(request, form, lambda f: lock_binding.room_save(hotel=hotel, actor=request.user,
                                                                     **f.cleaned_data),
                     _("Room added."), "panel:rooms")
        if done:
            return done
    if form is not None:
        lock_binding.lock_list_request(hotel=hotel)  # a worker reads it when it is old or missing
        form.offer_locks()
    return render(request, "dashboard/rooms.html", {
        "room_types": RoomType.objects.filter(hotel=hotel).prefetch_related("rooms"),
        "form": form, "owner": owner, "status_choices": RoomStatusForm().fields["status"].choices,
        "lock_list": form.lock_list if form is not None else None,
    }, status=400 if form is not None and form.errors else 200)


@panel_view
def room_edit(request, pk: int):
    hotel = request.panel_hotel
    room = get_object_or_404(Room, pk=pk, hotel=hotel)
    owner = request.membership.role == Role.OWNER
    if request.method == "POST" and not owner:  # staff: the status only
        form = RoomStatusForm(request.POST)
        done = _save(request, form, lambda f: services.room_update(hotel=hotel, room=room, actor=request.user,
                                                                   status=f.cleaned_data["status"]),
                     _("Room %(number)s updated.") % {"number": room.number}, "panel:rooms")
        return done or redirect("panel:rooms")
    if not owner:
        return forbidden(request, "owner_only")
    form = RoomForm(request.POST or None, instance=copy.copy(room), hotel=hotel)
    if request.method == "POST":
        done = _save(request, form, lambda f: lock_binding.room_save(hotel=hotel, room=room,
                                                                     actor=request.user, **f.cleaned_data),
                     _("Room %(number)s updated.") % {"number": room.number}, "panel:rooms")
        if done:
            return done
    lock_binding.lock_list_request(hotel=hotel)  # a worker reads it when it is old or missing
    form.offer_locks()
    return render(request, "dashboard/edit.html", {"form": form, "title": _("Room %(number)s") % {
        "number": room.number}, "back": "panel:rooms", "lock_list": form.lock_list},
        status=400 if form.errors else 200)


@panel_view(owner_only=True)
def room_type_edit(request, pk: int | None = None):
    hotel = request.panel_hotel
    room_type = get_object_or_404(RoomType, pk=pk, hotel=hotel) if pk else None
    form = RoomTypeForm(request.POST or None, instance=copy.copy(room_type) if room_type else None,
                        main_language=hotel.default_locale)
    if request.method == "POST":
        if room_type:
            call = lambda f: services.room_type_update(  # noqa: E731
                hotel=hotel, room_type=room_type, actor=request.user,
                **{k: v for k, v in f.cleaned_data.items() if k != "slug"})
        else:
            call = lambda f: services.room_type_create(hotel=hotel, actor=request.user, **f.cleaned_data)  # noqa: E731
        done = _save(request, form, call, _("Room type saved."), "panel:rooms")
        if done:
            return done
    return render(request, "dashboard/edit.html", {
        "form": form, "title": room_type.name if room_type else _("New room type"), "back": "panel:rooms",
    }, status=400 if form.errors else 200)


@panel_view(owner_only=True)
def add_ons(request):
    hotel = request.panel_hotel
    form = AddOnForm(request.POST or None, main_language=hotel.default_locale)
    if request.method == "POST":
        done = _save(request, form, lambda f: services.add_on_create(hotel=hotel, actor=request.user,
                                                                     **f.cleaned_data),
                     _("Extra added."), "panel:add_ons")
        if done:
            return done
    return render(request, "dashboard/add_ons.html", {"add_ons": AddOn.objects.filter(hotel=hotel), "form": form},
                  status=400 if form.errors else 200)


@panel_view(owner_only=True)
def add_on_edit(request, pk: int):
    hotel = request.panel_hotel
    add_on = get_object_or_404(AddOn, pk=pk, hotel=hotel)
    form = AddOnForm(request.POST or None, instance=copy.copy(add_on), main_language=hotel.default_locale)
    if request.method == "POST":
        done = _save(request, form, lambda f: services.add_on_update(
            hotel=hotel, add_on=add_on, actor=request.user, **{k: v for k, v in f.cleaned_data.items() if k != "code"}),
            _("Extra saved."), "panel:add_ons")
        if done:
            return done
    return render(request, "dashboard/edit.html", {"form": form, "title": add_on.name, "back": "panel:add_ons"},
                  status=400 if form.errors else 200)


def _calendar(hotel, first: date):
    days = [first + timedelta(days=i) for i in range(RATE_DAYS)]
    overrides = {(r.room_type_id, r.date): r for r in RateOverride.objects.filter(
        hotel=hotel, date__gte=first, date__lt=first + timedelta(days=RATE_DAYS))}
    rows = []
    for room_type in RoomType.objects.filter(hotel=hotel):
        cells = []
        for day in days:
            o = overrides.get((room_type.pk, day))
            price = o.price_nightly if o and o.price_nightly is not None else room_type.base_price_nightly
            cells.append({"day": day, "price": price, "special": bool(o and o.price_nightly is not None),
                          "closed": bool(o and o.closed), "min_stay": o.min_stay if o else None})
        rows.append((room_type, cells))
    return days, rows


@panel_view
def rates(request):
    hotel = request.panel_hotel
    owner = request.membership.role == Role.OWNER
    calendar = CalendarForm(request.GET, today=timezone.localdate(), default=timezone.localdate())
    first = calendar.first_day()
    form = RatesForm(request.POST or None, hotel=hotel)
    if request.method == "POST":
        if not owner:
            return forbidden(request, "owner_only")
        if form.is_valid() and not form.changes():
            form.add_error(None, _("Nothing to change: give a price, a minimum stay, or close or open the dates."))
        else:
            done = _save(request, form, lambda f: services.rates_set(
                hotel=hotel, room_type=f.cleaned_data["room_type"], date_from=f.cleaned_data["date_from"],
                date_to=f.cleaned_data["date_to"], actor=request.user, **f.changes()),
                _("Rates saved."), request.get_full_path())
            if done:
                return done
    days, rows = _calendar(hotel, first)
    return render(request, "dashboard/rates.html", {
        "form": form if owner else None, "days": days, "rows": rows, "currency": hotel.currency,
        "earlier": first - timedelta(days=RATE_DAYS), "later": first + timedelta(days=RATE_DAYS),
        "calendar": calendar,
    }, status=400 if form.errors or calendar.errors else 200)


LOCK_PROVIDER_LABELS = dict(LockAccountForm.base_fields["provider"].choices)


def _settings_context(hotel, **forms):
    account = integrations.account_for(hotel.pk, "lock", active_only=False)
    config = account.config if account else {}
    initial = {"provider": account.provider, "client_id": config.get("client_id", ""),
               "username": config.get("username", ""), "base_url": config.get("base_url", ""),
               "is_active": account.is_active} if account else {}
    initial.update(lock_providers.app_key_switches(config if account else None))
    shown = {"is_active": account.is_active, "get_provider_display": LOCK_PROVIDER_LABELS.get(account.provider),
             "last_ok_at": account.last_ok_at, "last_error": account.last_error} if account else None
    context = {"form": HotelSettingsForm(instance=copy.copy(hotel), prefix="hotel"),
               "domain_form": DomainForm(prefix="domain"), "lock_form": LockAccountForm(initial=initial, prefix="lock"),
               "lock_account": shown, "install_locks": lock_providers.install_account() is not None,
               "domains": HotelDomain.objects.filter(hotel=hotel)}
    context.update(_messaging_context(hotel))
    context["connection"] = check_views.connection_states(hotel)
    context.update(forms)
    return context


WHATSAPP_PROVIDER_LABELS = dict(MessagingAccountForm.base_fields["whatsapp_provider"].choices)


def _messaging_context(hotel):
    whatsapp = integrations.account_for(hotel.pk, "whatsapp", active_only=False)
    own = whatsapp or integrations.account_for(hotel.pk, "email", active_only=False)
    values = messaging.messaging_account_values(hotel.pk)
    initial = {name: values[name] for name in messaging.ACCOUNT_FIELDS} if own else {}
    if initial.get("twilio_content_sids"):
        initial["twilio_content_sids"] = json.dumps(initial["twilio_content_sids"], ensure_ascii=False)
    else:
        initial.pop("twilio_content_sids", None)
    account = {"is_active": own.is_active, "whatsapp_provider": values["whatsapp_provider"],
               "get_whatsapp_provider_display": WHATSAPP_PROVIDER_LABELS.get(values["whatsapp_provider"]),
               "last_ok_at": whatsapp.last_ok_at if whatsapp else None,
               "last_error": whatsapp.last_error if whatsapp else ""} if own else None
    has_hook = bool(whatsapp and whatsapp.is_active and whatsapp.provider in providers.HOOKED)
    return {"messaging_form": MessagingAccountForm(initial=initial, prefix="msg"), "messaging_account": account,
            "messaging_hook": has_hook,
            "messaging_hook_url": providers.hook_url(whatsapp.provider, whatsapp.pk) if has_hook else ""}


@panel_view(owner_only=True)
def settings_page(request):
    hotel = request.panel_hotel
    form = HotelSettingsForm(request.POST or None, request.FILES or None, instance=copy.copy(hotel), prefix="hotel")
    if request.method == "POST":
        done = _save(request, form, lambda f: services.hotel_update(hotel=hotel, actor=request.user, **f.changes()),
                     _("Settings saved."), "panel:settings")
        if done:
            return done
    return render(request, "dashboard/settings.html", _settings_context(hotel, form=form),
                  status=400 if form.errors else 200)


@require_POST
@panel_view(owner_only=True)
def lock_account(request):
    hotel = request.panel_hotel
    form = LockAccountForm(request.POST, prefix="lock")

    def save(f):
        locks.lock_account_set(hotel=hotel, actor=request.user, **f.cleaned_data)
        lock_binding.lock_list_request(hotel=hotel, force=True)  # the saved account's locks, read by a worker

    done = _save(request, form, save, _("Lock account saved."), "panel:settings")
    return done or render(request, "dashboard/settings.html", _settings_context(hotel, lock_form=form), status=400)


@require_POST
@panel_view(owner_only=True)
def messaging_account(request):
    hotel = request.panel_hotel
    form = MessagingAccountForm(request.POST, prefix="msg")
    done = _save(request, form, lambda f: messaging.messaging_account_set(hotel=hotel, actor=request.user,
                                                                         **f.cleaned_data),
                 _("Messaging account saved."), "panel:settings")
    return done or render(request, "dashboard/settings.html", _settings_context(hotel, messaging_form=form),
                          status=400)


@require_POST
@panel_view(owner_only=True)
def domain_add(request):
    hotel = request.panel_hotel
    form = DomainForm(request.POST, prefix="domain")
    done = _save(request, form, lambda f: services.domain_add(hotel=hotel, domain=f.cleaned_data["domain"],
                                                              primary=f.cleaned_data["primary"], actor=request.user),
                 _("Domain added. Create the DNS record shown for it to prove that it is the hotel's: the "
                   "site answers on it once it is verified."), "panel:domains")
    return done or _domains_page(request, form, status=400)


def _domains_page(request, form=None, status=200):
    rows = list(HotelDomain.objects.filter(hotel=request.panel_hotel).order_by("-is_primary", "domain"))
    now = timezone.now()
    for row in rows:  # what a pending domain's owner must publish, and where its check is
        row.record_name = verification.record_name(row.domain)
        row.record_value = verification.record_value(row.verification_token)
        row.state = verification.domain_state(row, now=now)
    return render(request, "dashboard/domains.html", {
        "domains": rows, "domain_form": form or DomainForm(prefix="domain")}, status=status)


@panel_view(owner_only=True)
def domains(request):
    return _domains_page(request)


DOMAIN_ACTIONS = {
    "primary": (services.domain_make_primary, gettext_lazy("%(domain)s is now the main domain.")),
    "remove": (services.domain_remove, gettext_lazy("%(domain)s removed: the site no longer answers on it.")),
}


@require_POST
@panel_view(owner_only=True)
def domain_action(request, pk: int, action: str):
    domain = get_object_or_404(HotelDomain, pk=pk, hotel=request.panel_hotel)
    run, done = DOMAIN_ACTIONS[action]
    try:
        run(hotel=request.panel_hotel, domain=domain, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done % {"domain": domain.domain})
    return redirect("panel:domains")


AUDIT_PAGE = 50


@panel_view(owner_only=True)
def audit_log(request):
    """What happened in the hotel, newest first, 50 to a page: settings and team changes, and the bookings'
    history (status, room, keys, messages sent again), each as a sentence with its details."""
    page = Paginator(activity.of_hotel(request.panel_hotel), AUDIT_PAGE).get_page(request.GET.get("page"))
    return render(request, "dashboard/audit.html", {"page": page})
