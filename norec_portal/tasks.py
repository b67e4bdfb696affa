"""Celery shims for the outbox: ids in, the service does the work."""

from __future__ import annotations

from celery import shared_task

from . import outbox


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def deliver_emails(ids: list[int] | None = None) -> dict[str, int]:
    report = outbox.deliver_emails(ids=ids)
    return {"sent": report.sent, "retrying": report.retrying, "failed": report.failed}


@shared_task(acks_late=True, ignore_result=True)
def sweep_outbox() -> dict[str, int]:
    report = outbox.sweep_outbox()
    return {"expired_leases": report.expired_leases, "dispatched": report.dispatched}


@shared_task(acks_late=True, ignore_result=True)
def redact_sent_emails() -> int:
    return outbox.redact_sent_emails()


@shared_task(acks_late=True, ignore_result=True)
def apply_retention() -> dict[str, int]:
    """The nightly retention job (docs/SECURITY.md, “Retention”); idempotent."""
    from . import privacy

    return privacy.apply_retention()
