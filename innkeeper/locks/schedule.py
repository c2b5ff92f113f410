"""Beat schedule entries for the Celery app to merge into its ``beat_schedule``."""

BEAT_SCHEDULE = {
    # Re-dispatch key operations whose retry time came or whose worker was lost.
    "locks-keys-sweep": {"task": "locks.keys_sweep", "schedule": 60.0},
}
