from django.apps import AppConfig


class JourneyConfig(AppConfig):
    name = "innkeeper.journey"
    label = "journey"
    verbose_name = "Guest journey"

    def ready(self):
        from innkeeper.core import outbox
        from innkeeper.journey.steps import STEPS
        from innkeeper.locks import services as keys

        # Door keys are the outbox's kind "lock_key"; what follows a key's outcome at the lock (the access
        # instructions once it works) is the journey's.
        outbox.register(keys.outbox_kind(then=STEPS))
