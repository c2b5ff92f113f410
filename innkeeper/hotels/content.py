"""The hotel texts that have a column per language (hotels.translation), for forms and services."""

from __future__ import annotations

from django.conf import settings
from modeltranslation.utils import build_localized_fieldname


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def columns(*fields: str) -> list[str]:
    """Each field's per-language columns, e.g. columns("name") == ["name_en", "name_ru"]."""
    return [build_localized_fieldname(field, code) for field in fields for code in language_codes()]


def column(field: str, language: str) -> str:
    return build_localized_fieldname(field, language)


HOTEL_TEXTS = ("name", "description", "cancellation_policy_text", "house_rules")
ROOM_TYPE_TEXTS = ("name", "description")
ADD_ON_TEXTS = ("name", "description")
