"""URLs of the platform site (localhost and PLATFORM_HOSTS). Hotel sites use innkeeper.web.urls_hotel."""

from django.urls import include, path

from innkeeper.api import api
from innkeeper.messaging import hooks
from innkeeper.web.views import outbox, platform

urlpatterns = [
    path("api/", api.urls),
    path("panel/", include("innkeeper.dashboard.urls")),
    # Delivery receipts from the WhatsApp providers (each verified by its own signature scheme).
    path("hooks/waha", hooks.waha, name="hook_waha"),
    path("hooks/twilio", hooks.twilio, name="hook_twilio"),
    path("hooks/whatsapp-cloud", hooks.whatsapp_cloud, name="hook_whatsapp_cloud"),
    # What the demo's simulators "sent" (404 outside demo mode).
    path("outbox/", outbox.outbox, name="demo_outbox"),
    path("", platform.home, name="platform_home"),
]
