"""Beat schedule entries for the Celery app to merge into its ``beat_schedule``."""

BEAT_SCHEDULE = {
    # Re-dispatch key operations whose retry time came or whose worker was lost.
    "locks-keys-sweep": {"task": "locks.keys_sweep", "schedule": 60.0},
    # Check out stays that ended (and so revoke keys nobody revoked).
    "locks-auto-check-out": {"task": "locks.auto_check_out", "schedule": 15 * 60.0},
    # Find bookings due for their check-in reminder (innkeeper.checkin.tasks).
    "checkin-reminders": {"task": "checkin.reminders", "schedule": 15 * 60.0},
}
