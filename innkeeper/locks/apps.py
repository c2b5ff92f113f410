from django.apps import AppConfig


class LocksConfig(AppConfig):
    name = "innkeeper.locks"
    label = "locks"
    verbose_name = "Smart locks"
