from django.apps import AppConfig


class DemoConfig(AppConfig):
    """What only the demo uses: the command that seeds the demo hotels (it reaches every layer)."""

    name = "innkeeper.demo"
    label = "demo"
    verbose_name = "Demo"
