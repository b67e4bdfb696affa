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
