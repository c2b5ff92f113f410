"""The tenant (Hotel) and what it sells: room types, rooms, per-date rates and add-ons.

The texts guests read (names, descriptions, policies) have a column per language, registered in
hotels.translation; reading ``hotel.name`` gives the active language's text or its fallback.

Every tenant-owned row carries ``hotel`` and its manager refuses to query outside a hotel scope
(django-scopes); cross-hotel reads are done in a few named places with ``scopes_disabled()``.
"""

from __future__ import annotations

import secrets
from datetime import time
from decimal import Decimal
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from django_scopes import ScopedManager

from innkeeper.core.money import known_currencies
from innkeeper.hotels.content import InLanguage


class BookingModel(models.TextChoices):
    DAILY = "DAILY", _("Nightly stays")
    HOURLY = "HOURLY", _("Hourly stays")
    BOTH = "BOTH", _("Nightly and hourly stays")


class PaymentRule(models.TextChoices):
    """How guests pay, on the website and through the API alike."""

    AT_HOTEL = "AT_HOTEL", _("Pay at the hotel: bookings are confirmed at once")
    PREPAY = "PREPAY", _("Pay when booking: a booking waits for payment and lapses if not paid in time")


def validate_time_zone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


def validate_currency(value: str) -> None:
    if value not in known_currencies():
        raise ValidationError(_("%(value)s is not an ISO 4217 currency code. Use one such as EUR, RUB or USD."),
                              params={"value": value})


MAX_CANCELLATION_HOURS = 24 * 365

slug_validator = RegexValidator(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", _("Use lowercase letters, digits and dashes."))


class Hotel(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True, validators=[slug_validator])
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    currency = models.CharField(max_length=3, default="EUR", validators=[validate_currency])
    default_locale = models.CharField(max_length=8, default="en")
    locales = models.JSONField(default=list, help_text="Languages the hotel's site and messages offer.")

    booking_model = models.CharField(max_length=6, choices=BookingModel.choices, default=BookingModel.DAILY)
    check_in_time = models.TimeField(default=time(14, 0))
    check_out_time = models.TimeField(default=time(12, 0))
    max_nights = models.PositiveSmallIntegerField(default=30, validators=[MinValueValidator(1)])
    hold_minutes = models.PositiveSmallIntegerField(
        default=15, validators=[MinValueValidator(1)], help_text="How long a checkout in progress keeps its room.")
    hourly_min_hours = models.PositiveSmallIntegerField(default=3, validators=[MinValueValidator(1)])
    hourly_max_hours = models.PositiveSmallIntegerField(default=12, validators=[MinValueValidator(1)])
    # Hourly stays start at or after hourly_start_hour and end by hourly_end_hour, local time, same day.
    hourly_start_hour = models.PositiveSmallIntegerField(default=8, validators=[MaxValueValidator(23)])
    hourly_end_hour = models.PositiveSmallIntegerField(default=22, validators=[MaxValueValidator(24)])

    payment_rule = models.CharField(_("Payment"), max_length=8, choices=PaymentRule.choices,
                                    default=PaymentRule.AT_HOTEL)
    # The cancellation policy (booking.cancellation): free until the deadline, then a share of the total.
    cancellation_hours = models.PositiveSmallIntegerField(
        _("Free cancellation until (hours before arrival)"), default=48,
        validators=[MaxValueValidator(MAX_CANCELLATION_HOURS)],
        help_text=_("Guests cancel free of charge until this many hours before their arrival time "
                    "(0: until arrival)."))
    cancellation_fee_percent = models.PositiveSmallIntegerField(
        _("Cancellation fee (percent of the total)"), default=100, validators=[MaxValueValidator(100)],
        help_text=_("What a guest who cancels later pays, as a percentage of the booking's total price "
                    "(0: cancelling is always free; 100: the whole total). Guests can cancel online until "
                    "their arrival time."))
    # What guests read before they book, in each offered language (hotels.translation).
    cancellation_policy_text = models.TextField(
        blank=True, help_text=_("The cancellation policy in words: fees, no-shows, exceptions."))
    house_rules = models.TextField(blank=True, help_text=_("Quiet hours, smoking, pets, parties, visitors."))
    # Told to guests whose room has no smart lock, after online check-in and in their access message.
    key_collection_text = models.TextField(
        _("Key collection"), blank=True, max_length=500,
        help_text=_("For rooms without a smart lock: where guests get their key, e.g. “Collect your key at "
                    "reception, open 24 hours.” Empty: “Collect your key at reception.”"))

    tax_rate = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"),
                                   validators=[MinValueValidator(0), MaxValueValidator(100)],
                                   help_text="Percent.")
    prices_include_tax = models.BooleanField(default=True)

    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True)
    address = models.CharField(max_length=255, blank=True)
    city = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    # ISO 3166-1 alpha-2; also the region a guest's phone number without a country code is read in.
    country = CountryField(blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)

    theme = models.JSONField(default=dict, blank=True, help_text="Colours, logo and font for the hotel's site.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = [InLanguage("name")]
        constraints = [
            models.CheckConstraint(condition=Q(hourly_min_hours__lte=models.F("hourly_max_hours")),
                                   name="hotel_hourly_min_le_max",
                                   violation_error_message=_("The minimum hours must not exceed the maximum hours.")),
            models.CheckConstraint(condition=Q(hourly_start_hour__lt=models.F("hourly_end_hour")),
                                   name="hotel_hourly_window_order",
                                   violation_error_message=_("Hourly stays must start before the hour they end.")),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # The site and the messages exist only in the languages the install ships.
        known = {code for code, _name in settings.LANGUAGES}
        locales = self.locales if isinstance(self.locales, list) else None
        if not locales or not set(locales) <= known:
            raise ValidationError({"locales": _("Choose one or more of the languages offered.")})
        if self.default_locale not in locales:
            raise ValidationError({"default_locale": _("The main language must be one of the hotel's languages.")})

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def takes_prepayment(self) -> bool:
        return self.payment_rule == PaymentRule.PREPAY


def new_verification_token() -> str:
    return secrets.token_hex(16)


class HotelDomain(models.Model):
    """A host name the hotel's site answers on, once proven: a domain is pending until a DNS TXT record
    ``_innkeeper.<domain>`` holds ``innkeeper-verify=<verification_token>`` (hotels.verification).

    Several hotels may claim a name while it is pending, each with its own token, so that nobody can
    block a name by claiming it first; only one of them can ever verify it."""

    hotel = models.ForeignKey(Hotel, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(max_length=253, db_index=True)
    is_primary = models.BooleanField(default=False)
    verification_token = models.CharField(max_length=64, default=new_verification_token)
    verified_at = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    check_result = models.TextField(blank=True, help_text="What the last DNS check found, in words.")
    # "Check now" pressed: a worker looks for the record (hotels.tasks.domain_check_task); see core.checks.
    check_requested_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, null=True)

    objects = ScopedManager(hotel="hotel")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["hotel"], condition=Q(is_primary=True),
                                    name="hoteldomain_one_primary_per_hotel"),
            models.UniqueConstraint(fields=["hotel", "domain"], name="hoteldomain_once_per_hotel"),
            models.UniqueConstraint(fields=["domain"], condition=Q(verified_at__isnull=False),
                                    name="hoteldomain_verified_by_one_hotel"),
        ]

    def __str__(self) -> str:
        return self.domain

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None


class HotelLogo(models.Model):
    """The hotel's logo (PNG or WebP, see hotels.theme), kept here so that no media server is needed.
    ``Hotel.theme["logo"]`` repeats its digest and size, so a page can show it without reading it."""

    hotel = models.OneToOneField(Hotel, on_delete=models.CASCADE, related_name="logo")
    content_type = models.CharField(max_length=32)
    data = models.BinaryField()
    digest = models.CharField(max_length=64, help_text="SHA-256 of the image, in its URL.")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(hotel="hotel")


class RoomType(models.Model):
    hotel = models.ForeignKey(Hotel, on_delete=models.CASCADE, related_name="room_types")
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, validators=[slug_validator])
    description = models.TextField(blank=True)
    base_price_nightly = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(0)])
    base_price_hourly = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True,
                                            validators=[MinValueValidator(0)])
    base_occupancy = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(1)], help_text="Guests included in the price.")
    max_occupancy = models.PositiveSmallIntegerField(default=2, validators=[MinValueValidator(1)])
    extra_guest_charge = models.DecimalField(
        max_digits=10, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)],
        help_text="Per guest above base occupancy: per night for nightly stays, per stay for hourly.")
    booking_model_override = models.CharField(max_length=6, choices=BookingModel.choices, blank=True)
    min_hours_override = models.PositiveSmallIntegerField(null=True, blank=True)
    max_hours_override = models.PositiveSmallIntegerField(null=True, blank=True)
    turnover_minutes = models.PositiveSmallIntegerField(
        default=0, help_text="Cleaning time a room needs after a stay before the next may start.")
    amenities = models.JSONField(default=list, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    # The secret in the address of the type's availability calendar (pms.ical_export): blank until the owner
    # asks for the address; a new one makes the old address stop working.
    calendar_key = models.CharField(max_length=64, blank=True, editable=False)

    objects = ScopedManager(hotel="hotel")

    class Meta:
        ordering = ["sort_order", InLanguage("name")]
        constraints = [
            models.UniqueConstraint(fields=["hotel", "slug"], name="roomtype_slug_per_hotel"),
            models.CheckConstraint(condition=Q(base_occupancy__lte=models.F("max_occupancy")),
                                   name="roomtype_base_le_max_occupancy",
                                   violation_error_message=_("Guests included in the price cannot exceed the most "
                                                             "guests the room sleeps.")),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def booking_model(self) -> str:
        return self.booking_model_override or self.hotel.booking_model

    @property
    def sells_nightly(self) -> bool:
        return self.booking_model in (BookingModel.DAILY, BookingModel.BOTH)

    @property
    def sells_hourly(self) -> bool:
        return self.booking_model in (BookingModel.HOURLY, BookingModel.BOTH) and self.base_price_hourly is not None

    @property
    def min_hours(self) -> int:
        return self.min_hours_override or self.hotel.hourly_min_hours

    @property
    def max_hours(self) -> int:
        return self.max_hours_override or self.hotel.hourly_max_hours


class RoomStatus(models.TextChoices):
    AVAILABLE = "AVAILABLE", _("Available")
    MAINTENANCE = "MAINTENANCE", _("Maintenance")
    BLOCKED = "BLOCKED", _("Blocked")


class Room(models.Model):
    hotel = models.ForeignKey(Hotel, on_delete=models.CASCADE, related_name="rooms")
    room_type = models.ForeignKey(RoomType, on_delete=models.PROTECT, related_name="rooms")
    number = models.CharField(max_length=20)
    floor = models.SmallIntegerField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=RoomStatus.choices, default=RoomStatus.AVAILABLE)
    lock_id = models.CharField(max_length=64, blank=True, help_text="The smart lock's id at its provider.")
    # The lock-cloud account the lock was taken from (innkeeper.locks sets both, from the account's lock
    # list): a lock id means something only within its account, and one lock opens one room.
    lock_account_key = models.CharField(max_length=300, blank=True,
                                        help_text="The lock-cloud account the lock belongs to.")
    notes = models.TextField(blank=True)

    objects = ScopedManager(hotel="hotel")

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["hotel", "number"], name="room_number_per_hotel"),
            models.UniqueConstraint(
                fields=["lock_account_key", "lock_id"], condition=~Q(lock_id=""),
                name="room_lock_once_per_account",
                violation_error_message=_("This lock is already the lock of another room.")),
            models.CheckConstraint(condition=Q(lock_id="") | ~Q(lock_account_key=""),
                                   name="room_lock_has_account"),
        ]
        indexes = [models.Index(fields=["hotel", "room_type", "status"])]

    def __str__(self) -> str:
        return self.number


class RateOverride(models.Model):
    """What differs from the base price on one date for one room type."""

    hotel = models.ForeignKey(Hotel, on_delete=models.CASCADE, related_name="rate_overrides")
    room_type = models.ForeignKey(RoomType, on_delete=models.CASCADE, related_name="rate_overrides")
    date = models.DateField()
    price_nightly = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True,
                                        validators=[MinValueValidator(0)])
    price_hourly = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True,
                                       validators=[MinValueValidator(0)])
    closed = models.BooleanField(default=False)
    min_stay = models.PositiveSmallIntegerField(null=True, blank=True,
                                                help_text="Minimum nights for stays arriving on this date.")

    objects = ScopedManager(hotel="hotel")

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["room_type", "date"], name="rateoverride_one_per_date")]
        indexes = [models.Index(fields=["hotel", "room_type", "date"])]


class AddOnCharge(models.TextChoices):
    PER_STAY = "PER_STAY", _("per stay")
    PER_NIGHT = "PER_NIGHT", _("per night")
    PER_GUEST = "PER_GUEST", _("per guest")


class AddOn(models.Model):
    hotel = models.ForeignKey(Hotel, on_delete=models.CASCADE, related_name="add_ons")
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    price = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(0)])
    charge = models.CharField(max_length=10, choices=AddOnCharge.choices, default=AddOnCharge.PER_STAY)
    is_active = models.BooleanField(default=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    objects = ScopedManager(hotel="hotel")

    class Meta:
        ordering = ["sort_order", InLanguage("name")]
        constraints = [models.UniqueConstraint(fields=["hotel", "code"], name="addon_code_per_hotel")]

    def __str__(self) -> str:
        return self.name
