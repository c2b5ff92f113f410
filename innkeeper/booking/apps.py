from django.apps import AppConfig


class BookingConfig(AppConfig):
    name = "innkeeper.booking"
    label = "booking"
