"""One page of a panel list: every list pages the same way, so none is silently cut."""

from __future__ import annotations

from django.core.paginator import Page, Paginator

PAGE_SIZE = 50


def page_of(request, rows, *, size: int = PAGE_SIZE) -> Page:
    """The page asked for in ?page=; a page number that is not one, or past the end, gives the first or the
    last page instead of an error."""
    return Paginator(rows, size).get_page(request.GET.get("page"))
