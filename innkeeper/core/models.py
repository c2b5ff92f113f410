"""Plumbing shared by every app: the activity log of what people, guests, the system and providers did."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
