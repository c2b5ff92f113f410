"""Plumbing shared by every app: the activity log of what people, guests, the system and providers did."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from innkeeper.core.crypto import EncryptedJSONField


class ActorKind(models.TextChoices):
    STAFF = "staff", _("staff")
    GUEST = "guest", _("guest")
    SYSTEM = "system", _("system")
    PROVIDER = "provider", _("provider")
    PMS = "pms", _("PMS")


class ActivityLog(models.Model):
    """One thing that happened to a subject (a booking, a room, the hotel...): who did it, when, and its
    details in ``data`` (``before``/``after`` for a change, ``from_status``/``to_status`` for a booking's
    status). Written only by ``innkeeper.core.activity.record``; read as a sentence with ``sentence()``."""

    hotel = models.ForeignKey("hotels.Hotel", on_delete=models.CASCADE, related_name="+", null=True)
    subject_type = models.CharField(max_length=60)  # the model's label, e.g. "booking.Booking"
    subject_id = models.CharField(max_length=60)
    verb = models.CharField(max_length=60)
    actor_kind = models.CharField(max_length=12, choices=ActorKind.choices)
    actor_id = models.CharField(max_length=100, blank=True)  # a user's pk, a provider's name
    actor_label = models.CharField(max_length=254, blank=True)  # kept when the user is deleted
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["hotel", "-at", "-id"], name="activity_hotel_at_idx"),
            models.Index(fields=["subject_type", "subject_id", "at"], name="activity_subject_idx"),
        ]

    @property
    def actor(self):
        """Who did it, as an ``Actor`` value."""
        from innkeeper.core.activity import Actor

        return Actor(self.actor_kind, self.actor_id, self.actor_label)

    @property
    def before(self):
        return self.data.get("before", {})

    @property
    def after(self):
        return self.data.get("after", {})

    def sentence(self) -> str:
        from innkeeper.core.activity import sentence

        return sentence(self)

    def details(self) -> list[tuple[str, str, str]]:
        from innkeeper.core.activity import details

        return details(self)


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


class ConnectionCheck(models.Model):
    """The panel's last "Test connection" of a hotel's account of one kind: its own account, or the
    installation's when it has none. A request asks for it (``requested_at``); a worker runs the provider's
    ``verify()`` and writes the outcome (``checked_at``, ``ok``, ``result``: a short sentence, never the
    provider's own answer). See core.checks."""

    hotel = models.ForeignKey("hotels.Hotel", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16)
    requested_at = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    ok = models.BooleanField(default=False)
    result = models.CharField(max_length=300, blank=True)

    objects = ScopedManager(hotel="hotel")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hotel", "kind"], name="connectioncheck_hotel_kind")]
