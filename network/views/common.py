from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest

from norec_portal.pagination import UncountedPaginator

PER_PAGE = 25


def paginate(
    request: HttpRequest, items: Any, per_page: int = PER_PAGE, *, counted: bool = True
) -> tuple[Page, str]:
    """The requested page, and the query string without ``page`` for the page links.
    ``counted=False`` pages without counting (previous and next only), for lists that grow
    with the network."""
    paginator = Paginator(items, per_page) if counted else UncountedPaginator(items, per_page)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()
