"""Real Chromium (Debian's /usr/bin/chromium) driven by Playwright against the app on a real server.

Skipped when Chromium is not installed, unless REQUIRE_BROWSER=1 (CI sets it).
"""

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]

# Playwright's sync API runs an event loop in this thread; the tests' own ORM calls are still
# plain synchronous code between browser steps.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"Chromium is required but missing at {CHROMIUM}")
        pytest.skip(f"Chromium not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, wsgi_server):
    """A fresh phone-sized page; every request it makes must stay on this machine's server."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    foreign, errors = [], []
    page.on("request", lambda r: foreign.append(r.url) if f":{wsgi_server}/" not in r.url and
            not r.url.startswith("data:") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    # A style or script the Content-Security-Policy refused: the page would look or work wrong.
    page.on("console", lambda m: errors.append(f"{page.url} {m.text}")
            if "Content Security Policy" in m.text else None)
    page.port = wsgi_server
    yield page
    context.close()
    assert foreign == [], f"requests left the app: {foreign}"
    assert errors == [], f"JavaScript errors or refused inline code: {errors}"
