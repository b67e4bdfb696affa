from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from norec_portal import generations


class Command(BaseCommand):
    help = (
        "End every cached page and count (norec_portal.generations): after a restore or "
        "a change made to the database outside the portal."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        generations.renew_all()
        self.stdout.write("Every cached page and count now works itself out afresh.")
