"""The WhatsApp providers' old hook URLs, which their consoles still point at: each is an alias of the
generic hook (``innkeeper.hooks.views``). ``/hooks/waha`` ... are the install's account; ``/hooks/waha/
<hotel slug>/`` ... the hotel's own account of that provider (404 when it has none)."""

from __future__ import annotations

from django.http import Http404
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from django_scopes import scopes_disabled

from innkeeper.core import integrations
from innkeeper.core.providers import INSTALL
from innkeeper.hooks.views import callback
from innkeeper.hotels.models import Hotel


def _account(provider: str, hotel_slug: str | None) -> str:
    if hotel_slug is None:
        return INSTALL
    with scopes_disabled():
        hotel = Hotel.objects.filter(slug=hotel_slug).first()
    account = integrations.account_for(hotel.pk, "whatsapp") if hotel else None
    if account is None or account.provider != provider:
        raise Http404
    return str(account.pk)


@csrf_exempt
@require_POST
def waha(request, hotel_slug=None):
    return callback(request, "whatsapp", "waha", _account("waha", hotel_slug))


@csrf_exempt
@require_POST
def twilio(request, hotel_slug=None):
    return callback(request, "whatsapp", "twilio", _account("twilio", hotel_slug))


@csrf_exempt
@require_http_methods(["GET", "POST"])
def whatsapp_cloud(request, hotel_slug=None):
    return callback(request, "whatsapp", "cloud", _account("cloud", hotel_slug))
