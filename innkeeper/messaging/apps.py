from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "innkeeper.messaging"
    label = "messaging"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from innkeeper.core import outbox
        from innkeeper.messaging import services

        outbox.register(services.OUTBOX_KIND)  # Message rows are the outbox's kind "message"
        from innkeeper.messaging import providers  # noqa: F401  (its providers register themselves)
