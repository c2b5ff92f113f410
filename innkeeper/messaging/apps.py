from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "innkeeper.messaging"
    label = "messaging"
    default_auto_field = "django.db.models.BigAutoField"
