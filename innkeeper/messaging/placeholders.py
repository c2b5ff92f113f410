"""Rule and manual-message wording: plain text with ``{placeholder}`` fields, filled in by a safe formatter.

No template language: a field is a bare name from ``variables.VARIABLES`` (no attributes, indexes, format
specs or conversions), ``{{`` and ``}}`` are literal braces, and the output is cut at a fixed length. The
hotel's built-in journey messages keep their Django-template syntax (``rendering``); one renderer per syntax.
"""

from __future__ import annotations

import string

from django.utils.translation import gettext as _

from innkeeper.core.errors import InvalidInput
from innkeeper.messaging.variables import VARIABLES

MAX_BODY = 4000  # WhatsApp takes 4096 characters; an e-mail has no reason to be longer
MAX_SUBJECT = 200
_PARSER = string.Formatter()


def _fields(source: str, field: str) -> list[tuple[str, str | None]]:
    """(literal, name) pieces of ``source``; InvalidInput naming the first field that is not a bare known name."""
    try:
        pieces = list(_PARSER.parse(source))
    except ValueError:
        raise InvalidInput(_("A { or } has no partner; write {{ or }} for a brace itself."), field=field,
                           code="syntax") from None
    out = []
    for literal, name, spec, conversion in pieces:
        if name is not None:
            if not name or spec or conversion or not name.isidentifier():
                shown = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
                raise InvalidInput(_("%(field)s is not a placeholder; write a name such as {guest_name}.")
                                   % {"field": shown}, field=field, code="unknown_placeholder", placeholder=shown)
            if name not in VARIABLES:
                raise InvalidInput(_("Unknown placeholder: {%(name)s}.") % {"name": name}, field=field,
                                   code="unknown_placeholder", placeholder=name)
        out.append((literal, name))
    return out


def validate(source: str, *, field: str = "body") -> None:
    """Raise InvalidInput (naming the placeholder) unless every ``{field}`` of ``source`` is a known placeholder."""
    _fields(source, field)


def placeholders(source: str) -> list[str]:
    return [name for _literal, name in _fields(source, "body") if name]


def _value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def fill(source: str, context: dict, *, field: str = "body", limit: int = MAX_BODY) -> str:
    """``source`` with each placeholder replaced by its value in ``context`` (empty when it has none), at most
    ``limit`` characters."""
    parts = []
    for literal, name in _fields(source, field):
        parts.append(literal)
        if name:
            parts.append(_value(context.get(name)))
    text = "".join(parts).strip()
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"
