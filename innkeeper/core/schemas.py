"""Types the JSON API's schemas share."""

from typing import Annotated

from django.utils.translation import gettext as _
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL; refusing it here keeps it from ever reaching a query.
    if "\x00" in value:
        message = _("The text contains a NUL character (\\x00), which is not allowed.")
        raise PydanticCustomError("nul_character", message)
    return value


Text = Annotated[str, AfterValidator(_no_nul)]
"""A string from a request (body, path or query): any text but NUL."""
