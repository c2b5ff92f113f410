from django.urls import path

from innkeeper.checkin import views

urlpatterns = [
    path("check-in/", views.check_in, name="check_in"),
]
