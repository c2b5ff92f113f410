"""A hotel's wording of each message: its own templates, the shipped ones, and the preview."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from innkeeper.core import audit
from innkeeper.core.errors import InvalidInput
from innkeeper.messaging import rendering
from innkeeper.messaging.defaults import DEFAULTS
from innkeeper.messaging.models import Channel, MessageTemplate, MessageType


def template_for(*, hotel, type: str, channel: str, locale: str) -> tuple[str, str]:
    """(subject, body) source: the hotel's own template, else the shipped default in that language, else English."""
    own = MessageTemplate.objects.filter(hotel=hotel, type=type, channel=channel, locale=locale).first()
    if own:
        return own.subject, own.body
    return template_default(type=type, channel=channel, locale=locale)


def template_default(*, type: str, channel: str, locale: str) -> tuple[str, str]:
    """(subject, body) source of the shipped wording in that language, else in English."""
    return DEFAULTS.get((type, channel, locale)) or DEFAULTS[(type, channel, "en")]


def template_save(*, hotel, type: str, channel: str, locale: str, subject: str = "", body: str,
                  actor=None) -> MessageTemplate:
    """Save a hotel's wording; a template that uses an unknown variable is refused with the variable named,
    one that cannot be filled in for a sample booking with the reason."""
    if type not in MessageType.values:
        raise InvalidInput(_("Unknown message type."), field="type", code="unknown")
    if channel not in Channel.values:
        raise InvalidInput(_("Unknown channel."), field="channel", code="unknown")
    if locale not in {code for code, _name in settings.LANGUAGES}:
        raise InvalidInput(_("Unknown language."), field="locale", code="unknown")
    if not body.strip():
        raise InvalidInput(_("The message text is empty."), field="body", code="required")
    if channel == Channel.EMAIL and not subject.strip():
        raise InvalidInput(_("An e-mail needs a subject."), field="subject", code="required")
    template_preview(hotel=hotel, type=type, channel=channel, locale=locale, subject=subject, body=body)
    with transaction.atomic():
        old = MessageTemplate.objects.filter(hotel=hotel, type=type, channel=channel, locale=locale).first()
        template, _created = MessageTemplate.objects.update_or_create(
            hotel=hotel, type=type, channel=channel, locale=locale, defaults={"subject": subject, "body": body})
        which = {"type": type, "channel": channel, "locale": locale}
        audit.record(hotel=hotel, actor=actor, action="messagetemplate.save", obj=template, keep=tuple(which),
                     before={**which, "subject": old.subject, "body": old.body} if old else {},
                     after={**which, "subject": subject, "body": body})
    return template


def template_preview(*, hotel, type: str, channel: str, locale: str, subject: str, body: str) -> dict:
    """What a template would look like for a sample booking, in ``locale``; InvalidInput if it is not usable."""
    from django.utils import translation

    rendering.validate(subject, field="subject")
    rendering.validate(body, field="body")
    with translation.override(locale):
        sample = {
            "guest_name": "Anna Petrova" if locale != "ru" else "Анна Петрова", "hotel_name": hotel.name,
            "reference": "K7M2QX", "check_in": "12.03.2027 14:00" if locale == "ru" else "12 Mar 2027, 14:00",
            "check_out": "14.03.2027 12:00" if locale == "ru" else "14 Mar 2027, 12:00",
            "check_in_date": "12.03.2027" if locale == "ru" else "12 Mar 2027",
            "check_out_date": "14.03.2027" if locale == "ru" else "14 Mar 2027",
            "room_type": "Deluxe", "room_number": "204", "pin": "482913",
            "web_key_link": f"https://{hotel.slug}.example/{locale}/webkey/?token=…",
            "check_in_link": f"https://{hotel.slug}.example/{locale}/check-in/?token=…",
            "add_ons": ["Breakfast"], "total": f"250.00 {hotel.currency}", "manage_link": "",
        }
    subject, text, html = _filled_in(subject, body, sample, channel)
    return {"subject": subject, "text": text, "html": html}


def _filled_in(subject_src: str, body_src: str, context: dict, channel: str) -> tuple[str, str, str]:
    """(subject, text, html) of a template with ``context`` filled in; InvalidInput if it cannot be."""
    return (rendering.render_text(subject_src, context, field="subject"),
            rendering.render_text(body_src, context),
            rendering.render_html(body_src, context) if channel == Channel.EMAIL else "")
