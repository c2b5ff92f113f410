from django.apps import AppConfig


class LocksConfig(AppConfig):
    name = "innkeeper.locks"
    label = "locks"
    verbose_name = "Smart locks"

    def ready(self):
        from innkeeper.core import outbox
        from innkeeper.locks import services

        outbox.register(services.OUTBOX_KIND)  # LockKey rows are the outbox's kind "lock_key"
        from innkeeper.locks import providers  # noqa: F401  (its providers register themselves)
