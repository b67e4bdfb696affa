from __future__ import annotations

import pytest
from django.core.management import call_command

from network.models import Activity, Newsletter
from norec_portal.models import OutboxEmail

pytestmark = pytest.mark.django_db


def test_demo_network_has_a_programme_and_is_idempotent(capsys, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo")
    counts = (Activity.objects.count(), Newsletter.objects.count(), OutboxEmail.objects.count())
    assert counts[0] == 2 and counts[1] == 1
    assert Newsletter.objects.get().status == "sent"
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo")
    again = (Activity.objects.count(), Newsletter.objects.count(), OutboxEmail.objects.count())
    assert again == counts


def test_demo_world_shows_what_the_guide_shows(capsys, django_capture_on_commit_callbacks):
    from django.utils import timezone

    from network.models import RSVP, Invitation, InvitationWave
    from network.services import waves
    from trainings.models import EnrolmentState

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo")
    output = capsys.readouterr().out
    # Only what a newcomer needs: the accounts and how to log in, no email printed.
    assert "staff@norec.demo" in output and "norec-demo-2026" in output
    assert "make totp" in output
    assert "Subject:" not in output and len(output.splitlines()) < 15
    # A Training 1 session with its seats taken and people waiting.
    from trainings.models import Enrolment

    assert Enrolment.objects.filter(state=EnrolmentState.WAITLISTED).exists()
    # A wave in progress: yesterday's batch out, today's still to send.
    wave = InvitationWave.objects.get(name="East Africa (demo)")
    progress = waves.wave_progress(wave=wave)
    assert wave.status == "active" and progress.released == 3 and progress.queued > 0
    assert progress.todays_batch_left == 3
    assert not wave.invitations.filter(released_on=timezone.localdate()).exists()
    assert wave.invitations.filter(state=Invitation.State.SENT).count() == 3
    # A newsletter sent, an activity with a seat taken.
    assert Newsletter.objects.get().status == "sent"
    assert RSVP.objects.filter(state=RSVP.State.GOING).exists()
