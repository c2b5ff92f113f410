from django.apps import AppConfig


class HotelsConfig(AppConfig):
    name = "innkeeper.hotels"
    label = "hotels"
