"""People who run hotels: users (signing in with e-mail), their one membership, invitations, and the
audit log of what each person changed."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def throttle_key(request, credentials) -> str:
    """The name sign-in failures are counted under (django-axes): the e-mail as we store it."""
    source = credentials if credentials else request.POST
    return normalise_email(source.get("username", ""))


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields):
        user = self.model(email=normalise_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields):
        return self.create_user(email, password, is_staff=True, is_superuser=True, **fields)

    def get_by_natural_key(self, email):
        return self.get(email=normalise_email(email))


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in to the staff panel. ``is_staff`` means platform operator, not hotel staff:
    hotel roles come from Membership."""

    email = models.EmailField(unique=True)
    name = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(email=models.functions.Lower("email")),
                                              name="user_email_lowercase")]

    def __str__(self) -> str:
        return self.name or self.email


class Role(models.TextChoices):
    OWNER = "OWNER", _("Owner")
    STAFF = "STAFF", _("Staff")


class Membership(models.Model):
    """The hotel a user works for. One per user, enforced by the unique user column."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="membership")
    hotel = models.ForeignKey("hotels.Hotel", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=5, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["hotel", "role"], name="membership_hotel_role_idx")]

    def __str__(self) -> str:
        return f"{self.user} ({self.role} of {self.hotel_id})"


class Invitation(models.Model):
    """A single-use link for one e-mail address. Only the token's hash is stored."""

    hotel = models.ForeignKey("hotels.Hotel", on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=5, choices=Role.choices, default=Role.STAFF)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["hotel", "email"], name="invitation_hotel_email_idx")]

    def state(self, now) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        return "open"
