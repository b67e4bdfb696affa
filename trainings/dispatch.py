"""Queue a trainings task by name once the current transaction has committed.

Services and document builders call this instead of importing ``trainings.tasks``: the
task shims import the services, so the services must not import the shims back.
"""

from __future__ import annotations

from celery import current_app
from django.db import transaction


def enqueue_on_commit(task_name: str, *args: object) -> None:
    """Send ``task_name`` (e.g. ``"trainings.tasks.render_document_batch"``) with
    ``args`` after commit; nothing is sent if the transaction rolls back."""

    def send() -> None:
        app = current_app
        if task_name not in app.tasks:
            # A web process has not imported the task modules yet: let Celery's own
            # autodiscovery import them, so that a registered task (eager in tests and
            # the embedded set-up) runs as itself rather than as a bare message.
            app.loader.import_default_modules()
        app.signature(task_name, args=args).delay()

    transaction.on_commit(send)
