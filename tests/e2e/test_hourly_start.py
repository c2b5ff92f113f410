"""In Chromium: the hourly search's start hours follow the chosen date (web/search.js, allowed by the CSP):
on the first day with starts left the hours already gone cannot be chosen, on another day every hour can."""

from datetime import date, datetime, time, timedelta

import time_machine

from tests.e2e.test_guest_flows import site, url  # noqa: F401  (site is a fixture)

DAY = date(2026, 12, 10)


def test_start_hours_follow_the_date(page, site, other_hotel):  # noqa: F811
    hotel = site[0]
    with time_machine.travel(datetime.combine(DAY, time(14, 20), tzinfo=hotel.tz), tick=True):
        page.goto(url(page, "/en/book/"))
        page.get_by_text("By the hour", exact=True).click()
        start, day = page.get_by_label("Start time"), page.get_by_label("Date")
        disabled = "s => [...s.options].filter(o => o.disabled).map(o => o.value)"
        assert day.input_value() == DAY.isoformat() and start.input_value() == "15"
        assert start.evaluate(disabled) == [str(h) for h in range(8, 15)]
        day.fill((DAY + timedelta(days=1)).isoformat())
        assert start.evaluate(disabled) == []
        start.select_option(label="10:00")
        day.fill(DAY.isoformat())  # back to today: 10:00 has gone, the first start left is chosen
        assert start.evaluate(disabled) == [str(h) for h in range(8, 15)] and start.input_value() == "15"
        page.get_by_role("button", name="See prices").click()
        page.get_by_role("heading", name="Standard").wait_for()
