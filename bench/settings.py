"""The portal's own settings, as run in production as far as one machine allows, plus the
trivial view of :mod:`bench.urls` (the middleware alone, a reference for every page).

Only what a benchmark must not measure is changed: no debug mode (it records every
query and slows templates down); a cache that keeps nothing, so that every GET computes
its page in full, whatever a view might keep between requests (the targets are for pages
computed in full); and the host names the load generator and the test client use.
"""

from norec_portal.settings import *  # noqa: F403
from norec_portal.settings import ALLOWED_HOSTS

DEBUG = False
ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "127.0.0.1", "localhost", "testserver"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
