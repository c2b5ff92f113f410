"""The staff panel. Each view: check access (access.panel_view), parse, call one service, render."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from innkeeper.accounts import services as accounts
from innkeeper.accounts.models import Invitation, Membership
from innkeeper.core import throttle
from innkeeper.core.errors import DomainError, InvalidInput
from innkeeper.core.http import client_ip
from innkeeper.dashboard.access import panel_view
from innkeeper.dashboard.forms import InviteForm, SignInForm, SignUpForm
from innkeeper.dashboard.paging import page_of


class SignIn(auth_views.LoginView):
    template_name = "dashboard/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True
    next_page = reverse_lazy("panel:home")


class SignOut(auth_views.LogoutView):
    next_page = reverse_lazy("panel:login")


class PasswordReset(auth_views.PasswordResetView):
    template_name = "dashboard/password_reset.html"
    email_template_name = "dashboard/password_reset_email.txt"
    subject_template_name = "dashboard/password_reset_subject.txt"
    success_url = reverse_lazy("panel:password_reset_done")

    def form_valid(self, form):
        # Each asked-for mail is a mail sent: limited per client and per address (refused: the 429 page).
        throttle.limit("password_reset", client_ip(self.request), form.cleaned_data["email"])
        return super().form_valid(form)


class PasswordResetDone(auth_views.PasswordResetDoneView):
    template_name = "dashboard/password_reset_done.html"


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    template_name = "dashboard/password_reset_confirm.html"
    success_url = reverse_lazy("panel:password_reset_complete")


class PasswordResetComplete(auth_views.PasswordResetCompleteView):
    template_name = "dashboard/password_reset_complete.html"


def locked_out(request, credentials, *args, **kwargs):
    """django-axes calls this instead of signing in once an e-mail has failed too often."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "dashboard/locked_out.html", {"cooloff_minutes": minutes}, status=429)


def _invite_link(request, token: str) -> str:
    return request.build_absolute_uri(reverse("panel:join", args=[token]))


@panel_view(owner_only=True)
def team(request):
    form = InviteForm(request.POST or None)
    link = None
    if request.method == "POST" and form.is_valid():
        try:
            invitation, token = accounts.invitation_create(hotel=request.panel_hotel, actor=request.user,
                                                           email=form.cleaned_data["email"],
                                                           role=form.cleaned_data["role"])
        except InvalidInput as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        except DomainError as error:
            form.add_error("email", error.message)
        else:
            link = _invite_link(request, token)
            if accounts.invitation_send(invitation=invitation, link=link):
                messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
                return redirect("panel:team")
            form = InviteForm()  # the e-mail failed: the page shows the link to pass on by hand
    hotel, now = request.panel_hotel, timezone.now()
    page = page_of(request, Invitation.objects.filter(hotel=hotel).order_by("-created_at", "-id"))
    return render(request, "dashboard/team.html", {
        "form": form, "link": link, "now": now,
        "members": Membership.objects.filter(hotel=hotel).select_related("user").order_by("role", "user__email"),
        "invitations": [(i, i.state(now)) for i in page], "page": page,
    }, status=400 if form.errors else 200)


@require_POST
@panel_view(owner_only=True)
def invitation_action(request, pk: int, action: str):
    invitation = get_object_or_404(Invitation, pk=pk, hotel=request.panel_hotel)
    try:
        if action == "resend":
            invitation, token = accounts.invitation_resend(invitation=invitation, actor=request.user)
            link = _invite_link(request, token)
            if accounts.invitation_send(invitation=invitation, link=link):
                messages.success(request, _("A new invitation link was sent to %(email)s; the old link no longer "
                                            "works.") % {"email": invitation.email})
            else:
                messages.warning(request, _("The e-mail to %(email)s could not be sent. Pass on this link yourself: "
                                            "%(link)s") % {"email": invitation.email, "link": link})
        else:
            accounts.invitation_revoke(invitation=invitation, actor=request.user)
            messages.success(request, _("The invitation for %(email)s was withdrawn.") % {"email": invitation.email})
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("panel:team")


@require_POST
@panel_view(owner_only=True)
def member_remove(request, pk: int):
    membership = get_object_or_404(Membership.objects.select_related("user", "hotel"), pk=pk,
                                   hotel=request.panel_hotel)
    try:
        accounts.member_remove(membership=membership, actor=request.user)
        messages.success(request, _("%(email)s was removed from the team.") % {"email": membership.user.email})
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("panel:team")


def join(request, token: str):
    """An invitation link: a new person signs up (e-mail fixed); a signed-in one accepts."""
    throttle.limit("invitation", client_ip(request))  # links tried: a guess costs its sender
    try:
        invitation = accounts.invitation_for_token(token)
    except DomainError as error:
        return render(request, "dashboard/join.html", {"problem": error.message}, status=410 if
                      error.code.startswith("invitation_") and error.code != "invitation_not_found" else 404)
    form = SignUpForm(request.POST or None)
    context = {"invitation": invitation, "form": form, "problem": None}
    if request.method == "POST":
        try:
            if request.user.is_authenticated:
                accounts.invitation_accept(token=token, user=request.user)
            elif form.is_valid():
                user = accounts.signup_with_invitation(token=token, name=form.cleaned_data["name"],
                                                       password=form.cleaned_data["password"])
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            else:
                return render(request, "dashboard/join.html", context, status=400)
        except InvalidInput as error:
            if error.field in form.fields:
                form.add_error(error.field, error.message)
            else:
                context["problem"] = error.message
            return render(request, "dashboard/join.html", context, status=400)
        except DomainError as error:
            context["problem"] = error.message
            return render(request, "dashboard/join.html", context, status=409)
        messages.success(request, _("Welcome to %(hotel)s.") % {"hotel": invitation.hotel.name})
        return redirect("panel:home")
    return render(request, "dashboard/join.html", context)
