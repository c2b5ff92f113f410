from decimal import Decimal

from django import template
from django.urls import reverse, translate_url
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from innkeeper.core.money import format_money
from innkeeper.hotels import theme as hotel_theme
from innkeeper.hotels.amenities import amenity_labels
from innkeeper.hotels.theme import FONTS, HEX_COLOUR
from innkeeper.web.middleware import offered_languages

register = template.Library()

LANGUAGE_NAMES = {"en": "English", "ru": "Русский"}



def _whole(value) -> bool:
    return Decimal(value) == Decimal(value).to_integral_value()


@register.filter
def money(amount, currency: str) -> str:
    """12 500 ₽ in Russian, €1,250.50 in English; whole amounts without the cents."""
    return format_money(amount, currency, get_language())


@register.filter
def quote_money(amount, quote) -> str:
    """An amount of a price breakdown: with cents when any amount of the breakdown has them, so the
    column lines up and adds up as printed."""
    amounts = [line.amount for line in quote.lines] + [quote.tax, quote.total]
    return format_money(amount, quote.currency, get_language(), cents=not all(_whole(a) for a in amounts))


@register.filter
def amenities(codes) -> str:
    return ", ".join(amenity_labels(codes))


@register.filter
def theme_color(hotel) -> str:
    return hotel_theme.colour(hotel)


@register.simple_tag
def theme_css(hotel) -> str:
    """The hotel's colours and font as CSS custom properties. Only safe values pass."""
    theme = hotel.theme or {}
    rules = []
    for key, var in (("primary", "--primary"), ("accent", "--accent")):
        value = str(theme.get(key, ""))
        if HEX_COLOUR.match(value):
            rules.append(f"{var}:{value}")
    if theme.get("font") in FONTS:
        rules.append(f"--font:{FONTS[theme['font']][1]}")
    # Not HTML-escaped: inside <style> an entity is not decoded, so &quot; would break the font stack.
    # Every value is a checked colour or one of our own font stacks.
    return mark_safe(":root{" + ";".join(rules) + "}") if rules else ""  # noqa: S308


@register.simple_tag
def hotel_logo(hotel) -> dict | None:
    """The logo's URL (with its digest, so it may be cached for good) and its pixel size, or None."""
    logo = (hotel.theme or {}).get("logo")
    if not isinstance(logo, dict) or not {"digest", "ext", "width", "height"} <= logo.keys():
        return None
    return {"url": reverse("logo", kwargs={"name": f"{logo['digest']}.{logo['ext']}"}),
            "width": int(logo["width"]), "height": int(logo["height"])}


@register.inclusion_tag("web/_languages.html", takes_context=True)
def language_switcher(context):
    request = context["request"]
    current = get_language()
    # A page answering a POST has no address of its own to reload: the view names the GET one (switch_to).
    here = context.get("switch_to") or request.get_full_path()
    return {"languages": [(code, LANGUAGE_NAMES.get(code, code), translate_url(here, code),
                           code == current) for code in offered_languages(request.hotel)]}
