"""``manage.py export_person <id> [--format json|pdf] [--output FILE]``

Everything the portal holds about one person (an access request under the GDPR), as
JSON on standard output or into a file, or as a readable PDF into a file. The export
is recorded in the audit log like one made from the staff pages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from norec_portal import privacy as core_privacy
from partnerships import privacy
from partnerships.models import Person


class Command(BaseCommand):
    help = "Export everything the portal holds about one person (JSON or PDF)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("person_id", type=int, help="The person's record number.")
        parser.add_argument("--format", choices=["json", "pdf"], default="json")
        parser.add_argument("--output", help="Write to this file (required for PDF).")

    def handle(self, *args: Any, **options: Any) -> None:
        person = Person.objects.select_related("user").filter(pk=options["person_id"]).first()
        if person is None:
            raise CommandError(f"There is no person #{options['person_id']}.")
        if options["format"] == "pdf" and not options["output"]:
            raise CommandError("A PDF needs --output FILE.")
        data = privacy.export_person(person=person, by=None)
        if options["format"] == "pdf":
            body = core_privacy.export_pdf(data, name=person.full_name)
        else:
            body = core_privacy.export_json(data)
        if options["output"]:
            Path(options["output"]).write_bytes(body)
            self.stderr.write(f"Wrote {len(body)} bytes to {options['output']}.")
        else:
            self.stdout.write(body.decode("utf-8"))
