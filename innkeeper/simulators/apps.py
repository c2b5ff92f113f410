from django.apps import AppConfig


class SimulatorsConfig(AppConfig):
    name = "innkeeper.simulators"
    label = "simulators"
    verbose_name = "Simulators (demo)"

    def ready(self):
        from innkeeper.simulators import locks, messages  # noqa: F401  (their providers register themselves)
