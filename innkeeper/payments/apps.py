from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "innkeeper.payments"
    label = "payments"
