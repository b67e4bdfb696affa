"""Pagination of list pages: 25 rows a page, with the filters kept in the page links."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .ids import MAX_ID

PAGE_SIZE = 25


def paginate(
    request: HttpRequest,
    items: Any,
    filters: dict[str, Any] | None = None,
    *,
    param: str = "page",
    per_page: int = PAGE_SIZE,
    counted: bool = True,
) -> dict[str, Any]:
    """``page_obj`` (the requested page; a page out of range gives the last one) and
    ``query_string`` for ``partials/_pagination.html``: the non-empty ``filters``, or,
    without them, the request's own query less the page number.

    ``counted=False`` pages without counting (previous and next only), for lists that
    grow with the network (:class:`UncountedPaginator`)."""
    paginator = Paginator(items, per_page) if counted else UncountedPaginator(items, per_page)
    page = paginator.get_page(request.GET.get(param))
    if filters is None:
        kept = request.GET.copy()
        kept.pop(param, None)
        return {"page_obj": page, "query_string": kept.urlencode()}
    query = {k: getattr(v, "pk", v) for k, v in filters.items() if v not in (None, "")}
    return {"page_obj": page, "query_string": urlencode(query)}


class UncountedPage(Page):
    """A page that knows whether another follows, not how many there are."""

    def __init__(self, object_list: Any, number: int, paginator: Paginator, *, more: bool):
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self) -> bool:
        return self.more

    def end_index(self) -> int:
        return self.start_index() + len(self.object_list) - 1


class UncountedPaginator(Paginator):
    """Pages of a list that is never counted: each page reads one row more than it shows
    to know whether another follows. For lists that grow with the network (the member
    directory), where "page 3 of 4,800" tells a reader nothing and counting every row
    would cost more than the page itself."""

    @property
    def num_pages(self) -> None:  # type: ignore[override]
        return None

    @property
    def count(self) -> None:  # type: ignore[override]
        return None

    def validate_number(self, number: Any) -> int:
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(_("That page number is not an integer")) from None
        if number < 1:
            raise EmptyPage(_("That page number is less than 1"))
        if number > MAX_ID // self.per_page:
            # Its offset would not fit a database integer: no such page.
            raise EmptyPage(_("That page contains no results"))
        return number

    def page(self, number: Any) -> UncountedPage:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage(_("That page contains no results"))
        return UncountedPage(rows[: self.per_page], number, self, more=len(rows) > self.per_page)

    def get_page(self, number: Any) -> UncountedPage:
        try:
            return self.page(number)
        except (PageNotAnInteger, EmptyPage):
            return self.page(1)
