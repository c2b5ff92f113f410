"""Plumbing shared by every app: the audit log of what people changed."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_scopes import ScopedManager

from innkeeper.core.crypto import EncryptedJSONField


class AuditEntry(models.Model):
    """Who changed what, when, with the values before and after."""

    hotel = models.ForeignKey("hotels.Hotel", on_delete=models.CASCADE, related_name="+", null=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    actor_label = models.CharField(max_length=254)  # kept when the user is deleted
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=60)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["hotel", "-at"], name="audit_hotel_at_idx")]


class IntegrationAccount(models.Model):
    """A hotel's own account of one kind of integration (its lock cloud, its WhatsApp provider, its e-mail
    sender). Hotels without one use the install's account from the environment. ``config`` holds the
    provider's settings, secrets included, encrypted as one JSON value."""

    ACTIVE, DISABLED = "active", "disabled"

    hotel = models.ForeignKey("hotels.Hotel", on_delete=models.CASCADE, related_name="integration_accounts")
    kind = models.CharField(max_length=16)
    provider = models.CharField(max_length=32)
    config = EncryptedJSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, default=ACTIVE, choices=[(ACTIVE, "active"), (DISABLED, "disabled")])
    last_ok_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(hotel="hotel")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hotel", "kind"], name="integrationaccount_hotel_kind")]

    @property
    def is_active(self) -> bool:
        return self.status == self.ACTIVE


class SeenEvent(models.Model):
    """An inbound event id already taken from a provider's callback: the same id again is a replay.

    ``account`` is "<kind>/<provider>/<account id or install>"; rows older than a day are pruned."""

    hotel = models.ForeignKey("hotels.Hotel", on_delete=models.CASCADE, related_name="+", null=True)
    account = models.CharField(max_length=80)
    event_id = models.CharField(max_length=200)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "event_id"], name="seenevent_once")]
