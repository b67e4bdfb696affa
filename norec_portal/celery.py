"""The Celery application: configured from Django settings (``CELERY_*``).

Run a worker with ``celery -A norec_portal worker`` and the scheduler with
``celery -A norec_portal beat``.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "norec_portal.settings")

app = Celery("norec_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
