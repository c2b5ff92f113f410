"""The site icon: /favicon.ico on every host (browsers ask for it unprompted), and /favicon.svg on a hotel's
site in the hotel's own colour. The pages link these and the static icons (innkeeper/web/static/icons, drawn
by bin/favicons)."""

from pathlib import Path

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.views.decorators.http import require_safe

from innkeeper.web.templatetags.web import theme_color

ICO = (Path(__file__).resolve().parent.parent / "static" / "icons" / "favicon.ico").read_bytes()


def _icon(body, content_type: str, max_age: int) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Cache-Control"] = f"public, max-age={max_age}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"  # an image, never a page
    return response


@require_safe
def favicon_ico(request):
    return _icon(ICO, "image/x-icon", 7 * 24 * 3600)


@require_safe
def hotel_favicon(request):
    """The icon in the hotel's colour (a checked hex value), cached for a day: the owner may change it."""
    svg = render_to_string("web/favicon.svg", {"colour": theme_color(request.hotel)})
    return _icon(svg, "image/svg+xml", 24 * 3600)
