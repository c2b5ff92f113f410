"""Beat schedule entries for the Celery app to merge into its ``beat_schedule``."""

BEAT_SCHEDULE = {
    # Check out stays that ended (and so revoke keys nobody revoked).
    "journey-auto-check-out": {"task": "journey.auto_check_out", "schedule": 15 * 60.0},
    # Find bookings due for their check-in reminder.
    "journey-checkin-reminders": {"task": "journey.checkin_reminders", "schedule": 15 * 60.0},
    # Find stays due for their check-out reminder or the thanks after the stay.
    "journey-stay-messages": {"task": "journey.stay_messages", "schedule": 5 * 60.0},
    # Read what changed in every hotel's PMS.
    "pms-sync": {"task": "pms.sync_all", "schedule": 5 * 60.0},
    # PMS webhook events whose own task was lost.
    "pms-events": {"task": "pms.events_sweep", "schedule": 2 * 60.0},
    # Find bookings due a message of one of their hotel's time rules.
    "journey-automation": {"task": "journey.automation", "schedule": 60.0},
}
