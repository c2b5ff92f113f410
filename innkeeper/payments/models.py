from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from innkeeper.booking.models import Booking
from innkeeper.hotels.models import Hotel


class PaymentStatus(models.TextChoices):
    SUCCEEDED = "SUCCEEDED", _("Paid")
    FAILED = "FAILED", _("Failed")


class Payment(models.Model):
    """One attempt to charge a booking: the provider's answer, kept whether it paid or not."""

    hotel = models.ForeignKey(Hotel, on_delete=models.PROTECT, related_name="+")
    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(max_length=20)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=12, choices=PaymentStatus.choices)
    provider_reference = models.CharField(max_length=100, blank=True)
    # Sent to the provider with the charge: the same key is never charged twice.
    idempotency_key = models.CharField(max_length=64, unique=True)
    failure_code = models.CharField(max_length=40, blank=True)
    failure_message = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(hotel="hotel")

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["booking"], condition=Q(status="SUCCEEDED"),
                                    name="payment_one_success_per_booking"),
        ]
        indexes = [models.Index(fields=["hotel", "booking"], name="payment_hotel_booking_idx")]

    def __str__(self) -> str:
        return self.idempotency_key
