from django.apps import AppConfig


class LocksConfig(AppConfig):
    name = "innkeeper.locks"
    label = "locks"
    verbose_name = "Smart locks"

    def ready(self):
        from innkeeper.locks import providers  # noqa: F401  (its providers register themselves)
