from django.apps import AppConfig


class PmsConfig(AppConfig):
    name = "innkeeper.pms"
    label = "pms"
    verbose_name = "PMS sync"

    def ready(self):
        from innkeeper.pms import adapters  # noqa: F401  (its adapters register themselves)
