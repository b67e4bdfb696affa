"""Test settings: the normal settings with a few overrides for speed and isolation."""

from .settings import *  # noqa: F403
from .settings import env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Unit tests run tasks in-process; tests marked ``stack`` switch to a real worker.
CELERY_TASK_ALWAYS_EAGER = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
OUTBOX_RETRY_BASE_SECONDS = env.int("OUTBOX_RETRY_BASE_SECONDS", default=0)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False}
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], BASE_DIR / "tests" / "templates"]  # noqa: F405
WHITENOISE_AUTOREFRESH = True
# Tests upload many files per login (hypothesis, query counts); the upload rate limit has
# its own test with a small limit (tests/norec_portal/test_spreadsheet_limits.py).
IMPORT_RATE_LIMIT = "1000/h/key"
# The suite runs as the embedded default does: the demo mailbox is on (a test turns it off).
DEMO_MAILBOX = True
