"""One calendar event as an iCalendar file (RFC 5545, through icalendar): what a guest adds to their calendar."""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar, Event


def event_ics(*, uid: str, start: datetime, end: datetime, summary: str, location: str = "",
              description: str = "", url: str = "", now: datetime | None = None) -> bytes:
    """A calendar with one event from ``start`` to ``end`` (aware datetimes, written in UTC)."""
    calendar = Calendar()
    calendar.add("prodid", "-//Innkeeper//Stay//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", (now or datetime.now(UTC)).astimezone(UTC))
    event.add("dtstart", start.astimezone(UTC))
    event.add("dtend", end.astimezone(UTC))
    event.add("summary", summary)
    for name, value in (("location", location), ("description", description), ("url", url)):
        if value:
            event.add(name, value)
    calendar.add_component(event)
    return calendar.to_ical()
