from django import template
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


JUST_NOW = 60  # seconds: what was found less than this long ago was found "just now"


@register.filter
def ago(moment) -> str:
    """"just now" or "5 minutes ago" (in the page's language): how long ago a check found what it found."""
    if not moment:
        return ""
    if (timezone.now() - moment).total_seconds() < JUST_NOW:
        return _("just now")
    return _("%(time)s ago") % {"time": timesince(moment)}
