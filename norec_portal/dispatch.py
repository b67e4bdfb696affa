"""Ask for a Celery task by its name once the current transaction commits.

Services call this instead of importing their task shims, so the import runs one way
only: ``tasks`` imports the service, never the reverse. The task module is imported by
name when the task is sent (a worker does the same when it receives one), which also
registers it in a process that has not loaded it yet, so eager mode (tests, the demo)
runs it in place as before.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from celery import current_app
from django.db import transaction


def send_task(name: str, *args: Any, countdown: float | None = None, **kwargs: Any) -> None:
    """Send the task ``name`` (``"package.tasks.function"``) now, to run after
    ``countdown`` seconds when given."""
    tasks = current_app.tasks
    if name not in tasks:
        import_module(name.rpartition(".")[0])
    tasks[name].apply_async(args=args, kwargs=kwargs, countdown=countdown)


def send_task_on_commit(
    name: str, *args: Any, countdown: float | None = None, **kwargs: Any
) -> None:
    """Send the task ``name`` after the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: send_task(name, *args, countdown=countdown, **kwargs))
