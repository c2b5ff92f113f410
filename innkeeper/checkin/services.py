"""Online check-in: the magic link, the guest's draft, identity checks, completion, reminders.

Completion is one transaction that the journey runs (innkeeper.journey.services.checkin_complete): the
extras are added to the booking, the identity is stored here (passport number encrypted), the booking
becomes CHECKIN_COMPLETED and its key is queued.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django_countries import countries
from django_scopes import scopes_disabled

from innkeeper.booking import selectors
from innkeeper.booking.models import Booking
from innkeeper.booking.states import Status
from innkeeper.checkin.models import CheckIn, GuestIdentity
from innkeeper.core import tokens
from innkeeper.core.errors import Conflict, InvalidInput, NotFound
from innkeeper.hotels.links import CHECKIN_TOKEN_SALT
from innkeeper.hotels.models import AddOn

GUEST = "guest"
DONE = frozenset({Status.CHECKIN_COMPLETED, Status.CHECKED_IN})
OVER = frozenset({Status.CANCELLED, Status.CHECKED_OUT, Status.NO_SHOW, Status.EXPIRED})  # never open again
DOCUMENT = re.compile(r"^[A-Z0-9]{5,20}$")


# -- the magic link --------------------------------------------------------------------------------

class LinkExpired(Conflict):
    code = "link_expired"


class CheckInClosed(Conflict):
    code = "check_in_closed"


def booking_for_token(token: str, *, now: datetime, hotel=None) -> Booking:
    """The booking a check-in link opens. The link works until the stay's check-out."""
    invalid = _("This check-in link is not valid. Please use the link from your booking e-mail.")
    try:
        data = tokens.unsign(token, salt=CHECKIN_TOKEN_SALT)
        booking_id, reference = int(data["b"]), str(data["r"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise NotFound(invalid) from None
    with scopes_disabled():
        booking = (Booking.objects.select_related("hotel", "room", "room_type")
                   .filter(pk=booking_id, reference=reference).first())
    if booking is None or (hotel is not None and booking.hotel_id != hotel.pk):
        raise NotFound(invalid)
    if now >= booking.end:
        raise LinkExpired(_("This check-in link has expired because the stay has ended. "
                            "If you need anything, please contact the hotel."))
    return booking


def ensure_open(booking: Booking) -> None:
    """Raise a clear error when this booking's check-in cannot be done (any more). The code says which:
    already_completed, booking_over (it never can again) or check_in_closed (not yet, e.g. unpaid)."""
    if booking.status in DONE:
        raise CheckInClosed(_("Your online check-in is already complete. Your door code and door link "
                              "were sent to you by e-mail; the link below shows them again."),
                            code="already_completed")
    if booking.status == Status.CANCELLED:
        raise CheckInClosed(_("This booking was cancelled, so it can no longer be checked in. "
                              "Please contact the hotel if you think this is a mistake."), code="booking_over")
    if booking.status == Status.CHECKED_OUT:
        raise CheckInClosed(_("This stay is over: you have checked out. If you need anything, please contact "
                              "the hotel."), code="booking_over")
    if booking.status in OVER:
        raise CheckInClosed(_("Online check-in is not possible for this booking (%(status)s). "
                              "Please contact the hotel.") % {"status": booking.get_status_display()},
                            code="booking_over")
    if booking.status != Status.CONFIRMED:
        raise CheckInClosed(_("Online check-in is not possible for this booking (%(status)s). "
                              "Please contact the hotel.") % {"status": booking.get_status_display()})


# -- guest identity --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Identity:
    legal_name: str
    date_of_birth: date
    document_number: str
    nationality: str
    address: str = ""


def _country_code(text: str) -> str:
    """The ISO 3166-1 code ``text`` names: a code (RU, RUS), or a country's name in English or Russian."""
    if len(text) <= 3 and countries.alpha2(text):
        return countries.alpha2(text)
    return countries.by_name(text, language="en") or countries.by_name(text, language="ru")


class IdentityInvalid(InvalidInput):
    """Every problem with what the guest typed (``problems``, each naming its field), so a form can show
    them all at once; read as a single error, it is the first."""

    def __init__(self, problems: list[InvalidInput]):
        first = problems[0]
        super().__init__(first.message, code=first.code, field=first.field)
        self.problems = problems


def _date(value) -> date | None:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return value if isinstance(value, date) else None


def clean_identity(*, legal_name, date_of_birth, document_number, nationality, address="",
                   today: date) -> Identity:
    """Check what the guest typed; IdentityInvalid lists every problem, each naming its field."""
    problems = []

    def problem(message, field, code):
        problems.append(InvalidInput(message, field=field, code=code))

    name = " ".join(str(legal_name or "").split())
    if not name:
        problem(_("Please enter your full name as it appears in your passport or ID."), "legal_name", "required")
    elif len(name) > 200:
        problem(_("The name is too long."), "legal_name", "too_long")
    born = _date(date_of_birth)
    if born is None:
        problem(_("Please enter your date of birth."), "date_of_birth", "required")
    elif born >= today or born.year < today.year - 120:
        problem(_("Please check your date of birth."), "date_of_birth", "invalid")
    number = re.sub(r"[\s-]", "", str(document_number or "")).upper()
    if not number:
        problem(_("Please enter your passport or ID number."), "document_number", "required")
    elif not DOCUMENT.match(number):
        problem(_("A passport or ID number has 5 to 20 letters and digits."), "document_number", "invalid")
    country = " ".join(str(nationality or "").split())
    if not country:
        problem(_("Please enter your nationality."), "nationality", "required")
    elif not (country := _country_code(country)):
        problem(_("Please choose your nationality from the list of countries."), "nationality", "invalid")
    address = " ".join(str(address or "").split())
    if len(address) > 255:
        problem(_("The address is too long."), "address", "too_long")
    if problems:
        raise IdentityInvalid(problems)
    return Identity(name, born, number, country, address)


def offered_add_ons(booking: Booking, *, now: datetime) -> list[AddOn]:
    """The extras the guest may add to this stay now (booking.selectors.add_ons_offered) that it does not
    have yet."""
    have = set(booking.add_ons.values_list("add_on_id", flat=True))
    return [a for a in selectors.add_ons_offered(hotel=booking.hotel, stay=booking, now=now) if a.pk not in have]


def clean_add_ons(booking: Booking, codes, *, now: datetime) -> list[str]:
    """``codes`` without repeats, if each is an extra the guest may add now; else InvalidInput saying why."""
    codes = list(dict.fromkeys(str(c) for c in codes or ()))
    have = set(booking.add_ons.values_list("add_on__code", flat=True))
    on_sale = {a.code: a for a in AddOn.objects.filter(hotel_id=booking.hotel_id, is_active=True, code__in=codes)}
    unknown = [c for c in codes if c not in on_sale or c in have]
    if unknown:
        raise InvalidInput(_("These extras are not offered: %(codes)s.") % {"codes": ", ".join(unknown)},
                           field="add_ons", code="unknown")
    selectors.add_ons_check(hotel=booking.hotel, add_ons=[on_sale[c] for c in codes], stay=booking, now=now)
    return codes


# -- the draft (so going back keeps what was entered) ----------------------------------------------

def draft_load(booking: Booking) -> dict:
    row = CheckIn.objects.filter(booking=booking).first()
    return json.loads(row.draft) if row and row.draft else {}


def draft_save(booking: Booking, data: dict) -> dict:
    with transaction.atomic():
        row, _created = CheckIn.objects.select_for_update().get_or_create(
            booking=booking, defaults={"hotel_id": booking.hotel_id})
        draft = json.loads(row.draft) if row.draft else {}
        draft.update(data)
        row.draft = json.dumps(draft)
        row.save(update_fields=["draft", "updated_at"])
    return draft


# -- completion (the journey runs it, in one transaction) ------------------------------------------

def booking_open_locked(booking: Booking) -> Booking:
    """The booking's row, locked, if its check-in can still be completed (else a clear error)."""
    b = Booking.objects.select_for_update(of=("self",)).select_related("hotel", "room").get(pk=booking.pk)
    ensure_open(b)
    return b


def identity_store(*, booking: Booking, identity: Identity) -> None:
    GuestIdentity.objects.update_or_create(booking=booking, defaults=dict(
        hotel_id=booking.hotel_id, legal_name=identity.legal_name, date_of_birth=identity.date_of_birth,
        document_number=identity.document_number, nationality=identity.nationality, address=identity.address))


def completion_record(*, booking: Booking, now: datetime) -> None:
    row, _created = CheckIn.objects.get_or_create(booking=booking, defaults={"hotel_id": booking.hotel_id})
    row.completed_at, row.draft = now, ""  # the passport number now lives only in GuestIdentity
    row.save(update_fields=["completed_at", "draft", "updated_at"])


# -- the reminder ----------------------------------------------------------------------------------

def reminders_due(*, now: datetime, within: Q | None = None) -> list[Booking]:
    """Confirmed bookings not checked in online and not reminded yet, arriving after ``now`` and, by default,
    within CHECKIN_REMINDER_HOURS (``within``: the caller's own arrivals filter, e.g. each hotel's lead). When
    in that span the reminder goes (waking hours, the hotel's own time) is the journey's to decide."""
    within = within if within is not None else Q(
        start__gt=now, start__lte=now + timedelta(hours=settings.CHECKIN_REMINDER_HOURS))
    with scopes_disabled():
        candidates = (Booking.objects.filter(within, status=Status.CONFIRMED, start__gt=now)
                      .exclude(online_check_in__reminder_sent_at__isnull=False)
                      .select_related("hotel").order_by("start"))
        return list(candidates)


def reminder_claim(*, booking: Booking, now: datetime) -> bool:
    """Record, in the caller's transaction, that ``booking``'s reminder goes out now; False if it already
    went. The journey queues the message in the same transaction, so a reminder is sent once."""
    with scopes_disabled():
        row, _created = CheckIn.objects.select_for_update().get_or_create(
            booking=booking, defaults={"hotel_id": booking.hotel_id})
        if row.reminder_sent_at is not None:
            return False
        row.reminder_sent_at = now
        row.save(update_fields=["reminder_sent_at", "updated_at"])
        return True
