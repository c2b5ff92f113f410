from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "innkeeper.messaging"
    label = "messaging"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from innkeeper.messaging import providers  # noqa: F401  (its providers register themselves)
