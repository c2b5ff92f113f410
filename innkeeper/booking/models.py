from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from innkeeper.booking import occupied
from innkeeper.booking.states import ACTIVE, EXPIRING, Status
from innkeeper.booking.stays import HOURLY, NIGHTLY
from innkeeper.hotels.models import AddOn, Hotel, Room, RoomType


class Source(models.TextChoices):
    DIRECT = "DIRECT", _("Hotel website")
    API = "API", _("API")
    AGGREGATOR = "AGGREGATOR", _("Aggregator")
    PHONE = "PHONE", _("Phone")
    WALK_IN = "WALK_IN", _("Walk-in")
    PMS = "PMS", _("PMS import")


class Booking(models.Model):
    hotel = models.ForeignKey(Hotel, on_delete=models.PROTECT, related_name="bookings")
    reference = models.CharField(max_length=6, unique=True)
    room_type = models.ForeignKey(RoomType, on_delete=models.PROTECT, related_name="bookings",
                                  help_text="What the guest bought.")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="bookings",
                             help_text="The physical room the stay occupies.")
    kind = models.CharField(max_length=7, choices=[(NIGHTLY, _("Nightly")), (HOURLY, _("Hourly"))])
    check_in = models.DateField()
    check_out = models.DateField(null=True, blank=True)
    hours = models.PositiveSmallIntegerField(null=True, blank=True)
    start = models.DateTimeField()
    end = models.DateTimeField()
    # The interval the stay keeps the room busy (booking.occupied): from start, earlier with the early
    # check-in add-on, until end, later with the late check-out add-on, plus the room type's turnover.
    blocks_from = models.DateTimeField()
    blocks_until = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices)
    hold_expires_at = models.DateTimeField(null=True, blank=True)

    guests = models.PositiveSmallIntegerField()
    guest_name = models.CharField(max_length=200)
    guest_email = models.EmailField()
    guest_phone = models.CharField(max_length=32, blank=True)
    locale = models.CharField(max_length=8)
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.DIRECT)
    # Set by a form or an API client so that sending the same request twice makes one booking.
    request_key = models.CharField(max_length=64, blank=True)

    currency = models.CharField(max_length=3)
    subtotal = models.DecimalField(max_digits=12, decimal_places=2)
    tax = models.DecimalField(max_digits=12, decimal_places=2)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    quote = models.JSONField(help_text="The priced lines the guest agreed to.")

    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=255, blank=True)
    # What the guest owes for cancelling (booking.cancellation), in ``currency``: 0 when it was free; empty
    # for a booking the guest did not cancel.
    cancellation_fee = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(hotel="hotel")

    class Meta:
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=models.F("end")), name="booking_start_before_end"),
            models.CheckConstraint(condition=Q(end__lte=models.F("blocks_until")),
                                   name="booking_end_le_blocks_until"),
            models.CheckConstraint(condition=Q(blocks_from__lte=models.F("start")),
                                   name="booking_blocks_from_le_start"),
            models.UniqueConstraint(fields=["hotel", "request_key"], condition=~Q(request_key=""),
                                    name="booking_request_key_once"),
            # The no-overlap rule itself lives in migrations 0002 and 0004 (an exclusion constraint on
            # PostgreSQL, triggers on SQLite) over [blocks_from, blocks_until), for exactly the
            # statuses in states.ACTIVE.
        ]
        indexes = [
            models.Index(fields=["hotel", "status", "blocks_until"], name="booking_hotel_busy_idx"),
            models.Index(fields=["room", "blocks_until"], name="booking_room_busy_idx"),
            models.Index(fields=["hotel", "check_in"], name="booking_hotel_check_in_idx"),
            models.Index(fields=["hotel", "guest_email"], name="booking_hotel_email_idx"),
            # The beat's cross-hotel sweep of lapsed holds (holds_expire without a hotel).
            models.Index(fields=["hold_expires_at"], condition=Q(status__in=sorted(EXPIRING)),
                         name="booking_lapsing_idx"),
        ]

    def __str__(self) -> str:
        return self.reference

    @cached_property
    def window(self):
        """The stay with its early check-in and late check-out (booking.occupied.window): .start, .end."""
        return occupied.window(self)

    @property
    def nights(self) -> int:
        return (self.check_out - self.check_in).days if self.check_out else 0

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    def lapsed(self, now) -> bool:
        """A hold or unpaid checkout whose time ran out: it no longer holds its room."""
        return self.status in EXPIRING and self.hold_expires_at is not None and self.hold_expires_at <= now


class BookingAddOn(models.Model):
    hotel = models.ForeignKey(Hotel, on_delete=models.PROTECT)
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="add_ons")
    add_on = models.ForeignKey(AddOn, on_delete=models.PROTECT)
    quantity = models.PositiveSmallIntegerField()
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    amount = models.DecimalField(max_digits=12, decimal_places=2)

    objects = ScopedManager(hotel="hotel")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["booking", "add_on"], name="bookingaddon_once")]
