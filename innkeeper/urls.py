"""URLs of the platform site (localhost and PLATFORM_HOSTS). Hotel sites use innkeeper.urls_hotel."""

from django.urls import include, path

from innkeeper.api import api
from innkeeper.hooks import views as hook_views
from innkeeper.hooks import whatsapp as hooks
from innkeeper.web.views import icons, outbox, platform

urlpatterns = [
    path("api/", api.urls),
    path("panel/", include("innkeeper.dashboard.urls")),
    # Every provider callback: /hooks/<kind>/<provider>/<account id or "install">.
    path("hooks/<slug:kind>/<slug:provider>/<slug:account>", hook_views.hook, name="hook"),
    # The old URLs, still in providers' consoles: aliases of the one above.
    path("hooks/waha", hooks.waha, name="hook_waha"),
    path("hooks/twilio", hooks.twilio, name="hook_twilio"),
    path("hooks/whatsapp-cloud", hooks.whatsapp_cloud, name="hook_whatsapp_cloud"),
    path("hooks/waha/<slug:hotel_slug>/", hooks.waha, name="hook_waha_hotel"),
    path("hooks/twilio/<slug:hotel_slug>/", hooks.twilio, name="hook_twilio_hotel"),
    path("hooks/whatsapp-cloud/<slug:hotel_slug>/", hooks.whatsapp_cloud, name="hook_whatsapp_cloud_hotel"),
    # What the demo's simulators "sent" (404 outside demo mode).
    path("outbox/", outbox.outbox, name="demo_outbox"),
    path("favicon.ico", icons.favicon_ico),
    path("", platform.home, name="platform_home"),
]
handler404 = "innkeeper.handlers.page_not_found"
handler500 = "innkeeper.handlers.server_error"
