"""The portal's own settings, as run in production as far as one machine allows, plus the
trivial view of :mod:`bench.urls` (the ceiling every page is compared with).

Only what a benchmark must not measure is changed: no debug mode (it records every
query and slows templates down), and the host names the load generator and the in-process
test client use.
"""

from norec_portal.settings import *  # noqa: F403
from norec_portal.settings import ALLOWED_HOSTS

DEBUG = False
ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "127.0.0.1", "localhost", "testserver"]
