"""How a staff member is named in a booking's history; the panel and the staff API both write it."""

STAFF_PREFIX = "staff:"  # the audit log reads it back


def actor(request) -> str:
    """How the signed-in person is named in a booking's history."""
    return f"{STAFF_PREFIX}{request.user.email}"
