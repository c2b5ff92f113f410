"""Panel pages for bookings: list and search, one booking with its actions, the tape chart, new bookings
taken by phone or at the desk."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from innkeeper.accounts.actors import actor
from innkeeper.booking import lists, selectors, services, stays
from innkeeper.booking.models import Booking
from innkeeper.booking.states import TRANSITIONS, Status
from innkeeper.checkin.models import CheckIn, GuestIdentity
from innkeeper.core import integrations
from innkeeper.core.errors import DomainError
from innkeeper.dashboard import timeline
from innkeeper.dashboard.access import panel_view, redirect_back
from innkeeper.dashboard.forms import BookingFilterForm, CalendarForm, MoveForm, NewBookingForm, StatusForm
from innkeeper.dashboard.paging import page_of
from innkeeper.feedback.models import Feedback
from innkeeper.hotels.models import Room
from innkeeper.journey import services as journey
from innkeeper.locks import selectors as lock_selectors
from innkeeper.locks import services as locks
from innkeeper.locks.models import LockKey
from innkeeper.messaging import selectors as messaging_selectors
from innkeeper.messaging.models import Message
from innkeeper.payments.models import Payment

TAPE_DAYS = 14
MOVABLE = frozenset({Status.HOLD, Status.PENDING_PAYMENT, Status.CONFIRMED, Status.CHECKIN_COMPLETED,
                     Status.CHECKED_IN})


@panel_view
def dashboard(request):
    hotel, today = request.panel_hotel, timezone.localdate()
    month_start = today.replace(day=1)
    next_month = (month_start + timedelta(days=32)).replace(day=1)
    days = selectors.occupancy(hotel=hotel, first_day=today, days=30)
    used, rooms = sum(u for _d, u, _r in days), sum(r for _d, _u, r in days)
    return render(request, "dashboard/home.html", {
        "sheet": selectors.day_sheet(hotel=hotel, now=timezone.now()),
        "today": days[0], "next_30": round(100 * used / rooms) if rooms else 0,
        "revenue": selectors.revenue(hotel=hotel, first_day=month_start, last_day=next_month - timedelta(days=1)),
        "recent": selectors.bookings_find(hotel=hotel)[:10],
    })


PMS_NAMES = {"qloapps": "QloApps", "cloudbeds": "Cloudbeds", "mews": "Mews", "ical": "iCal"}


def pms_name(hotel) -> str:
    """The name of the PMS the hotel's imported bookings come from ("" without one)."""
    account = integrations.account_for(hotel.pk, "pms", active_only=False)
    return PMS_NAMES.get(account.provider, account.provider) if account else ""


@panel_view
def bookings(request):
    """Reservations: a tab (all, arriving today or tomorrow, in house, checked out, cancelled) with every
    tab's count, over the search's results; a page of them. Four queries, however many are listed."""
    form = BookingFilterForm(request.GET or None)
    tab = request.GET.get("tab", "all")
    tab = tab if tab in lists.TAB_CODES else "all"
    found, counts, today = Booking.objects.none(), dict.fromkeys(lists.TAB_CODES, 0), timezone.localdate()
    if form.is_valid() or not request.GET:
        f = form.cleaned_data if request.GET else {}
        found = selectors.bookings_find(hotel=request.panel_hotel, text=f.get("q", ""), status=f.get("status", ""),
                                        source=f.get("source", ""), arriving_from=f.get("arriving_from"),
                                        arriving_to=f.get("arriving_to"))
        counts = lists.tab_counts(found, today=today)
        found = found.filter(lists.tab_filter(tab, today=today))
    return render(request, "dashboard/bookings.html", {
        "form": form, "page": page_of(request, found), "tab": tab, "pms_name": pms_name(request.panel_hotel),
        "tabs": [(t, counts[t.code]) for t in lists.TABS],
    }, status=400 if form.errors else 200)


def _booking(request, reference: str) -> Booking:
    return get_object_or_404(Booking.objects.select_related("room", "room_type"), hotel=request.panel_hotel,
                             reference=reference.upper())


def _free_rooms(booking: Booking):
    return selectors.move_targets(hotel=booking.hotel, bookings=[booking], now=timezone.now())[booking.pk]


@panel_view
def booking_detail(request, reference: str):
    booking = _booking(request, reference)
    return render(request, "dashboard/booking.html", {
        "booking": booking,
        "identity": GuestIdentity.objects.filter(booking=booking).first(),
        "check_in": CheckIn.objects.filter(booking=booking).first(),
        # The PIN's keys, then the app key's beside them, newest first.
        "keys": LockKey.objects.filter(booking=booking).select_related("room").order_by("-method", "-generation"),
        "smart_lock": lock_selectors.stay_has_smart_lock(booking),
        "booking_messages": Message.objects.filter(booking=booking).select_related("booking"),
        "status_form": StatusForm(choices=sorted(TRANSITIONS[booking.status])),
        "move_form": MoveForm(rooms=_free_rooms(booking)),
        "timeline": timeline.booking_timeline(booking),
        "add_ons": booking.add_ons.select_related("add_on"),
        "payments": Payment.objects.filter(hotel=request.panel_hotel, booking=booking),
        "feedback": Feedback.objects.filter(hotel=request.panel_hotel, booking=booking).first(),
        "unreachable": not messaging_selectors.guest_reachable(booking),
    })


def _done(request, booking, message):
    messages.success(request, message)
    return redirect_back(request, "panel:booking", reference=booking.reference)


@require_POST
@panel_view
def booking_status(request, reference: str):
    booking = _booking(request, reference)
    form = StatusForm(request.POST, choices=sorted(TRANSITIONS[booking.status]))
    if not form.is_valid():
        messages.error(request, _("Choose one of the statuses offered."))
        return redirect("panel:booking", reference=booking.reference)
    try:
        booking = journey.booking_transition(booking=booking, to=form.cleaned_data["status"], actor=actor(request),
                                              reason=form.cleaned_data["reason"])
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("panel:booking", reference=booking.reference)
    return _done(request, booking, _("The booking is now %(status)s.") % {"status": booking.get_status_display()})


@require_POST
@panel_view
def booking_move(request, reference: str):
    booking = _booking(request, reference)
    room_id = request.POST.get("room", "")
    room = Room.objects.filter(hotel=request.panel_hotel, pk=room_id).first() if room_id.isdecimal() else None
    if room is None:
        raise Http404
    try:
        booking = journey.booking_move(booking=booking, room=room, actor=actor(request))
    except DomainError as error:
        messages.error(request, error.message)
        return redirect_back(request, "panel:booking", reference=booking.reference)
    return _done(request, booking, _("%(reference)s moved to room %(number)s.")
                 % {"reference": booking.reference, "number": room.number})


KEY_ACTIONS = {
    "issue": (lambda b, who: locks.keys_issue_by_staff(booking=b, actor=who),
              gettext_lazy("The key is being put on the lock.")),
    "revoke": (lambda b, who: locks.keys_revoke_by_staff(booking=b, actor=who),
               gettext_lazy("The key is being taken off the lock.")),
}


@require_POST
@panel_view
def booking_keys(request, reference: str, action: str):
    booking = _booking(request, reference)
    run, done = KEY_ACTIONS[action]
    try:
        run(booking, actor(request))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("panel:booking", reference=booking.reference)


@require_POST
@panel_view
def key_retry(request, reference: str, pk: int):
    booking = _booking(request, reference)
    key = get_object_or_404(LockKey, pk=pk, booking=booking)
    try:
        locks.key_retry(key=key, actor=actor(request))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Trying the lock again."))
    return redirect("panel:booking", reference=booking.reference)


@panel_view
def tape(request):
    today = timezone.localdate()
    calendar = CalendarForm(request.GET, today=today, default=today - timedelta(days=1))
    first = calendar.first_day()
    days = [first + timedelta(days=i) for i in range(TAPE_DAYS)]
    rows = selectors.tape_chart(hotel=request.panel_hotel, first_day=first, days=TAPE_DAYS)
    movable = [bar.booking for _room, bars in rows for bar in bars if bar.booking.status in MOVABLE]
    moves = selectors.move_targets(hotel=request.panel_hotel, bookings=movable, now=timezone.now())
    return render(request, "dashboard/tape.html", {
        "days": days, "rows": rows, "moves": moves, "today": today,
        "earlier": first - timedelta(days=7), "later": first + timedelta(days=7),
        "columns": TAPE_DAYS, "calendar": calendar,
    }, status=400 if calendar.errors else 200)


@panel_view
def booking_new(request):
    hotel = request.panel_hotel
    form = NewBookingForm(request.POST or None, hotel=hotel)
    if request.method == "POST" and form.is_valid():
        f = form.cleaned_data
        try:
            now = timezone.now()
            stay = (stays.hourly(hotel, f["start"], f["hours"], now=now) if f["mode"] == "hourly"
                    else stays.nightly(hotel, f["check_in"], f["check_out"], now=now))
            booking = journey.booking_create(
                hotel=hotel, room_type=f["room_type"].slug, stay=stay, guests=f["guests"],
                guest=services.GuestDetails(f["name"], f["email"], f["phone"]), locale=f["locale"],
                source=f["source"], actor=actor(request), request_key=f["request_key"])
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Booking %(reference)s made.") % {"reference": booking.reference})
            return redirect("panel:booking", reference=booking.reference)
    return render(request, "dashboard/booking_new.html", {"form": form}, status=400 if form.errors else 200)

