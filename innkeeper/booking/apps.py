from django.apps import AppConfig
from django.db.models.signals import post_migrate


class BookingConfig(AppConfig):
    name = "innkeeper.booking"
    label = "booking"

    def ready(self):
        from innkeeper.booking.db_guard import ensure_sqlite_guard

        post_migrate.connect(ensure_sqlite_guard, sender=self, dispatch_uid="booking_sqlite_guard")
