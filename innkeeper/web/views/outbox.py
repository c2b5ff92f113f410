from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.apps import apps
from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django_scopes import scopes_disabled

from innkeeper.messaging.models import Message


# The recorded e-mails are shown in sandboxed srcdoc frames, which take this page's policy: let their
# style="..." attributes (as every e-mail has) apply. <style> and <script> still need the nonce.
@csp_update({"style-src-attr": [UNSAFE_INLINE]})
def outbox(request):
    """Demo only: the e-mails and WhatsApp texts the simulators recorded for guests, and the outbox behind
    them. Staff mail (password resets, invitations) is never shown: anyone can open this page."""
    if settings.INNKEEPER_MODE != "demo" or not apps.is_installed("innkeeper.simulators"):
        raise Http404()
    from innkeeper.simulators import messages as simulator  # demo mode only: its tables exist only there

    with scopes_disabled():  # a demo page over every demo hotel
        recorded = simulator.guest_messages(50)
        queue = list(Message.objects.select_related("hotel", "booking")[:50])
    return render(request, "web/outbox.html", {"recorded": recorded, "queue": queue})
