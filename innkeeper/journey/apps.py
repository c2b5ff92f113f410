from django.apps import AppConfig


class JourneyConfig(AppConfig):
    name = "innkeeper.journey"
    label = "journey"
    verbose_name = "Guest journey"
