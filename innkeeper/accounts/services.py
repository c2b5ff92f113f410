"""Writes for people: invitations, joining a hotel, leaving it, and the audit log."""

from __future__ import annotations

import hashlib
import logging
import secrets
import smtplib
from datetime import datetime, timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from innkeeper.accounts.errors import InvitationNotFound, InvitationUnusable, NotAllowed
from innkeeper.accounts.models import Invitation, Membership, Role, User, normalise_email
from innkeeper.core.audit import record as audit
from innkeeper.core.errors import Conflict, InvalidInput
from innkeeper.hotels.models import Hotel

INVITATION_DAYS = 7
logger = logging.getLogger(__name__)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def role_of(user: User, hotel: Hotel) -> str | None:
    membership = Membership.objects.filter(user=user, hotel=hotel).only("role").first() if user.is_authenticated \
        else None
    return membership.role if membership else None


def _require_owner(actor: User, hotel: Hotel) -> None:
    if role_of(actor, hotel) != Role.OWNER:
        raise NotAllowed()


def _clean_email(email: str) -> str:
    email = normalise_email(email)
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput(_("Please enter a valid e-mail address."), field="email", code="invalid") from None
    return email


def _new_link(invitation: Invitation, now: datetime) -> str:
    token = secrets.token_urlsafe(32)
    invitation.token_hash = _token_hash(token)
    invitation.expires_at = now + timedelta(days=INVITATION_DAYS)
    return token


def invitation_create(*, hotel: Hotel, actor: User, email: str, role: str = Role.STAFF,
                      now: datetime | None = None) -> tuple[Invitation, str]:
    """Invite ``email`` to ``hotel``. Returns the invitation and the token for its link (not stored)."""
    now = now or timezone.now()
    _require_owner(actor, hotel)
    email = _clean_email(email)
    if role not in Role.values:
        raise InvalidInput(_("Choose a role."), field="role", code="invalid")
    existing = Membership.objects.filter(user__email=email).select_related("hotel").first()
    if existing and existing.hotel_id == hotel.pk:
        raise Conflict(_("%(email)s is already on the team.") % {"email": email}, code="already_member")
    if existing:
        raise Conflict(_("%(email)s already works for another hotel; a person can belong to one hotel only.")
                       % {"email": email}, code="member_elsewhere")
    with transaction.atomic():
        # One open invitation per address: a new one replaces the old link.
        for old in Invitation.objects.select_for_update().filter(hotel=hotel, email=email, accepted_at=None,
                                                                 revoked_at=None):
            old.revoked_at = now
            old.save(update_fields=["revoked_at"])
        invitation = Invitation(hotel=hotel, email=email, role=role, invited_by=actor, created_at=now)
        token = _new_link(invitation, now)
        invitation.save()
        audit(hotel=hotel, actor=actor, action="invitation.create", obj=invitation,
              after={"email": email, "role": role}, now=now)
    return invitation, token


def invitation_resend(*, invitation: Invitation, actor: User, now: datetime | None = None) -> tuple[Invitation, str]:
    """A new link for an open or expired invitation; the old link stops working."""
    now = now or timezone.now()
    _require_owner(actor, invitation.hotel)
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.state(now) in ("accepted", "revoked"):
            raise InvitationUnusable(invitation.state(now))
        before = {"email": invitation.email, "expires_at": invitation.expires_at.isoformat()}
        token = _new_link(invitation, now)
        invitation.save(update_fields=["token_hash", "expires_at"])
        audit(hotel=invitation.hotel, actor=actor, action="invitation.resend", obj=invitation, before=before,
              after={"email": invitation.email, "expires_at": invitation.expires_at.isoformat()}, keep=("email",),
              now=now)
    return invitation, token


def invitation_revoke(*, invitation: Invitation, actor: User, now: datetime | None = None) -> Invitation:
    now = now or timezone.now()
    _require_owner(actor, invitation.hotel)
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at:
            raise InvitationUnusable("accepted")
        if not invitation.revoked_at:
            before = {"email": invitation.email, "expires_at": invitation.expires_at, "revoked_at": None}
            invitation.revoked_at = now
            invitation.save(update_fields=["revoked_at"])
            audit(hotel=invitation.hotel, actor=actor, action="invitation.revoke", obj=invitation, before=before,
                  after={**before, "revoked_at": now}, keep=("email",), now=now)
    return invitation


def invitation_for_token(token: str, *, now: datetime | None = None) -> Invitation:
    """The open invitation behind a link, or an error that says why it cannot be used."""
    now = now or timezone.now()
    invitation = Invitation.objects.select_related("hotel").filter(token_hash=_token_hash(token or "")).first()
    if invitation is None:
        raise InvitationNotFound()
    state = invitation.state(now)
    if state != "open":
        raise InvitationUnusable(state)
    return invitation


def _join(invitation: Invitation, user: User, now: datetime) -> Membership:
    if Membership.objects.filter(user=user).exists():
        raise Conflict(_("This account already belongs to a hotel; a person can belong to one hotel only."),
                       code="member_elsewhere")
    membership = Membership.objects.create(user=user, hotel=invitation.hotel, role=invitation.role, created_at=now)
    invitation.accepted_at, invitation.accepted_by = now, user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit(hotel=invitation.hotel, actor=user, action="membership.join", obj=membership,
          after={"email": user.email, "role": membership.role, "invitation": invitation.pk}, now=now)
    return membership


def invitation_accept(*, token: str, user: User, now: datetime | None = None) -> Membership:
    """A signed-in person takes up an invitation sent to their e-mail address."""
    now = now or timezone.now()
    with transaction.atomic():
        invitation = invitation_for_token(token, now=now)
        invitation = Invitation.objects.select_for_update(of=("self",)).select_related("hotel").get(pk=invitation.pk)
        if invitation.state(now) != "open":
            raise InvitationUnusable(invitation.state(now))
        if normalise_email(user.email) != invitation.email:
            raise InvalidInput(_("This invitation was sent to %(email)s. Sign in with that address.")
                               % {"email": invitation.email}, field="email", code="wrong_account")
        return _join(invitation, user, now)


def signup_with_invitation(*, token: str, name: str, password: str, now: datetime | None = None) -> User:
    """A new person creates their account from an invitation; the e-mail is the invitation's."""
    now = now or timezone.now()
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput(_("Please enter your name."), field="name", code="required")
    with transaction.atomic():
        invitation = invitation_for_token(token, now=now)
        invitation = Invitation.objects.select_for_update(of=("self",)).select_related("hotel").get(pk=invitation.pk)
        if invitation.state(now) != "open":
            raise InvitationUnusable(invitation.state(now))
        if User.objects.filter(email=invitation.email).exists():
            raise Conflict(_("An account with %(email)s exists already. Sign in to accept the invitation.")
                           % {"email": invitation.email}, code="account_exists")
        user = User(email=invitation.email, name=name, date_joined=now)
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise InvalidInput(" ".join(error.messages), field="password", code="weak") from None
        user.set_password(password)
        user.save()
        _join(invitation, user, now)
    return user


def member_remove(*, membership: Membership, actor: User, now: datetime | None = None) -> None:
    """An owner removes someone from the team; never themselves, so a hotel keeps its owner."""
    now = now or timezone.now()
    _require_owner(actor, membership.hotel)
    if membership.user_id == actor.pk:
        raise NotAllowed(_("You cannot remove yourself from the team."))
    with transaction.atomic():
        audit(hotel=membership.hotel, actor=actor, action="membership.remove", obj=membership,
              before={"email": membership.user.email, "role": membership.role}, now=now)
        membership.delete()


def owner_create(*, hotel: Hotel, email: str, password: str, name: str = "") -> User:
    """The first owner of a hotel (platform set-up and the demo)."""
    with transaction.atomic():
        user = User.objects.create_user(_clean_email(email), password, name=name)
        Membership.objects.create(user=user, hotel=hotel, role=Role.OWNER)
    return user


def invitation_send(*, invitation: Invitation, link: str) -> bool:
    """E-mail the link. False when the mail server refused it: the caller shows the link instead, and
    the owner can resend later."""
    context = {"hotel": invitation.hotel, "link": link, "days": INVITATION_DAYS,
               "inviter": invitation.invited_by.name or invitation.invited_by.email if invitation.invited_by else ""}
    subject = render_to_string("accounts/invitation_subject.txt", context).strip()
    try:
        send_mail(subject, render_to_string("accounts/invitation_email.txt", context), None, [invitation.email])
    except (OSError, smtplib.SMTPException):
        logger.warning("invitation %s: the e-mail could not be sent", invitation.pk, exc_info=True)
        return False
    return True
