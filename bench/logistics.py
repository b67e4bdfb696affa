"""Logistics: the documents for the venue of a week of 120 people in three sessions (40 in
Training 1, 40 in Training 2, 40 in Partner training), everyone with travel details —
the pick-up, rooming and dietary lists as PDF and XLSX, and the name badges.

The week is put long before the scale data set's first year, at a venue of the scale data
set, with its participants and contact persons (enrolments and travel details written in
bulk, as the seeder does: the enrolment rules are not what is measured here). Each
document is rendered once to warm up, then ``REPEAT`` times; the median counts. What is
timed is what the download view does: read the week's people, build the list, render it.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from io import BytesIO

from django.db import transaction
from django.utils import timezone

from .common import table, verdict

PER_SESSION = 40
REPEAT = 3
LISTS_TARGET = 5.0  # seconds: the three lists, PDF and XLSX, for 120 people


def make_week() -> int:
    """A week of three sessions with 120 people and their travel details: its id."""
    from partnerships.models import ContactPerson, Participant
    from trainings.models import (
        Enrolment,
        EnrolmentState,
        SessionDay,
        SessionKind,
        TrainingSession,
        TrainingWeek,
        TravelDetails,
        Venue,
    )
    from trainings.schedule import FULL_WEEK, week_day_times

    venue = Venue.objects.order_by("pk").first()
    participants = list(
        Participant.objects.filter(sending_organisation__isnull=False, enrolments__isnull=True)
        .order_by("person_id", "pk")
        .distinct("person_id")
        .values_list("pk", "person_id", "sending_organisation_id")[: 2 * PER_SESSION]
    )
    taken = {person_id for _pk, person_id, _org in participants}
    contacts = [
        row
        for row in ContactPerson.objects.exclude(
            person__enrolments__kind=SessionKind.PARTNER
        ).order_by("person_id", "pk").distinct("person_id").values_list(
            "pk", "person_id", "organisation_id"
        )[: 2 * PER_SESSION]
        if row[1] not in taken
    ][:PER_SESSION]  # fmt: skip
    if venue is None or len(participants) < 2 * PER_SESSION or len(contacts) < PER_SESSION:
        raise RuntimeError("the logistics need the scale data set (venues, participants)")
    with transaction.atomic():
        day = dt.date(timezone.localdate().year - 21, 3, 1)
        sunday = day + dt.timedelta(days=(6 - day.weekday()) % 7)
        while TrainingWeek.objects.filter(venue=venue, starts_on=sunday).exists():
            sunday += dt.timedelta(days=7)
        week = TrainingWeek.objects.create(venue=venue, starts_on=sunday, notes="[bench]")
        groups = [
            (SessionKind.TRAINING_1, participants[:PER_SESSION], "participant"),
            (SessionKind.TRAINING_2, participants[PER_SESSION:], "participant"),
            (SessionKind.PARTNER, contacts, "contact"),
        ]
        now = timezone.now()
        enrolments = []
        for kind, people, through in groups:
            session = TrainingSession.objects.create(
                kind=kind, week=week, capacity=PER_SESSION,
                first_day=week.starts_on, last_day=week.ends_on,
            )  # fmt: skip
            SessionDay.objects.bulk_create(
                SessionDay(session=session, starts_at=start, ends_at=end)
                for start, end in week_day_times(week, FULL_WEEK)
            )
            enrolments += Enrolment.objects.bulk_create(
                [Enrolment(session=session, kind=kind, person_id=person_id,
                           organisation_id=organisation_id, **{f"{through}_id": pk},
                           state=EnrolmentState.CONFIRMED,
                           requested_state=EnrolmentState.CONFIRMED, confirmed_at=now)
                 for pk, person_id, organisation_id in people],
            )  # fmt: skip
        diets = ["", "", "Vegetarian", "Halal", "", "No pork", "vegetarian", ""]
        TravelDetails.objects.bulk_create(
            [TravelDetails(
                enrolment=e, submitted_via=TravelDetails.Source.PERSON,
                arrival_date=sunday - dt.timedelta(days=n % 5 == 0),
                arrival_time=dt.time(5 + n % 17, (n * 7) % 60), arrival_by=f"KQ {400 + n % 40}",
                arrival_airport="Entebbe (EBB)",
                departure_date=week.ends_on + dt.timedelta(days=n % 9 == 0),
                departure_time=dt.time(6 + n % 15, (n * 11) % 60),
                departure_by=f"KQ {500 + n % 40}", departure_airport="Entebbe (EBB)",
                dietary_needs=diets[n % len(diets)],
                accessibility_needs="Ground floor room" if n % 23 == 0 else "",
                needs_visa=n % 3 == 0, passport_name="BENCH PERSON", passport_number=f"B{n:07d}",
                passport_nationality="KE", passport_expiry=dt.date(2040, 1, 1),
            ) for n, e in enumerate(enrolments)],
        )  # fmt: skip
    return week.pk


def _timed(render) -> tuple[float, float, object]:  # noqa: ANN001
    """Median wall-clock and CPU seconds of ``render``, and its last result."""
    render()  # warm-up: fonts, templates
    times, cpu, result = [], [], None
    for _round in range(REPEAT):
        began, cpu_began = time.perf_counter(), time.process_time()
        result = render()
        times.append(time.perf_counter() - began)
        cpu.append(time.process_time() - cpu_began)
    return statistics.median(times), statistics.median(cpu), result


def run() -> str:
    from pypdf import PdfReader

    from trainings import documents
    from trainings.models import TrainingWeek

    week_id = make_week()
    week = TrainingWeek.objects.select_related("venue").get(pk=week_id)

    def scope() -> documents.WeekScope:
        return documents.scope_for_week(
            TrainingWeek.objects.select_related("venue").get(pk=week_id)
        )

    people = len(scope().enrolments)
    rows, lists_total, lists_cpu = [], 0.0, 0.0
    for which in ("pickup", "rooming", "dietary"):
        for fmt in ("pdf", "xlsx"):
            if fmt == "pdf":
                seconds, cpu, data = _timed(lambda w=which: documents.week_list_pdf(w, scope()))
                size = f"{len(PdfReader(BytesIO(data)).pages)} pages"
            else:
                seconds, cpu, (data, _n) = _timed(
                    lambda w=which: documents.week_list_xlsx(w, scope())
                )
                size = f"{len(data) // 1024} KB"
            lists_total += seconds
            lists_cpu += cpu
            rows.append((f"{which} list {fmt}", f"{seconds:.2f}", f"{cpu:.2f}", size))
    seconds, cpu, data = _timed(lambda: documents.name_badges(scope()))
    badge_pages = len(PdfReader(BytesIO(data)).pages)
    rows.append(("name badges pdf", f"{seconds:.2f}", f"{cpu:.2f}", f"{badge_pages} pages"))
    ok = lists_total <= LISTS_TARGET
    return "\n\n".join([
        f"A week at {week.venue.name} with {people} people in three sessions (40 in Training 1, "
        f"40 in Training 2, 40 in Partner training), everyone with travel details; each "
        f"document built as its download does (the week's people read, the list built, "
        f"rendered), median of {REPEAT} after a warm-up. CPU s is the process's own CPU "
        f"time: on a busy machine it shows what the document costs, whatever the waiting.",
        table(("Document", "seconds", "CPU s", "size"), rows),
        f"The three lists, PDF and XLSX: **{lists_total:.2f} s** in all ({lists_cpu:.2f} s "
        f"of CPU; target ≤ {LISTS_TARGET:.0f} s) {verdict(ok)}. The badges are reported, "
        f"without a target.",
    ])  # fmt: skip
