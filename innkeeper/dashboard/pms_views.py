"""The panel's PMS pages (owner): connect the hotel's PMS, its sync's state and last result, "Sync now" and
"Test connection" (both a worker's: no PMS call here), the journey steps its reservations set off, the room
and room type mapping, and the reservations kept aside with what to do about each."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from innkeeper.core import checks, integrations, providers
from innkeeper.core.errors import DomainError
from innkeeper.dashboard.access import panel_view
from innkeeper.hotels.models import Room, RoomType
from innkeeper.journey.tasks import pms_sync_task
from innkeeper.pms import mapping
from innkeeper.pms import services as sync
from innkeeper.pms.models import RUN_LEASE, Problem, RoomMapping, RoomTypeMapping

WHAT_TO_DO = {
    Problem.UNMATCHED_ROOM: gettext_lazy("Map the PMS room to one of your rooms on the mapping page; the next sync "
                                         "imports the stay."),
    Problem.UNMATCHED_TYPE: gettext_lazy("Map the PMS room type to one of your room types on the mapping page; the "
                                         "next sync imports the stay."),
    Problem.OVERLAP: gettext_lazy("The room is taken here for these dates. Move one of the two stays to another "
                                  "room (here or in the PMS); the next sync imports it."),
    Problem.MISSING_DATES: gettext_lazy("Give the reservation its arrival and departure dates in the PMS."),
    Problem.REFUSED: gettext_lazy("Check the reservation in the PMS; the next sync tries again."),
}


class ProviderForm(forms.Form):
    provider = forms.ChoiceField(label=gettext_lazy("PMS"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [(name, name) for name in providers.names("pms")]


def connect_form(provider: str, data=None, *, stored: bool = False) -> forms.Form:
    """The chosen provider's settings as a form: one field each, secrets blank (blank keeps the stored one)."""
    cls = providers.get("pms", provider)
    form = forms.Form(data, prefix="pms")
    for f in cls.fields:
        widget = forms.PasswordInput(render_value=False) if f.secret else None
        form.fields[f.name] = forms.CharField(label=f.name.replace("_", " ").capitalize(), widget=widget,
                                              required=f.required and not (f.secret and stored), max_length=500)
    return form


class StepsForm(forms.Form):
    send_confirmation = forms.BooleanField(required=False, label=gettext_lazy(
        "Send the booking confirmation (and the cancellation) for PMS reservations"))
    send_checkin = forms.BooleanField(required=False, label=gettext_lazy(
        "Send the online check-in link and its reminder"))
    issue_keys = forms.BooleanField(required=False, label=gettext_lazy("Issue door keys"))


def _context(hotel, **extra) -> dict:
    account = integrations.account_for(hotel.pk, "pms", active_only=False)
    state = sync.state_for(account) if account else None
    now = timezone.now()
    check = integrations.connection_checks(hotel.pk, ["pms"]).get("pms")
    problems = list(sync.problem_rows(hotel=hotel)[:200]) if account else []
    for row in problems:
        row.what_to_do = WHAT_TO_DO.get(row.problem, "")
    provider = extra.pop("provider", None) or (account.provider if account else None) or next(
        iter(providers.names("pms")), None)
    return {
        "account": account, "state": state, "running": bool(state and state.running(now)),
        "asked": bool(state and state.requested_at and not state.running(now)),
        "provider_form": ProviderForm(initial={"provider": provider}),
        "connect": extra.pop("connect", None) or (connect_form(provider, stored=bool(account)) if provider else None),
        "provider": provider,
        "steps": StepsForm(initial={"send_confirmation": state.send_confirmation, "send_checkin": state.send_checkin,
                                    "issue_keys": state.issue_keys} if state else None),
        "check": check, "checking": bool(check and checks.state(requested_at=check.requested_at,
                                                                done_at=check.checked_at, now=now) == checks.CHECKING),
        "wait_seconds": int(RUN_LEASE.total_seconds()),  # a run that takes longer has died: stop looking then
        "problems": problems, "webhook": f"/hooks/pms/{account.provider}/{account.pk}" if account else "",
        **extra,
    }


@panel_view(owner_only=True)
def pms_page(request):
    hotel = request.panel_hotel
    provider = request.GET.get("provider") if request.GET.get("provider") in providers.names("pms") else None
    return render(request, "dashboard/pms.html", _context(hotel, provider=provider))


@require_POST
@panel_view(owner_only=True)
def pms_connect(request):
    hotel = request.panel_hotel
    provider = request.POST.get("provider", "")
    if provider not in providers.names("pms"):
        messages.error(request, _("Choose one of the PMSs offered."))
        return redirect("panel:pms")
    account = integrations.account_for(hotel.pk, "pms", active_only=False)
    form = connect_form(provider, request.POST, stored=bool(account and account.provider == provider))
    if form.is_valid():
        try:
            with transaction.atomic():
                sync.account_connect(hotel=hotel, actor=request.user, provider=provider, config=form.cleaned_data)
                integrations.account_verify_request(hotel=hotel, kind="pms", language=request.LANGUAGE_CODE)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("PMS account saved. The connection is being tested; press “Sync now” to "
                                        "import its reservations."))
            return redirect("panel:pms")
    return render(request, "dashboard/pms.html", _context(hotel, provider=provider, connect=form), status=400)


@require_POST
@panel_view(owner_only=True)
def pms_verify(request):
    integrations.account_verify_request(hotel=request.panel_hotel, kind="pms", language=request.LANGUAGE_CODE)
    return redirect("panel:pms")


@require_POST
@panel_view(owner_only=True)
def pms_sync_now(request):
    account = integrations.account_for(request.panel_hotel.pk, "pms")
    if account is None:
        messages.error(request, _("Connect the hotel's PMS first."))
    elif sync.sync_request(account=account):
        transaction.on_commit(lambda: pms_sync_task.delay(account.pk))
        messages.success(request, _("The sync has been asked for; this page shows its result when it is done."))
    else:
        messages.info(request, _("A sync is under way already."))
    return redirect("panel:pms")


@require_POST
@panel_view(owner_only=True)
def pms_steps(request):
    hotel = request.panel_hotel
    account = integrations.account_for(hotel.pk, "pms", active_only=False)
    form = StepsForm(request.POST)
    if account is not None and form.is_valid():
        sync.steps_set(hotel=hotel, actor=request.user, account=account, **form.cleaned_data)
        messages.success(request, _("Saved."))
    return redirect("panel:pms")


@panel_view(owner_only=True)
def pms_mapping(request):
    hotel = request.panel_hotel
    account = integrations.account_for(hotel.pk, "pms", active_only=False)
    if account is None:
        return redirect("panel:pms")
    room_maps = list(RoomMapping.objects.filter(hotel=hotel, account=account))
    type_maps = list(RoomTypeMapping.objects.filter(hotel=hotel, account=account))
    if request.method == "POST":
        def chosen(prefix, rows):
            picked = {}
            for m in rows:
                value = request.POST.get(f"{prefix}-{m.pk}", "")
                picked[m.pk] = int(value) if value.isdigit() else None
            return picked

        try:
            changed = mapping.mapping_set(hotel=hotel, actor=request.user, account=account,
                                          rooms=chosen("room", room_maps), room_types=chosen("type", type_maps))
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Mapping saved (%(n)d changed). The next sync imports what it unblocks.")
                             % {"n": changed})
        return redirect("panel:pms_mapping")
    return render(request, "dashboard/pms_mapping.html", {
        "room_maps": room_maps, "type_maps": type_maps,
        "rooms": list(Room.objects.filter(hotel=hotel).order_by("number")),
        "room_types": list(RoomType.objects.filter(hotel=hotel)),
    })
