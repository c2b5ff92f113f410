"""Room amenities: a room type lists codes; guests read the label in their language.

A code not listed here is shown as the hotel wrote it, so a hotel can name an amenity we do not know.
"""

from django.utils.translation import gettext_lazy as _

LABELS = {
    "air-conditioning": _("air conditioning"),
    "balcony": _("balcony"),
    "bathtub": _("bathtub"),
    "city-view": _("city view"),
    "coffee-machine": _("coffee machine"),
    "desk": _("work desk"),
    "heating": _("heating"),
    "kitchen": _("kitchen"),
    "kitchenette": _("kitchenette"),
    "minibar": _("minibar"),
    "parking": _("parking"),
    "safe": _("safe"),
    "shower": _("shower"),
    "sofa-bed": _("sofa bed"),
    "tv": _("TV"),
    "washing-machine": _("washing machine"),
    "wifi": _("Wi-Fi"),
}


def amenity_labels(codes) -> list[str]:
    return [str(LABELS.get(code, code)) for code in codes or ()]
