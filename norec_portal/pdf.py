"""PDF rendering with WeasyPrint, locked down to the portal's own static files.

Documents (letters, attendance lists, certificates) are HTML templates under
``templates/documents/``. Whatever a template or the data in it points at, the renderer
fetches nothing but files found by Django's static-file finders: no network access (so
no server-side request forgery through an ``<img>``), and no ``file://`` paths.
"""

from __future__ import annotations

import logging
import mimetypes
from functools import lru_cache
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

# Relative and root-relative URLs in documents resolve against this base.
BASE_URL = "https://documents.invalid/"
HOUSE_STYLESHEET = "css/documents.css"


class StaticOnlyFetcher(URLFetcher):
    """Serve ``<BASE_URL>/static/...`` from the static files; refuse everything else."""

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        static_prefix = urlsplit(BASE_URL).netloc, settings.STATIC_URL
        if parts.scheme != "https" or parts.netloc != static_prefix[0]:
            raise ValueError(f"documents may not load {url!r}")
        if not parts.path.startswith(static_prefix[1]):
            raise ValueError(f"documents may only load static files, not {url!r}")
        relative = unquote(parts.path[len(static_prefix[1]) :])
        path = finders.find(relative) if ".." not in relative.split("/") else None
        if not path:
            raise ValueError(f"no static file {relative!r}")
        with open(path, "rb") as handle:
            body = handle.read()
        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body, {"Content-Type": content_type})


@lru_cache(maxsize=1)
def _house_style() -> tuple[CSS, FontConfiguration]:
    # Parsing the stylesheet and loading its fonts is the slow part of a small
    # document; both are reused for every render in this process.
    fonts = FontConfiguration()
    css = CSS(
        url=f"{BASE_URL}{settings.STATIC_URL.lstrip('/')}{HOUSE_STYLESHEET}",
        url_fetcher=StaticOnlyFetcher(),
        font_config=fonts,
    )
    return css, fonts


def render_pdf(template: str, context: dict[str, Any] | None = None) -> bytes:
    """Render a document template to PDF bytes in the house style."""
    html = render_to_string(template, context or {})
    stylesheet, fonts = _house_style()
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=StaticOnlyFetcher())
    return document.write_pdf(stylesheets=[stylesheet], font_config=fonts)
