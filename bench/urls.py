"""The portal's URLs plus one trivial view: the same middleware, no work of its own."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from norec_portal.urls import handler403, handler404, handler500
from norec_portal.urls import urlpatterns as portal_urls

TRIVIAL_PATH = "/bench/trivial/"


def trivial(request: HttpRequest) -> HttpResponse:
    """The page benchmarks' reference: session, authentication and every middleware of
    the portal run as for a real page, then nothing else."""
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path(TRIVIAL_PATH.lstrip("/"), trivial, name="bench_trivial"), *portal_urls]

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]
