"""Online check-in: the guest's draft while filling the steps, and the identity they gave."""

from __future__ import annotations

from django.db import models
from django_countries.fields import CountryField
from django_scopes import ScopedManager

from innkeeper.booking.models import Booking
from innkeeper.core.crypto import EncryptedTextField, mask
from innkeeper.hotels.models import Hotel


class CheckIn(models.Model):
    hotel = models.ForeignKey(Hotel, on_delete=models.PROTECT)
    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="online_check_in")
    # What the guest entered so far, as JSON, encrypted (it holds the passport number until completion).
    draft = EncryptedTextField(blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(hotel="hotel")


class GuestIdentity(models.Model):
    hotel = models.ForeignKey(Hotel, on_delete=models.PROTECT)
    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="guest_identity")
    legal_name = models.CharField(max_length=200)
    date_of_birth = models.DateField()
    document_number = EncryptedTextField(help_text="Passport or ID number, encrypted at rest.")
    nationality = CountryField(blank=True)
    # What a guest wrote before nationality was chosen from a list, when it named no country we know.
    nationality_text = models.CharField(max_length=60, blank=True)
    address = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(hotel="hotel")

    @property
    def document_masked(self) -> str:
        return mask(self.document_number)
