"""Celery shims for the network: plain values in, a service does the work."""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from .services import contact, waves


@shared_task(acks_late=True, ignore_result=True)
def release_invitation_batches(today: str | None = None) -> dict[int, int]:
    """Beat: each running wave's batch for ``today`` (ISO date; default: today, local).

    Safe to run any number of times a day: the cap is counted in the database.
    """
    day = dt.date.fromisoformat(today) if today else None
    return waves.release_invitation_batches(today=day)


@shared_task(acks_late=True, ignore_result=True)
def follow_up_invitations() -> dict[str, int]:
    """Beat: bounces seen in the outbox, reminders, expiry."""
    return waves.follow_up_invitations()


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_update_link(email: str) -> bool:
    return contact.send_update_link(email=email)
