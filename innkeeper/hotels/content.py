"""The hotel texts that have a column per language (hotels.translation), for forms and services."""

from __future__ import annotations

from django.conf import settings
from django.db.models import CharField, Expression, F, Value
from django.db.models.functions import Coalesce, NullIf
from modeltranslation.utils import build_localized_fieldname, get_language, resolution_order


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def columns(*fields: str) -> list[str]:
    """Each field's per-language columns, e.g. columns("name") == ["name_en", "name_ru"]."""
    return [build_localized_fieldname(field, code) for field in fields for code in language_codes()]


def column(field: str, language: str) -> str:
    return build_localized_fieldname(field, language)


HOTEL_TEXTS = ("name", "description", "cancellation_policy_text", "house_rules", "key_collection_text")
ROOM_TYPE_TEXTS = ("name", "description")
ADD_ON_TEXTS = ("name", "description")


class InLanguage(Expression):
    """A text as guests read it in the language active when the query runs: its column in that language,
    else in the fallback languages' (hotels.translation). Orders room types, extras and hotels by the names
    shown, whatever the language: ``ordering = ["sort_order", InLanguage("name")]``."""

    def __init__(self, field: str):
        super().__init__(output_field=CharField())
        self.text = field

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.text!r})"

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        columns = [NullIf(F(column(self.text, code)), Value("")) for code in resolution_order(get_language())]
        return Coalesce(*columns, F(self.text)).resolve_expression(query, allow_joins, reuse, summarize, for_save)
