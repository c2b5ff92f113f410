"""Which hotel texts have a column per language (django-modeltranslation, found by its autodiscovery).

``name`` stays a field on each model; ``name_en``, ``name_ru``, ... (one per settings.LANGUAGES) hold the
texts. Reading ``room_type.name`` gives the active language's text, else the fallback of
settings.MODELTRANSLATION_FALLBACK_LANGUAGES (see hotels.content), so a missing translation never shows
an empty text. Setting ``room_type.name`` writes the active language's column.

django-scopes: modeltranslation turns each model's ScopedManager into a subclass of its own and of the
scoped one (translator.patch_manager_class); the scoped ``get_queryset`` still runs first, so a query
outside a hotel scope still raises ScopeError (tests/test_hotel_content.py holds this).
"""

from modeltranslation.translator import TranslationOptions, register

from innkeeper.hotels import content
from innkeeper.hotels.models import AddOn, Hotel, RoomType


@register(Hotel)
class HotelTexts(TranslationOptions):
    fields = content.HOTEL_TEXTS


@register(RoomType)
class RoomTypeTexts(TranslationOptions):
    fields = content.ROOM_TYPE_TEXTS


@register(AddOn)
class AddOnTexts(TranslationOptions):
    fields = content.ADD_ON_TEXTS
