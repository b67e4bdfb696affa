from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest

PER_PAGE = 25


def paginate(
    request: HttpRequest, items: Any, per_page: int = PER_PAGE, *, count: int | None = None
) -> tuple[Page, str]:
    """The requested page, and the query string without ``page`` for the page links;
    ``count`` is the number of ``items`` when the caller knows it already."""
    paginator = Paginator(items, per_page)
    if count is not None:
        paginator.count = count  # the paginator's own count, a cached property, not needed
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()
