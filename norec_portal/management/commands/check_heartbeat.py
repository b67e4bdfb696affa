"""Exit 0 when the outbox sweep ran recently, 1 otherwise: a health check for beat.

Beat sends the sweep every ``OUTBOX_SWEEP_SECONDS`` and a worker runs it and writes the
heartbeat, so a fresh heartbeat means beat is sending its schedule and a worker runs it.
Used by docker-compose's and systemd's checks (docs/OPERATIONS.md).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from norec_portal.mailhealth import mail_health


class Command(BaseCommand):
    help = "Fail unless the outbox sweep (beat + a worker) ran in the last --max-age seconds."

    def add_arguments(self, parser):
        parser.add_argument("--max-age", type=int, default=120)

    def handle(self, *args, max_age: int, **options):
        seen = mail_health().worker_seen_at
        if seen is None:
            raise CommandError("the outbox sweep has never run")
        age = (timezone.now() - seen).total_seconds()
        if age > max_age:
            raise CommandError(f"the outbox sweep last ran {age:.0f} s ago (limit {max_age} s)")
        self.stdout.write(f"the outbox sweep ran {age:.0f} s ago")
