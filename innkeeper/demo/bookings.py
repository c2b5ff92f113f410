"""The demo hotels' bookings: the past 30 days played through the journey, and the next 30 days booked.

The plan (innkeeper.demo.plan) says who booked which stay when and what became of it. Here each step runs
through the same services a guest's page, the panel and the beat use, with the clock moved to the step's
moment (the services take ``now``): booking (a hold and a payment where guests pay online), online or desk
check-in, cancellation, no-show. Between the steps, in time order, the beat's periodic jobs run at that
moment too: check-in reminders, check-out reminders and thanks, the automatic check-out, lapsed holds, and
the key operations on the simulated locks. So every booking has the messages, keys and history a real one
would; its e-mails and WhatsApp messages are sent (to the simulators) at the end.

Idempotent: a stay booked by an earlier run (found by its request key) is not booked again; a later run plays
what happened since. A hotel whose locks or messages would reach a real service gets no demo bookings: the demo
never calls out. The outbox rows the seed moves are its hotels' only; the beat's sweeps, which serve every
hotel, are replayed only while the demo hotels are the only ones with bookings (otherwise the running beat
checks their past stays out at the real time).
"""

from __future__ import annotations

from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django_scopes import scopes_disabled

from innkeeper.accounts.actors import STAFF_PREFIX
from innkeeper.accounts.models import Membership, Role
from innkeeper.booking import services as booking_services
from innkeeper.booking import stays
from innkeeper.booking.errors import AddOnUnavailable, NotCancellable
from innkeeper.booking.models import Booking
from innkeeper.booking.states import ACTIVE, Status
from innkeeper.checkin.services import Identity
from innkeeper.config import SIMULATOR_EMAIL_BACKEND
from innkeeper.core import outbox
from innkeeper.core.errors import DomainError
from innkeeper.demo import plan as demo_plan
from innkeeper.demo.plan import Planned
from innkeeper.hotels.models import AddOn, RoomStatus, RoomType
from innkeeper.journey import services as journey
from innkeeper.locks import services as locks
from innkeeper.locks.models import LockKey
from innkeeper.locks.providers import provider_for
from innkeeper.messaging import services as messaging
from innkeeper.messaging.models import Message
from innkeeper.messaging.providers import whatsapp_config

TICK = timedelta(hours=2)  # a check-out reminder's window: the replayed beat looks for them this often...
EVERY_JOB = timedelta(hours=6)  # ...and runs its other jobs this often
CARD, DECLINED_CARD = "4242 4242 4242 4242", "4000 0000 0000 0002"  # the fake provider's test cards
# E-mail backends that keep mail on this machine.
LOCAL_MAIL = (SIMULATOR_EMAIL_BACKEND, "django.core.mail.backends.locmem.EmailBackend",
              "django.core.mail.backends.dummy.EmailBackend")


def seed(hotels, *, now: datetime | None = None) -> str:
    """Book the demo stays of ``hotels`` not booked yet; returns what was done, a line per hotel."""
    now = now or timezone.now()
    lines, playing = [], []
    with scopes_disabled():
        for hotel in hotels:
            reason = _calls_out(hotel)
            if reason:
                lines.append(f"{hotel.name}: no demo bookings, because {reason}")
            else:
                playing.append(hotel)
        with _doorbells_in_process(), transaction.atomic():
            made = _play(playing, now)
        for hotel in playing:
            total = Booking.objects.filter(hotel=hotel, request_key__startswith="demo:").count()
            lines.append(f"{hotel.name}: {made.get(hotel.pk, 0)} demo bookings made, {total} in all")
    return "\n".join(lines)


def _calls_out(hotel) -> str:
    """Why playing this hotel's bookings would call a real service ("" if it would not)."""
    if provider_for(hotel).name != "simulator":
        return "its locks are on a real lock cloud"
    if whatsapp_config(hotel.pk)["provider"] not in ("simulator", "off"):
        return "its WhatsApp messages go through a real provider"
    if settings.EMAIL_BACKEND not in LOCAL_MAIL:
        return "its e-mail goes through a real mail server"
    return ""


@contextmanager
def _doorbells_in_process():
    """The seed moves every outbox row it writes itself, so the tasks it queues would only wake the worker
    for nothing: they go to a broker inside this process. (A row left due is still found by the sweeper.)"""
    from innkeeper import celery_app

    def point(url, options):
        celery_app.conf.broker_url, celery_app.conf.broker_transport_options = url, options
        celery_app._pool = None  # kombu keeps a pool per broker
        celery_app.amqp._producer_pool = None

    before = (celery_app.conf.broker_url, dict(celery_app.conf.broker_transport_options or {}))
    point("memory://localhost/", {})
    try:
        yield
    finally:
        point(*before)


def _play(hotels, now: datetime) -> dict[int, int]:
    """Play every step of the plan from the last run (or the beginning) to ``now``, the beat's jobs between."""
    if not hotels:
        return {}
    player, steps, since = _Player(hotels, _staff(hotels)), [], now
    for hotel in hotels:
        demo = Booking.objects.filter(hotel=hotel, request_key__startswith="demo:")
        last_run = demo.aggregate(at=Max("created_at"))["at"]  # what happened before it was played then
        player.bookings.update({b.request_key: b for b in demo.filter(status__in=ACTIVE).select_related("hotel")})
        room_types = list(RoomType.objects.filter(hotel=hotel, is_active=True).select_related("hotel"))
        for rt in room_types:
            rt.numbers = sorted(rt.rooms.filter(status=RoomStatus.AVAILABLE).values_list("number", flat=True))
        codes = AddOn.objects.filter(hotel=hotel, is_active=True).values_list("code", flat=True)
        for stay in demo_plan.plan(hotel, room_types, codes, now=now, prepay=hotel.takes_prepayment):
            if last_run is None or stay.booked_at > last_run:
                steps.append((stay.booked_at, 0, "book", hotel, stay))
            if stay.fate_at is not None and (last_run is None or stay.fate_at > last_run):
                steps.append((stay.fate_at, 1, stay.fate, hotel, stay))
            if stay.fate == demo_plan.STAY:  # its check-out reminder is due in the last TICK before it leaves
                late = demo_plan.LATE in stay.add_ons + stay.checkin_add_ons
                paid_end = stay.end + timedelta(minutes=settings.LOCKS_LATE_CHECK_OUT_MINUTES if late else 0)
                player.reminders.add(_grid(paid_end - timedelta(seconds=1)))
        since = min(since, last_run or now - timedelta(days=demo_plan.PAST_DAYS + 2))
    steps = sorted((step for step in steps if step[0] <= now), key=lambda step: (step[0], step[1], step[4].key))
    tick = _grid(since)
    for at, _order, what, hotel, stay in steps:
        while tick <= at:
            player.tick(tick)
            tick += TICK
        with transaction.atomic():
            player.step(what, hotel, stay, at)
    while tick <= now:
        player.tick(tick)
        tick += TICK
    player.tick(now, every_job=True)
    _due(Message, messaging.KIND, hotels, now)  # the e-mails and WhatsApp messages, to the simulators
    return player.made


def _grid(at: datetime) -> datetime:
    """The tick at or before ``at``."""
    seconds = TICK.total_seconds()
    return datetime.fromtimestamp(at.timestamp() // seconds * seconds, UTC)


def _due(model, kind: str, hotels, at: datetime) -> None:
    """Do the outbox rows of ``kind`` due at ``at`` for these hotels only, as a worker would: another hotel's may
    go to a real service, and are its worker's to do."""
    due = list(model.objects.filter(hotel__in=hotels, status__in=outbox.kind(kind).due_statuses,
                                    next_attempt_at__lte=at).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(due), outbox.BATCH):
        outbox.process(kind, due[start:start + outbox.BATCH], now=at, others=False)


def _staff(hotels) -> dict[int, str]:
    """Who does the desk's work in each hotel's history: its owner (the demo's one sign-in)."""
    owners = {m.hotel_id: m.user.email for m in Membership.objects.filter(hotel__in=hotels, role=Role.OWNER)
              .select_related("user")}
    return {hotel.pk: f"{STAFF_PREFIX}{owners[hotel.pk]}" if hotel.pk in owners else booking_services.SYSTEM
            for hotel in hotels}


class _Player:
    def __init__(self, hotels, staff: dict[int, str]):
        self.hotels, self.staff = hotels, staff
        # The beat's sweeps serve every hotel. Run at a past moment, they would send another hotel's guests
        # reminders for stays already begun: they run only while these hotels are the only ones with bookings.
        self.sweeps = not Booking.objects.exclude(hotel__in=hotels).exists()
        self.bookings: dict[str, Booking] = {}  # by request key
        self.reminders: set[datetime] = set()  # ticks where a check-out reminder is due
        self.made: dict[int, int] = {}

    def tick(self, at: datetime, *, every_job: bool = False) -> None:
        """What the beat does at ``at``. Every EVERY_JOB: lapsed holds, check-in reminders, check-out reminders
        and thanks, check-outs, key operations; in between only the check-out reminders (their window is
        one TICK long), and only when one is due."""
        if every_job or at.timestamp() % EVERY_JOB.total_seconds() == 0:
            for hotel in self.hotels:
                booking_services.holds_expire(hotel=hotel, now=at)
            if self.sweeps:
                journey.checkin_reminders_run(now=at)
                journey.stay_messages_run(now=at)
                journey.stays_check_out(now=at)
            self.keys(at)
        elif at in self.reminders and self.sweeps:
            journey.stay_messages_run(now=at)
        # The messages due by now, as the worker sends them: a few each tick, so that the hotels' send limits
        # (a minute's and a day's) see the pace of a real hotel, not two months at once.
        _due(Message, messaging.KIND, self.hotels, at)

    def keys(self, at: datetime) -> None:
        _due(LockKey, locks.KIND, self.hotels, at)

    def step(self, what: str, hotel, stay: Planned, at: datetime) -> None:
        if what == "book":
            self.book(hotel, stay, at)
            return
        booking = self.bookings.get(stay.key)
        if booking is None:  # it could not be booked (the room type was full then, or a rule said no)
            return
        staff = self.staff[hotel.pk]
        try:
            if what == demo_plan.CANCEL_GUEST:
                try:
                    journey.booking_cancel_by_guest(booking=booking, now=at)
                except NotCancellable:
                    journey.booking_cancel(booking=booking, actor=staff, reason="The guest called to cancel.", now=at)
            elif what == demo_plan.CANCEL_STAFF:
                journey.booking_cancel(booking=booking, actor=staff, reason="The guest called to cancel.", now=at)
            elif what == demo_plan.NO_SHOW:
                journey.booking_transition(booking=booking, to=Status.NO_SHOW, actor=staff,
                                           reason="The guest did not arrive.", now=at)
            elif what == demo_plan.STAY and stay.online:
                self.check_in_online(booking, stay, at)
            elif what == demo_plan.STAY:
                journey.booking_transition(booking=booking, to=Status.CHECKED_IN, actor=staff, now=at)
                if stay.desk_key:
                    locks.keys_issue_by_staff(booking=booking, actor=staff, now=at)
                    self.keys(at)
        except DomainError:
            pass  # e.g. a hold that lapsed: what the services refuse did not happen

    def book(self, hotel, stay: Planned, at: datetime) -> None:
        if stay.hours:
            asked = stays.hourly(hotel, stay.start.replace(tzinfo=None), stay.hours, now=at)
        else:
            asked = stays.nightly(hotel, stay.check_in, stay.check_out, now=at)
        guest = booking_services.GuestDetails(stay.guest.name, stay.guest.email, stay.guest.phone)
        by_staff = stay.source in ("PHONE", "WALK_IN")
        kwargs = dict(hotel=hotel, room_type=stay.room_type, stay=asked, guests=stay.guests, guest=guest,
                      locale=stay.guest.locale, source=stay.source, hold=stay.prepaid, request_key=stay.key,
                      actor=self.staff[hotel.pk] if by_staff else booking_services.GUEST, now=at)
        try:
            try:
                booking = journey.booking_create(add_ons=stay.add_ons, **kwargs)
            except AddOnUnavailable:  # the room taken for the early or late hours: booked without them
                booking = journey.booking_create(add_ons=[c for c in stay.add_ons if c not in (
                    demo_plan.EARLY, demo_plan.LATE)], **kwargs)
            if stay.prepaid:
                booking = self.pay(booking, stay, at)
        except DomainError:
            return  # full then, or a rule of the hotel's (a closed date, a minimum stay): not booked
        self.bookings[stay.key] = booking
        self.made[hotel.pk] = self.made.get(hotel.pk, 0) + 1

    @staticmethod
    def pay(booking: Booking, stay: Planned, at: datetime) -> Booking:
        """The checkout: on to the payment page, then a card (a declined one first, for some)."""
        if stay.fate == demo_plan.HOLDING:
            return booking
        if booking.status == Status.HOLD:
            booking = journey.booking_transition(booking=booking, to=Status.PENDING_PAYMENT,
                                                 actor=booking_services.GUEST, now=at + timedelta(minutes=1))
        if stay.fate in (demo_plan.PAYING, demo_plan.ABANDON):
            return booking
        if stay.declined_first:
            with suppress(DomainError):  # declined: the guest tries another card
                journey.booking_pay(booking=booking, card_number=DECLINED_CARD, now=at + timedelta(minutes=2))
        return journey.booking_pay(booking=booking, card_number=CARD, now=at + timedelta(minutes=3))

    def check_in_online(self, booking: Booking, stay: Planned, at: datetime) -> None:
        g = stay.guest
        identity = Identity(legal_name=g.name, date_of_birth=g.date_of_birth, document_number=g.document_number,
                            nationality=g.country)
        try:
            journey.checkin_complete(booking=booking, identity=identity, add_ons=stay.checkin_add_ons, now=at)
        except AddOnUnavailable:
            journey.checkin_complete(booking=booking, identity=identity, now=at)
        self.keys(at)
