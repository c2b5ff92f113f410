from django.apps import AppConfig


class LocksConfig(AppConfig):
    name = "innkeeper.locks"
    label = "locks"
    verbose_name = "Smart locks"

    def ready(self):
        # LockKey rows are the outbox's kind "lock_key": the journey registers it (innkeeper.journey.apps),
        # with what follows a key's outcome.
        from innkeeper.locks import providers  # noqa: F401  (its providers register themselves)
