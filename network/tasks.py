"""Celery shims for the network: plain values in, a service does the work."""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from .services import activities, contact, dashboard, newsletters, waves


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


# --- Newsletters and activities ----------------------------------------------------------


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_newsletter_chunk(newsletter_id: int, chunk: int) -> dict[str, object]:
    """Queue chunk ``chunk`` of a sending; asks for the next one itself.

    A repeated, late or parallel task does nothing: the service runs a chunk only under
    the newsletter's row lock, while it is SENDING and at exactly this chunk.
    """
    result = newsletters.send_chunk(newsletter_id=newsletter_id, chunk=chunk)
    return {
        "ran": result.ran,
        "queued": result.queued,
        "finished": result.finished,
        "paused": result.paused,
    }


@shared_task(acks_late=True, ignore_result=True)
def run_due_newsletters() -> dict[str, int]:
    """Beat: scheduled newsletters whose time has come, and each sending's next chunk once
    its pause is over (also a chunk whose task was lost)."""
    return newsletters.run_due_newsletters()


@shared_task(acks_late=True, ignore_result=True)
def send_activity_reminders() -> int:
    """Beat: the reminder to members with a seat, the day before an activity."""
    return activities.send_activity_reminders()


@shared_task(acks_late=True, ignore_result=True)
def check_monthly_cadence() -> int:
    """Beat, on the 20th: warn staff when the coming month lacks a newsletter or an
    activity."""
    return dashboard.check_monthly_cadence()
