"""What a hotel's site may look like: the fonts it may pick and the logo image it may upload.

The logo is kept in the database (no media server, no CDN) and served by the app under a URL that
carries its digest, so browsers may cache it for a year. Only PNG and WebP are accepted: they are
plain pixels whose size is in their header. SVG is refused, because an SVG file can carry scripts and
links that would run on the hotel's own domain when the file is opened by itself.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from innkeeper.core.errors import InvalidInput

FONTS = {  # key: (what the owner picks, the CSS font stack)
    "sans": (gettext_lazy("Sans-serif"), 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif'),
    "serif": (gettext_lazy("Serif"), 'Georgia, "Times New Roman", serif'),
    "rounded": (gettext_lazy("Rounded"), '"Trebuchet MS", "Segoe UI", system-ui, sans-serif'),
}
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?$")
DEFAULT_PRIMARY = "#1d4e6b"
LOGO_MAX_BYTES = 200 * 1024
LOGO_MAX_SIDE = 4096
LOGO_EXTENSIONS = {"image/png": "png", "image/webp": "webp"}


@dataclass(frozen=True)
class LogoImage:
    content_type: str
    width: int
    height: int


def _png(data: bytes) -> tuple[int, int] | None:
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    return None


def _webp(data: bytes) -> tuple[int, int] | None:
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP" or len(data) < 30:
        return None
    chunk = data[12:16]
    if chunk == b"VP8 " and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":
        return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
    return None


def logo_inspect(data: bytes) -> LogoImage:
    """The type and pixel size of an uploaded logo, or InvalidInput saying what is wrong with it."""
    if len(data) > LOGO_MAX_BYTES:
        raise InvalidInput(_("This file is too large: the logo may be at most %(max)d KB.")
                           % {"max": LOGO_MAX_BYTES // 1024}, field="logo", code="logo_too_large")
    for content_type, read in (("image/png", _png), ("image/webp", _webp)):
        size = read(data)
        if size:
            width, height = size
            if not (0 < width <= LOGO_MAX_SIDE and 0 < height <= LOGO_MAX_SIDE):
                raise InvalidInput(_("The logo may be at most %(n)d pixels wide and high.") % {"n": LOGO_MAX_SIDE},
                                   field="logo", code="logo_dimensions")
            return LogoImage(content_type, width, height)
    raise InvalidInput(_("The logo must be a PNG or WebP image (SVG and other formats are not accepted)."),
                       field="logo", code="logo_format")


def colour(hotel, key: str = "primary") -> str:
    """The hotel's colour ``key`` from its theme when it is a #rgb / #rrggbb value, else the default."""
    value = str((hotel.theme or {}).get(key, ""))
    return value if HEX_COLOUR.match(value) else DEFAULT_PRIMARY


def text_on(background: str) -> str:
    """Dark or white text, whichever reads on ``background`` (a #rgb or #rrggbb colour): WCAG luminance."""
    digits = background.lstrip("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)

    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(digits[i:i + 2]) for i in (0, 2, 4))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    # Contrast with white is (1.05 / (L + .05)); with #1d2430 about ((L + .05) / .068): pick the larger.
    return "#ffffff" if 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.068 else "#1d2430"
