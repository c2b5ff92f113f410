"""Beat schedule entries for the Celery app to merge into its ``beat_schedule``."""

BEAT_SCHEDULE = {
    # Release lapsed holds in every hotel, so a room type nobody books is not left showing them as HOLD.
    "booking-holds-expire": {"task": "booking.holds_expire", "schedule": 60.0},
}
