"""Full-page screenshots of every guest page of the demo hotel's website, on a phone and on a desktop.

    .venv/bin/python bench/screenshots.py

Serves the app as bench/_server.py does (fresh bench/out/screenshots.sqlite3 with the demo hotels,
gunicorn, DEBUG off) and drives Debian's Chromium (/usr/bin/chromium, never a downloaded browser) with
Playwright at 390x844 ("phone") and 1366x900 ("desktop"), device scale factor 1. Saves
docs/screenshots/<page>-<phone|desktop>.png and docs/screenshots/README.md (which URL each file shows).

Search dates are relative to the run day (check-in in 30 days, or 31 when that is the demo's New Year
minimum-stay date, 2 nights; hourly: the same day, 12:00 for 3 hours). The confirmation page comes from
a real booking made through the UI: the nightly results page -> "Book Deluxe King" -> name and e-mail ->
"Confirm booking"; from there "Manage booking" and "Cancel booking" (the confirmation question, not
answered). Field errors: a Russian search arriving on the demo's New Year date, which needs 3 nights,
for 1 night. Sold out: the guest-details step of the Family Suite (2 rooms) is opened and filled in, both
suites are booked through the booking API, then the form is sent (HTTP 409). The payment step: the owner
turns "payment required" on in the panel's settings, then a booking through the UI stops at payment.

Besides saving the images it prints, per page and viewport, the HTTP status, the page height and any
horizontal overflow (document wider than the viewport, with the widest offending elements), and every
console error or failed request.
"""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402
import _server  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
VIEWPORTS = {  # name: (width, height, mobile)
    "phone": (390, 844, True),
    "desktop": (1366, 900, False),
}
HOTEL = "demo"
ROOM = "deluxe"
SOLD_OUT_ROOM = "suite"
EXPECTED_STATUS = {"book-sold-out": 409}
SHOTS = _common.ROOT / "docs" / "screenshots"
GUEST = {"name": "Anna Petrova", "email": "anna@example.com"}

# Finds elements that stick out to the right of the viewport (the cause of a horizontal scrollbar).
OVERFLOW_JS = """() => {
  const vw = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width && r.right > vw + 0.5) {
      const id = el.id ? '#' + el.id : '';
      const cls = el.classList.length ? '.' + [...el.classList].join('.') : '';
      out.push({el: el.tagName.toLowerCase() + id + cls, right: Math.round(r.right),
                text: (el.innerText || el.value || '').trim().slice(0, 40)});
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, clientWidth: vw,
          height: document.documentElement.scrollHeight, offenders: out.slice(0, 5)};
}"""


@dataclass
class Shot:
    page: str
    viewport: str
    path: str  # path and query shown (the URL bar)
    status: int
    height: int
    overflow: int  # px wider than the viewport
    offenders: list
    size: int


def new_year(today: date) -> date:
    """The demo's New Year date, which needs 3 nights (hotels/demo.py)."""
    return date(today.year if today < date(today.year, 12, 31) else today.year + 1, 12, 31)


def searches(today: date) -> dict[str, tuple[str, dict]]:
    check_in = today + timedelta(days=30)
    if check_in == new_year(today):  # every room would refuse a 2-night stay: show prices instead
        check_in += timedelta(days=1)
    nightly = {"mode": "nightly", "check_in": check_in.isoformat(),
               "check_out": (check_in + timedelta(days=2)).isoformat(), "guests": 2}
    hourly = {"mode": "hourly", "date": check_in.isoformat(), "start_time": 12, "hours": 3, "guests": 2}
    arrival = new_year(today)
    too_short = {"mode": "nightly", "check_in": arrival.isoformat(),
                 "check_out": (arrival + timedelta(days=1)).isoformat(), "guests": 2}
    return {"nightly": ("/en/book/", nightly), "hourly": ("/ru/book/", hourly), "errors": ("/ru/book/", too_short)}


def sold_out_stay(today: date, viewport: str) -> dict:
    """A night for the Family Suite (2 rooms), one per viewport so each finds it free first."""
    check_in = today + timedelta(days=35 + 2 * list(VIEWPORTS).index(viewport))
    if check_in == new_year(today):
        check_in += timedelta(days=7)
    return {"mode": "nightly", "check_in": check_in.isoformat(), "check_out": (check_in + timedelta(days=1)).isoformat(),
            "guests": 2, "room_type": SOLD_OUT_ROOM}


def pages(today: date) -> list[tuple[str, str, str]]:
    """(file stem, path, what it shows) of every page reached by a plain GET. Each is opened in a browser
    context whose language (Accept-Language, navigator.language) matches the page's; Chromium's date fields
    follow its own UI language (en-US) whatever the context says, so they read mm/dd/yyyy on Russian pages."""
    s = searches(today)
    nightly_path, nightly = s["nightly"]
    hourly_path, hourly = s["hourly"]
    errors_path, errors = s["errors"]
    return [
        ("home", "/en/", "home page"),
        ("rooms", "/en/rooms/", "all room types"),
        (f"room-{ROOM}", f"/en/rooms/{ROOM}/", "one room type"),
        ("about", "/en/about/", "about the hotel, policies"),
        ("contact", "/en/contact/", "address, phone, e-mail"),
        ("manage", "/en/manage/", "manage booking: look a booking up by reference and e-mail"),
        ("book", "/en/book/", "booking step 1: the empty search form"),
        ("book-results-nightly", f"{nightly_path}?{urlencode(nightly)}",
         "booking step 1 with results: 2 nights from 30 days ahead, 2 guests"),
        ("book-results-hourly-ru", f"{hourly_path}?{urlencode(hourly)}",
         "booking step 1 with results, in Russian: 3 hours from 12:00, 30 days ahead"),
        ("book-errors-ru", f"{errors_path}?{urlencode(errors)}",
         "booking step 1 with a field error, in Russian: 1 night arriving on the demo's New Year date, "
         "which needs 3 nights in every room (the message is beside check-out)"),
    ]


PANEL_USER, PANEL_PASSWORD = "owner@demo.localhost", "innkeeper-demo"  # seed_demo's owner
PANEL_PAGES = [("panel-today", "panel/"), ("panel-tape", "panel/tape/"), ("panel-rates", "panel/rates/"),
               ("panel-messages", "panel/messages/"), ("panel-bookings", "panel/bookings/")]
PANEL_DESCRIBED = {
    "outbox": "the demo outbox (platform host): what the simulators recorded and the outbox rows",
    "panel-today": "staff panel, signed in as the demo owner: today's arrivals, departures, figures",
    "panel-tape": "staff panel: the tape chart, rooms down and 14 days across",
    "panel-rates": "staff panel: the rates calendar and the form for a range of dates",
    "panel-messages": "staff panel: the communication log",
    "panel-bookings": "staff panel: bookings, newest first",
    "panel-booking": "staff panel: the booking made above, with its actions, messages and history",
}


def measure(page, name: str, viewport: str, status: int, file: Path) -> Shot:
    info = page.evaluate(OVERFLOW_JS)
    parts = urlsplit(page.url)
    return Shot(page=name, viewport=viewport, path=parts.path + (f"?{parts.query}" if parts.query else ""),
                status=status, height=info["height"], overflow=info["scrollWidth"] - info["clientWidth"],
                offenders=info["offenders"], size=file.stat().st_size)


def capture(page, name: str, viewport: str, status: int) -> Shot:
    page.wait_for_load_state("networkidle")
    file = SHOTS / f"{name}-{viewport}.png"
    page.screenshot(path=str(file), full_page=True, animations="disabled", caret="hide")
    return measure(page, name, viewport, status, file)


def run(site, today: date, problems: list[str]) -> list[Shot]:
    from playwright.sync_api import sync_playwright

    shots: list[Shot] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            tabs = {(viewport, lang): new_tab(browser, viewport, lang, problems)
                    for viewport in VIEWPORTS for lang in ("en", "ru")}
            # Every plain page on both viewports first, so that both show the same free rooms ...
            for viewport in VIEWPORTS:
                for name, path, _what in pages(today):
                    page = tabs[viewport, path.split("/")[1]]
                    response = page.goto(site.url(HOTEL, path), wait_until="load")
                    shots.append(capture(page, name, viewport, response.status if response else 0))
            # ... then a booking through the UI on each: results -> Book <room> -> details -> Confirm -> done.
            nightly_path, nightly = searches(today)["nightly"]
            for viewport in VIEWPORTS:
                page = tabs[viewport, "en"]
                page.goto(site.url(HOTEL, f"{nightly_path}?{urlencode(nightly)}"), wait_until="load")
                with page.expect_navigation() as nav:
                    page.locator(f"form:has(input[name=room_type][value={ROOM}]) button[type=submit]").click()
                response = nav.value
                shots.append(capture(page, "book-details", viewport, response.status if response else 0))
                page.fill("input[name=name]", GUEST["name"])
                page.fill("input[name=email]", GUEST["email"])
                with page.expect_navigation(url="**/book/done/**") as nav:
                    page.locator("main form[method=post] button[type=submit]").click()
                response = nav.value
                shots.append(capture(page, "book-done", viewport, response.status if response else 0))
                with page.expect_navigation() as nav:
                    page.get_by_role("link", name="Manage booking").click()
                shots.append(capture(page, "manage-booking", viewport, nav.value.status if nav.value else 0))
                with page.expect_navigation() as nav:
                    page.get_by_role("link", name="Cancel booking").click()
                shots.append(capture(page, "manage-cancel", viewport, nav.value.status if nav.value else 0))
            # Sold out while the guest types: both Family Suites go through the API, then the form is sent.
            for viewport in VIEWPORTS:
                page = tabs[viewport, "en"]
                stay = sold_out_stay(today, viewport)
                page.goto(site.url(HOTEL, f"/en/book/details/?{urlencode(stay)}"), wait_until="load")
                page.fill("input[name=name]", GUEST["name"])
                page.fill("input[name=email]", GUEST["email"])
                for i in range(2):
                    status = api_book(site, {
                        "room_type": SOLD_OUT_ROOM, "check_in": stay["check_in"], "check_out": stay["check_out"],
                        "guests": 2, "guest": {"name": f"Other guest {i}", "email": f"other{i}@example.com"}})
                    if status != 201:
                        problems.append(f"{viewport}: booking the suite through the API answered {status}")
                with page.expect_navigation() as nav:
                    page.locator("main form[method=post] button[type=submit]").click()
                shots.append(capture(page, "book-sold-out", viewport, nav.value.status if nav.value else 0))
            # The platform host: the demo outbox, then the staff panel signed in as the demo hotel's owner.
            platform = site.url(HOTEL).replace(f"{HOTEL}.localhost", "localhost")
            for viewport in VIEWPORTS:
                page = tabs[viewport, "en"]
                response = page.goto(f"{platform}outbox/", wait_until="load")
                shots.append(capture(page, "outbox", viewport, response.status if response else 0))
                page.goto(f"{platform}panel/", wait_until="load")
                page.fill("input[name=username]", PANEL_USER)
                page.fill("input[name=password]", PANEL_PASSWORD)
                with page.expect_navigation():
                    page.locator("main form button").click()
                for name, path in PANEL_PAGES:
                    response = page.goto(f"{platform}{path}", wait_until="load")
                    shots.append(capture(page, name, viewport, response.status if response else 0))
                made = page.locator(f"li:has-text('{GUEST['name']}') a.ref, tr:has-text('{GUEST['name']}') a.ref")
                reference = made.first.inner_text().strip() if made.count() else ""
                if reference:
                    response = page.goto(f"{platform}panel/bookings/{reference}/", wait_until="load")
                    shots.append(capture(page, "panel-booking", viewport, response.status if response else 0))
                # The owner switches to prepayment; the next booking through the UI stops at the payment step.
                page.goto(f"{platform}panel/settings/", wait_until="load")
                if page.input_value("select[name=hotel-payment_rule]") != "PREPAY":
                    page.select_option("select[name=hotel-payment_rule]", "PREPAY")
                    with page.expect_navigation():
                        page.get_by_role("button", name="Save settings").click()
                page.goto(site.url(HOTEL, f"{nightly_path}?{urlencode(nightly)}"), wait_until="load")
                with page.expect_navigation():
                    page.locator(f"form:has(input[name=room_type][value={ROOM}]) button[type=submit]").click()
                page.fill("input[name=name]", GUEST["name"])
                page.fill("input[name=email]", GUEST["email"])
                with page.expect_navigation(url="**/book/pay/**") as nav:
                    page.get_by_role("button", name="Continue to payment").click()
                shots.append(capture(page, "book-pay", viewport, nav.value.status if nav.value else 0))
            for page in tabs.values():
                page.context.close()
        finally:
            browser.close()
    return shots


def new_tab(browser, viewport: str, lang: str, problems: list[str]):
    """A page in its own context (own cookies) with the viewport's size and a browser speaking ``lang``;
    console errors, failed requests and HTTP errors go to ``problems``."""
    width, height, mobile = VIEWPORTS[viewport]
    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1,
                                  is_mobile=mobile, has_touch=mobile, timezone_id="Europe/Moscow",
                                  locale={"en": "en-US", "ru": "ru-RU"}[lang])
    page = context.new_page()
    page.on("console", lambda msg: msg.type == "error" and not (  # the sold-out page's 409, on purpose
        "status of 409" in msg.text and "/book/details/" in page.url) and problems.append(
        f"{viewport}: console error on {page.url}: {msg.text}"))
    page.on("requestfailed", lambda req: problems.append(
        f"{viewport}: request failed: {req.url} ({req.failure})"))
    page.on("response", lambda resp: resp.status >= 400 and not _expected_error(resp) and problems.append(
        f"{viewport}: HTTP {resp.status} for {resp.url}"))
    return page


def api_book(site, body: dict) -> int:
    """Book through the booking API as another guest would; the HTTP status. (Python resolves no
    *.localhost names, so it asks 127.0.0.1 with the hotel's Host header.)"""
    request = urllib.request.Request(f"http://127.0.0.1:{site.port}/api/v1/hotels/{HOTEL}/bookings",
                                     data=json.dumps(body).encode(), method="POST",
                                     headers={"Host": f"{HOTEL}.localhost", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


def _expected_error(resp) -> bool:
    """The sold-out page answers 409 on purpose."""
    return resp.status == 409 and resp.request.method == "POST" and "/book/details/" in resp.url


def write_readme(shots: list[Shot], today: date, chromium: str) -> None:
    described = {name: what for name, _path, what in pages(today)}
    described["book-details"] = f"booking step 2, guest details, reached with \"Book\" on the {ROOM} result"
    described["book-done"] = ("confirmation after a real booking: the details form filled with "
                              f"{GUEST['name']} / {GUEST['email']} and submitted")
    described["manage-booking"] = "manage booking: the booking just made, reached with \"Manage booking\" on the confirmation"
    described["manage-cancel"] = "manage booking: the cancellation question (\"Cancel booking\"; not answered)"
    described["book-sold-out"] = ("the guest-details form sent after both Family Suites were booked by others "
                                  "(HTTP 409): what happened and what is still free")
    described["book-pay"] = ("the payment step (the fake card provider) of a booking made through the UI after the "
                             "owner turned \"payment required\" on in the panel")
    described.update(PANEL_DESCRIBED)
    lines = [
        "# Screenshots of the demo hotel's website and staff panel",
        "",
        f"Made by `bench/screenshots.py` on {today.isoformat()} (Chromium {chromium}, full page, "
        "device scale factor 1). Host: `http://demo.localhost:PORT` (the demo hotel: Moscow, nights and "
        "hours); the outbox and the panel are on the platform host `http://localhost:PORT`. Search dates are relative to that day; the confirmation page's address carries a signed "
        "token of that run's booking. Regenerate with `.venv/bin/python bench/screenshots.py`.",
        "",
        "| page | phone (390×844) | desktop (1366×900) | URL | shows |",
        "|---|---|---|---|---|",
    ]
    by_name: dict[str, dict[str, Shot]] = {}
    for shot in shots:
        by_name.setdefault(shot.page, {})[shot.viewport] = shot
    for name, views in by_name.items():
        path = views["phone"].path
        if name == "book-done":
            path = "/en/book/done/<token>/"
        if name == "panel-booking":
            path = "/panel/bookings/<reference>/"
        path = {"manage-booking": "/en/manage/<token>/", "manage-cancel": "/en/manage/<token>/cancel/",
                "book-pay": "/en/book/pay/<token>/",
                "book-sold-out": "/en/book/details/ (POST; phone: "
                                 f"{urlencode(sold_out_stay(today, 'phone'))})"}.get(name, path)
        cells = [f"[{name}-{v}.png]({name}-{v}.png)" for v in VIEWPORTS]
        lines.append(f"| {name} | {' | '.join(cells)} | `{path}` | {described[name]} |")
    (SHOTS / "README.md").write_text("\n".join(lines) + "\n")


def main() -> int:
    started = time.perf_counter()
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("*.png"):
        old.unlink()
    today = date.today()
    problems: list[str] = []
    with _server.demo_site("screenshots") as site:
        print(f"== screenshots of http://{HOTEL}.localhost:{site.port}/ ==")
        print(f"  database  {site.database} (migrate {site.migrate_s:.1f} s, seed_demo {site.seed_s:.1f} s)")
        print(f"  server    gunicorn, INNKEEPER_MODE=demo, DEBUG={site.debug}; log {site.log}")
        print(f"  browser   {CHROMIUM} {' '.join(CHROMIUM_ARGS)}")
        print()
        shots = run(site, today, problems)
    write_readme(shots, today, _chromium_version())

    order = {name: i for i, name in enumerate(dict.fromkeys(s.page for s in shots))}
    shots.sort(key=lambda s: (order[s.page], list(VIEWPORTS).index(s.viewport)))
    rows = [[s.page, s.viewport, s.status, s.height, s.overflow or "", f"{s.size / 1024:.0f} KB"]
            for s in shots]
    _common.table(["page", "viewport", "HTTP", "height px", "overflow px", "file"], rows)
    for s in shots:
        if s.overflow > 0:
            print(f"overflow: {s.page} ({s.viewport}) is {s.overflow} px wider than the viewport; widest:")
            for o in s.offenders:
                print(f"    {o['el']} right edge at {o['right']} px  {o['text']!r}")
    for p in problems:
        print("problem:", p)
    total = sum(s.size for s in shots)
    print(f"{len(shots)} files, {total / 1024 / 1024:.2f} MB in {SHOTS.relative_to(_common.ROOT)}/ "
          f"({time.perf_counter() - started:.0f} s)")
    bad = [s for s in shots if s.status != EXPECTED_STATUS.get(s.page, 200)]
    return 1 if bad else 0


def _chromium_version() -> str:
    import subprocess

    out = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout.strip()
    return out.split()[1] if len(out.split()) > 1 else "?"


if __name__ == "__main__":
    sys.exit(main())
