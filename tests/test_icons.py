"""The site icon: static files the pages link, /favicon.ico on every host, and a hotel's own /favicon.svg in its
colour."""

import struct

import pytest
from django.templatetags.static import static

pytestmark = pytest.mark.django_db


@pytest.fixture
def coloured(hotel, other_hotel):
    hotel.theme, other_hotel.theme = {"primary": "#7a2e3a"}, {"primary": "#1f5f5b"}
    hotel.save()
    other_hotel.save()
    return hotel, other_hotel


@pytest.mark.parametrize("name, content_type", [("icons/favicon.svg", "image/svg+xml"),
                                                ("icons/favicon.ico", "image/x-icon"),
                                                ("icons/apple-touch-icon.png", "image/png")])
def test_the_icons_are_served_as_static_files(client, name, content_type):
    r = client.get(static(name))
    assert (r.status_code, r["Content-Type"]) == (200, content_type)
    assert len(b"".join(r.streaming_content)) > 100


@pytest.mark.parametrize("host", ["localhost", "moscow.localhost"])
def test_favicon_ico_answers_on_the_platform_and_on_a_hotel_site(client, coloured, host):
    r = client.get("/favicon.ico", HTTP_HOST=host)
    assert (r.status_code, r["Content-Type"]) == (200, "image/x-icon")
    assert struct.unpack("<HHH", r.content[:6]) == (0, 1, 3)  # an icon file with three sizes
    assert "max-age=" in r["Cache-Control"] and "sandbox" in r["Content-Security-Policy"]


def test_a_hotel_site_has_its_icon_in_its_own_colour(client, coloured):
    ours = client.get("/favicon.svg", HTTP_HOST="moscow.localhost")
    theirs = client.get("/favicon.svg", HTTP_HOST="other.localhost")
    assert (ours.status_code, ours["Content-Type"]) == (200, "image/svg+xml")
    assert ours.content.decode().count('fill="#7a2e3a"') == 2 and "#1f5f5b" not in ours.content.decode()
    assert theirs.content.decode().count('fill="#1f5f5b"') == 2
    assert client.get("/favicon.svg", HTTP_HOST="localhost").status_code == 404  # the platform's is static


def test_every_kind_of_page_links_the_icons(client, coloured):
    svg, ico, touch = static("icons/favicon.svg"), static("icons/favicon.ico"), static("icons/apple-touch-icon.png")
    hotel_page = client.get("/en/", HTTP_HOST="moscow.localhost").content.decode()
    assert 'href="/favicon.svg" type="image/svg+xml"' in hotel_page and ico in hotel_page and touch in hotel_page
    for path in ("/", "/panel/sign-in/"):
        page = client.get(path, HTTP_HOST="localhost").content.decode()
        assert f'href="{svg}" type="image/svg+xml"' in page and ico in page and touch in page
