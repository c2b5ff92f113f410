"""URLs of the platform site (localhost and PLATFORM_HOSTS). Hotel sites use innkeeper.web.urls_hotel."""

from django.urls import include, path

from innkeeper.api import api
from innkeeper.web.views import platform

urlpatterns = [
    path("api/", api.urls),
    path("panel/", include("innkeeper.dashboard.urls")),
    path("", platform.home, name="platform_home"),
]
