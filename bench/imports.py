"""Imports: a 2,000-row participant spreadsheet (coordinator) and a 12,000-row historical
alumni file (staff), each previewed and then committed through the apps' own services.

Both files are XLSX (what coordinators and Norec's archive send), generated with names,
countries and phone numbers of the scale data set's kind. The alumni file is messy on
purpose, as DESIGN.md expects: some rows repeat people of the scale data set or of the
file itself, some have no email, a bad one or two, or a country written out in words.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from io import BytesIO

from django.utils import timezone
from openpyxl import Workbook

from .common import table, verdict
from .world import World

PARTICIPANT_ROWS = 2_000
ALUMNI_ROWS = 12_000
ALUMNI_TARGET = 60.0  # seconds for preview + commit of the 12,000 rows


def xlsx(header: list[str], rows: list[list[object]]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


# --- Participants -------------------------------------------------------------------------------


def participant_file(organisation_id: int, rows: int = PARTICIPANT_ROWS, seed: int = 1963) -> bytes:
    """``rows`` valid new participants of one organisation's open partnerships."""
    from partnerships import imports
    from partnerships.demo.names import email_local, phone_number, pick_name
    from partnerships.models import PartnerOrganisation, PartnershipMember, Person
    from partnerships.services import REGISTRATION_PHASES

    rng = random.Random(f"{seed}:bench-participants")  # noqa: S311 - test data
    organisation = PartnerOrganisation.objects.get(pk=organisation_id)
    choices = []
    for member in PartnershipMember.objects.filter(
        organisation=organisation, partnership__phase__in=REGISTRATION_PHASES
    ).select_related("partnership"):
        hosts = PartnershipMember.objects.filter(partnership=member.partnership).exclude(
            organisation=organisation
        )
        choices += [(member.partnership.name, host.organisation.name)
                    for host in hosts.select_related("organisation")]  # fmt: skip
    country = organisation.country.code
    today = timezone.localdate()
    # Every row a new person: no name and date of birth twice, in the file or the portal.
    taken = {
        (first.lower(), last.lower(), born)
        for first, last, born in Person.objects.exclude(date_of_birth=None).values_list(
            "first_name", "last_name", "date_of_birth"
        )
    }
    data = []
    for number in range(rows):
        first, last, gender = pick_name(rng, country if country != "NO" else "KE")
        born = dt.date(1970, 1, 1) + dt.timedelta(days=rng.randint(0, 12_000))
        while (first.lower(), last.lower(), born) in taken:
            born += dt.timedelta(days=1)
        taken.add((first.lower(), last.lower(), born))
        partnership, host = choices[number % len(choices)]
        start = today + dt.timedelta(days=30 + rng.randint(0, 400))
        data.append([
            first, last, f"{email_local(first, last)}.{number}@import{seed}.bench.example",
            phone_number(country, number) if rng.random() < 0.7 else "", country,
            gender, born,
            partnership, host, start, start + dt.timedelta(days=rng.randint(180, 365)),
            today - dt.timedelta(days=rng.randint(1, 60)) if rng.random() < 0.5 else None,
        ])  # fmt: skip
    # The template's column names, in its order (``partnerships.imports.COLUMNS``).
    header = [column.key for column in imports.COLUMNS]
    return xlsx(header, data)


def run_participants(world: World) -> tuple[list[object], bool]:
    from partnerships import imports
    from partnerships.models import PartnerOrganisation

    organisation = PartnerOrganisation.objects.get(pk=world.organisation_id)
    data = participant_file(world.organisation_id)
    began = time.perf_counter()
    participant_import = imports.create_import(
        organisation=organisation, by=world.coordinator, filename="participants.xlsx", data=data
    )
    preview = time.perf_counter() - began
    errors = participant_import.error_row_count
    began = time.perf_counter()
    created = imports.commit_import(participant_import=participant_import, by=world.coordinator)
    commit = time.perf_counter() - began
    ok = errors == 0 and len(created) == PARTICIPANT_ROWS
    return [
        f"Participant spreadsheet (coordinator), {PARTICIPANT_ROWS:,} rows, "
        f"{len(data) / 1024:.0f} KB XLSX", f"{preview:.1f}", f"{commit:.1f}",
        f"{preview + commit:.1f}",
        f"{participant_import.row_count:,} rows checked, {errors} with errors; "
        f"{len(created):,} registered", "reported" if ok else "**rows failed**",
    ], ok  # fmt: skip


# --- Historical alumni --------------------------------------------------------------------------


def alumni_file(rows: int = ALUMNI_ROWS, seed: int = 1963) -> bytes:
    from django_countries import countries

    from partnerships.demo.names import (
        COUNTRIES,
        email_local,
        phone_number,
        pick_name,
        spelling_variant,
    )
    from partnerships.models import Person

    rng = random.Random(f"{seed}:bench-alumni")  # noqa: S311 - test data
    codes = [code for code in COUNTRIES if code != "NO"]
    known = list(
        Person.objects.filter(participations__partnership__isnull=True)
        .order_by("?")
        .values_list("first_name", "last_name", "country", "email")[: rows // 20]
    )
    this_year = timezone.localdate().year
    data: list[list[object]] = []
    for number in range(rows):
        roll = rng.random()
        if roll < 0.05 and known:  # someone the portal knows, perhaps spelt otherwise
            first, last, country, email = known[number % len(known)]
            if rng.random() < 0.5:
                last = spelling_variant(last, rng)
            email = email if rng.random() < 0.5 else ""
        elif roll < 0.06 and data:  # the same person twice in the file
            data.append(list(data[rng.randrange(len(data))]))
            continue
        else:
            country = rng.choice(codes)
            first, last, _gender = pick_name(rng, country)
            email = f"{email_local(first, last)}{number}@alumni.bench.example"
        if rng.random() < 0.15:
            email = ""
        elif email and rng.random() < 0.03:
            email = email.replace("@", " at ")  # not an address
        elif email and rng.random() < 0.03:
            email = f"{email}; old.{email}"
        country_text = str(countries.name(country)) if rng.random() < 0.3 else country
        data.append([
            f"{first} {last}", country_text, rng.randint(1963, this_year - 1),
            f"Organisation {rng.randint(1, 900)}", rng.choice(["FK", "Fredskorpset", "FK Norway",
                                                               "Norec"]),
            email, phone_number(country, number) if rng.random() < 0.4 else "",
            f"ARCH-{number:06d}",
        ])  # fmt: skip
    header = ["Name", "Country", "Exchange year", "Organisation", "Programme", "Email", "Phone",
              "ID"]  # fmt: skip
    return xlsx(header, data)


def run_alumni(world: World) -> tuple[list[object], bool]:
    from network.imports import create_preview, import_batch

    data = alumni_file()
    began = time.perf_counter()
    batch = create_preview(file=BytesIO(data), filename="alumni.xlsx", by=world.staff)
    preview = time.perf_counter() - began
    began = time.perf_counter()
    batch = import_batch(batch=batch, by=world.staff)
    commit = time.perf_counter() - began
    summary = batch.summary
    total = preview + commit
    ok = total <= ALUMNI_TARGET
    return [
        f"Historical alumni file (staff), {ALUMNI_ROWS:,} rows, {len(data) / 1024:.0f} KB XLSX",
        f"{preview:.1f}", f"{commit:.1f}", f"{total:.1f}",
        f"{summary.get('imported', 0):,} imported, {summary.get('skip', 0):,} already known, "
        f"{summary.get('error', 0):,} refused, {summary.get('proposed', 0):,} merge proposals",
        f"≤ {ALUMNI_TARGET:.0f} s: {verdict(ok)}",
    ], ok  # fmt: skip


def run(world: World) -> str:
    rows = []
    if world.organisation_id is None:
        rows.append(["Participant spreadsheet", "–", "–", "–",
                     f"not available: {world.problems.get('coordinator')}", "n/a"])  # fmt: skip
    else:
        rows.append(run_participants(world)[0])
    try:
        import network.imports  # noqa: F401
    except ImportError:
        rows.append(["Historical alumni file", "–", "–", "–",
                     "not available: no `network.imports`", "n/a"])  # fmt: skip
    else:
        rows.append(run_alumni(world)[0])
    return "\n\n".join([
        "Preview = read and check the file and store the checked rows "
        "(`partnerships.imports.create_import`, `network.imports.create_preview`); commit "
        "= write every row in one transaction (`partnerships.imports.commit_import`, "
        "`network.imports.import_batch`). Times of the service calls in the bench process, "
        f"PostgreSQL, on the scale data set. Target: the {ALUMNI_ROWS:,}-row file previewed "
        f"and committed in ≤ {ALUMNI_TARGET:.0f} s in all.",
        table(["File", "preview s", "commit s", "total s", "outcome", "target"], rows),
    ])  # fmt: skip
