"""Security headers on every page: Content-Security-Policy with a per-request nonce, Referrer-Policy,
Permissions-Policy, HSTS in production only."""

import json
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django_scopes import scopes_disabled

from innkeeper.hotels.models import HotelLogo
from tests import factories
from tests.test_config import PRODUCTION

ROOT = Path(__file__).resolve().parent.parent
INLINE = re.compile(r"<(script|style)\b([^>]*)>", re.I)


def policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: " ".join(part.split()[1:]) for part in header.split(";") if part.strip()}


def inline_blocks_carry_the_nonce(response) -> int:
    """Every <script> and <style> in the page carries the nonce of the page's header; how many there are."""
    found = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])
    nonce = found.group(1) if found else "(none: the page used no nonce)"
    blocks = INLINE.findall(response.content.decode())
    for tag, attributes in blocks:
        assert f'nonce="{nonce}"' in attributes, f"<{tag}{attributes}> has no nonce {nonce}"
    return len(blocks)


@pytest.fixture
def site(hotel, other_hotel):
    hotel.theme = {"primary": "#123456"}
    hotel.save()
    room_type = factories.make_room_type(hotel, slug="std", name="Standard", rooms=1)
    factories.make_room_type(other_hotel, slug="std", name="Other Standard", rooms=1)
    return hotel, room_type


def test_a_hotel_page_carries_the_policy_and_its_inline_blocks_the_nonce(client, site):
    page = client.get("/en/rooms/std/", HTTP_HOST="moscow.localhost")
    assert page.status_code == 200
    directives = policy(page)
    assert directives["default-src"] == "'self'" and directives["frame-ancestors"] == "'none'"
    assert directives["img-src"] == "'self' data:" and directives["object-src"] == "'none'"
    for kind in ("script-src", "style-src"):  # no 'unsafe-inline': only what carries the nonce runs
        assert re.fullmatch(r"'self' 'nonce-[A-Za-z0-9+/=]+'", directives[kind]), directives[kind]
    html = page.content.decode()
    assert '<script type="application/ld+json" nonce="' in html and "--primary" in html
    assert inline_blocks_carry_the_nonce(page) == 3  # the theme's <style>, the JSON-LD, the hourly search's script
    # A new nonce for every response.
    again = client.get("/en/rooms/std/", HTTP_HOST="moscow.localhost")
    assert policy(again)["style-src"] != directives["style-src"]
    other = client.get("/en/rooms/std/", HTTP_HOST="other.localhost")
    assert "Other Standard" in other.content.decode() and inline_blocks_carry_the_nonce(other) == 3


def test_a_panel_page_carries_the_policy_and_its_inline_style_the_nonce(client, site, book, future):
    hotel, room_type = site
    booking = book(hotel, room_type, future, future + timedelta(days=2))
    client.force_login(factories.make_member(hotel, "OWNER", "owner@moscow.example"))
    tape = client.get("/panel/tape/", {"from": future.isoformat()})
    assert tape.status_code == 200 and booking.reference in tape.content.decode()
    assert policy(tape)["default-src"] == "'self'" and policy(tape)["frame-ancestors"] == "'none'"
    assert inline_blocks_carry_the_nonce(tape) == 1  # the chart's grid places
    assert ' style="' not in tape.content.decode()  # attributes cannot carry a nonce
    assert inline_blocks_carry_the_nonce(client.get("/panel/")) == 0


def test_pages_without_a_hotel_carry_the_nonce_too(client, db, settings):
    settings.INNKEEPER_MODE = "demo"
    for response in (client.get("/"), client.get("/outbox/"), client.get("/", HTTP_HOST="nobody.example")):
        assert inline_blocks_carry_the_nonce(response) == 1
    # The demo outbox shows e-mails (style attributes) in sandboxed frames, which take its policy.
    outbox, home = policy(client.get("/outbox/")), policy(client.get("/"))
    assert outbox["style-src-attr"] == "'unsafe-inline'" and "style-src-attr" not in home
    assert outbox["style-src"].startswith("'self' 'nonce-") and "unsafe" not in outbox["style-src"]


def test_the_logo_keeps_its_own_sandboxing_policy(client, site):
    hotel, _ = site
    with scopes_disabled():
        logo = HotelLogo.objects.create(hotel=hotel, content_type="image/png", data=b"\x89PNG",
                                        digest="ab" * 32, width=1, height=1)
    response = client.get(f"/logo/{logo.digest[:16]}.png", HTTP_HOST="moscow.localhost")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_referrer_and_permissions_policies_and_no_hsts_in_demo(client, site):
    page = client.get("/en/", HTTP_HOST="moscow.localhost", secure=True)
    assert page["Referrer-Policy"] == "strict-origin-when-cross-origin"
    permissions = dict(p.strip().split("=") for p in page["Permissions-Policy"].split(","))
    assert {k: permissions[k] for k in ("camera", "microphone", "geolocation")} == dict.fromkeys(
        ("camera", "microphone", "geolocation"), "()")
    assert "Strict-Transport-Security" not in page  # demo mode runs on http://localhost
    api = client.get("/api/v1/hotels/moscow")
    assert api["Permissions-Policy"] == page["Permissions-Policy"]


def test_production_sends_hsts():
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(PRODUCTION)
    probe = ("import django, json; django.setup(); from django.conf import settings as s; print(json.dumps("
             "[s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SESSION_COOKIE_AGE]))")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True,
                            timeout=60, env={**env, "DJANGO_SETTINGS_MODULE": "innkeeper.settings"})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [365 * 24 * 3600, True, 12 * 3600]
