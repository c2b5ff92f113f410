"""A hotel's wording of each message: its own templates, the shipped ones, and the preview."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from innkeeper.core import audit, dates
from innkeeper.core.errors import InvalidInput
from innkeeper.core.money import format_money
from innkeeper.hotels import theme as hotel_theme
from innkeeper.messaging import rendering
from innkeeper.messaging.defaults import DEFAULTS
from innkeeper.messaging.models import BUILT_IN, Channel, MessageTemplate


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
    if type not in BUILT_IN:
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
    rendering.validate(subject, field="subject")
    rendering.validate(body, field="body")
    sample = sample_context(hotel, locale)
    subject, text, html = _filled_in(subject, body, sample, channel, hotel=hotel, locale=locale)
    return {"subject": subject, "text": text, "html": html}


def sample_context(hotel, locale: str) -> dict:
    """The values of a sample booking in ``locale``, for previews and test sends without a booking."""
    with translation.override(locale):
        arrival = datetime(2027, 3, 12, 14, 0, tzinfo=hotel.tz)
        departure = datetime(2027, 3, 14, 12, 0, tzinfo=hotel.tz)
        link = f"https://{hotel.slug}.example/{locale}"
        return {
            "guest_name": "Anna Petrova" if locale != "ru" else "Анна Петрова", "hotel_name": hotel.name,
            "reference": "K7M2QX", "check_in": dates.format_moment(arrival, locale, tz=hotel.tz),
            "check_out": dates.format_moment(departure, locale, tz=hotel.tz),
            "check_in_date": dates.format_day(arrival, locale, tz=hotel.tz),
            "check_out_date": dates.format_day(departure, locale, tz=hotel.tz),
            "room_type": "Deluxe", "room_number": "204", "pin": "482913",
            "web_key_link": f"{link}/webkey/?token=…", "check_in_link": f"{link}/check-in/?token=…",
            "smart_lock": "yes", "add_ons": ["Breakfast"], "total": format_money(250, hotel.currency, locale),
            "manage_link": f"{link}/manage/…/", "feedback_link": f"{link}/feedback/?token=…",
        }


def _filled_in(subject_src: str, body_src: str, context: dict, channel: str, *, hotel=None,
               locale: str = "en") -> tuple[str, str, str]:
    """(subject, text, html) of a template with ``context`` filled in; InvalidInput if it cannot be.

    An e-mail's HTML is the whole document the guest opens (``email_document``), its links buttons."""
    subject = rendering.render_text(subject_src, context, field="subject")
    text = rendering.render_text(body_src, context)
    if channel != Channel.EMAIL:
        return subject, text, ""
    colour = _colour(hotel)
    body = rendering.render_html(body_src, {**context, **_buttons(context, locale, colour)})
    return subject, text, email_document(hotel, locale, subject, body, hotel_name=context.get("hotel_name", ""))


def _colour(hotel) -> str:
    """The e-mail's colour: the hotel's own, or the default for a mail about no hotel."""
    return hotel_theme.colour(hotel) if hotel is not None else hotel_theme.DEFAULT_PRIMARY


# What a link is for, said on its button in the e-mail (the plain-text part keeps the address).
BUTTONS = {
    "check_in_link": gettext_lazy("Check in online"),
    "web_key_link": pgettext_lazy("e-mail button", "Open the door"),
    "manage_link": gettext_lazy("Manage your booking"),
}


def _buttons(context: dict, locale: str, colour: str) -> dict:
    """The link variables of ``context`` as buttons (a link in the hotel's colour, with its purpose)."""
    style = (f"display:inline-block;padding:12px 22px;background:{colour};color:{hotel_theme.text_on(colour)};"
             "border-radius:6px;text-decoration:none;font-weight:bold")
    with translation.override(locale):
        return {name: format_html('<a href="{}" style="{}">{}</a>', context[name], style, str(label))
                for name, label in BUTTONS.items() if context.get(name)}


def email_document(hotel, locale: str, subject: str, body_html: str, *, hotel_name: str = "") -> str:
    """The HTML e-mail: the hotel's name on its colour, the body, and how to reach the hotel."""
    colour = _colour(hotel)
    contact = []
    if hotel is not None:
        place = ", ".join(part for part in (hotel.address, hotel.city) if part)
        contact = [line for line in (place, hotel.phone, hotel.email) if line]
    return render_to_string("messaging/email.html", {
        "locale": locale, "subject": subject, "colour": colour, "on_colour": hotel_theme.text_on(colour),
        "hotel_name": hotel_name or (hotel.name if hotel is not None else ""), "body": mark_safe(body_html),  # noqa: S308 - rendered with every variable escaped
        "contact": contact})
