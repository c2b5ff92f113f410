from django.urls import path

from innkeeper.api import api
from innkeeper.web import views as web

urlpatterns = [
    path("api/", api.urls),
    path("", web.home, name="home"),
]
