from django.apps import AppConfig


class CheckinConfig(AppConfig):
    name = "innkeeper.checkin"
    label = "checkin"
    verbose_name = "Online check-in"
