"""Celery shims of the trainings app: ids in, the services do the work.

Only Celery's autodiscovery imports this module; the services queue these tasks by name
(``trainings.dispatch``)."""

from __future__ import annotations

from celery import shared_task

from . import documents, services


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def render_document_batch(batch_id: int) -> str:
    batch = documents.build_document_batch(batch_id=batch_id)
    return batch.status if batch else "missing"


@shared_task(acks_late=True, ignore_result=True)
def send_training_reminders() -> int:
    return services.send_training_reminders()


@shared_task(acks_late=True, ignore_result=True)
def send_signup_calls() -> int:
    return services.send_due_signup_calls()


@shared_task(acks_late=True, ignore_result=True)
def send_evaluation_invitations() -> int:
    return services.send_evaluation_invitations()


@shared_task(acks_late=True, ignore_result=True)
def resend_evaluation_link(session_id: int, email: str) -> bool:
    return services.resend_evaluation_link(session_id=session_id, email=email)
