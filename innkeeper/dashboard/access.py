"""Who may open a panel page: signed in (else to the sign-in page), a member of a hotel (else 403),
an owner where the page says so (else 403); everything inside runs in that hotel's scope, so another
hotel's rows are simply not found (404)."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django_scopes import scope

from innkeeper.accounts.models import Membership, Role


def forbidden(request, message):
    return render(request, "dashboard/forbidden.html", {"message": message}, status=403)


def panel_view(view=None, *, owner_only: bool = False):
    def decorate(fn):
        @wraps(fn)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), "panel:login")
            membership = Membership.objects.select_related("hotel").filter(user=request.user).first()
            if membership is None:
                return forbidden(request, "no_hotel")
            if owner_only and membership.role != Role.OWNER:
                return forbidden(request, "owner_only")
            request.membership, request.panel_hotel = membership, membership.hotel
            with scope(hotel=membership.hotel), timezone.override(membership.hotel.tz):
                return fn(request, *args, **kwargs)
        return wrapper
    return decorate(view) if view else decorate


def redirect_back(request, *fallback, **fallback_kwargs):
    """Back to the page the form came from (its ``next``) when that is a page of this site, else to ``fallback``."""
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return redirect(target)
    return redirect(*fallback, **fallback_kwargs)
