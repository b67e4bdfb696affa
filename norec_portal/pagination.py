"""Pagination of list pages: 25 rows a page, with the filters kept in the page links."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest

PAGE_SIZE = 25


def paginate(
    request: HttpRequest,
    items: Any,
    filters: dict[str, Any] | None = None,
    *,
    param: str = "page",
    per_page: int = PAGE_SIZE,
) -> dict[str, Any]:
    """``page_obj`` (the requested page; a page out of range gives the last one) and
    ``query_string`` (the non-empty filters, for ``partials/_pagination.html``)."""
    page = Paginator(items, per_page).get_page(request.GET.get(param))
    query = {k: getattr(v, "pk", v) for k, v in (filters or {}).items() if v not in (None, "")}
    return {"page_obj": page, "query_string": urlencode(query)}
