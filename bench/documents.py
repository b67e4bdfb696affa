"""Documents: attendance lists of 100 and 2,000 rows and 100 certificates as one PDF,
each against a one-page document rendered in the same process (the ceiling per page).

Each measurement runs in a fresh Python process (``python -m bench.documents measure``)
so that its peak memory is its own. The process first renders the one-page document
(a single certificate) once cold, as the first document of a new worker would, then
again warm; the measured document comes after, in the warm process, as in a worker
that has rendered before.
"""

from __future__ import annotations

import datetime as dt
import json
import resource
import statistics
import subprocess
import sys
import time
from io import BytesIO

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from .common import ROOT, mb, python, rss_bytes, table, verdict

CERTIFICATES = 100
SMALL_LIST, LARGE_LIST = 100, 2000
CERTIFICATES_TARGET = 3.0  # seconds
LIST_TARGET = 30.0  # seconds, 2,000 rows
LIST_MEMORY_TARGET = 800 * 1024 * 1024  # bytes


def make_sessions() -> dict[int, int]:
    """Two past Training 1 sessions with everyone marked as attended: rows → session id.

    They are put in weeks long before the scale data set's first year, at a venue of the
    scale data set, with the scale data set's current participants (written in bulk, as
    the seeder does: the enrolment rules are not what is measured here).
    """
    from partnerships.models import Participant
    from trainings.models import (
        MAX_SESSION_SEATS,
        Enrolment,
        EnrolmentState,
        SessionDay,
        SessionKind,
        TrainingSession,
        TrainingWeek,
        Venue,
    )
    from trainings.schedule import FULL_WEEK, week_day_times

    venue = Venue.objects.order_by("pk").first()
    # Participants without a Training 1 yet (one per exchange, a database constraint),
    # different people in each session.
    participants = list(
        Participant.objects.filter(sending_organisation__isnull=False)
        .exclude(Exists(Enrolment.objects.taken().filter(participant=OuterRef("pk"), kind="t1")))
        .order_by("person_id", "pk")
        .distinct("person_id")
        .values_list("pk", "person_id", "sending_organisation_id")[: LARGE_LIST + SMALL_LIST]
    )
    if venue is None or len(participants) < LARGE_LIST + SMALL_LIST:
        raise RuntimeError("the documents need the scale data set (venues, participants)")
    sessions = {}
    with transaction.atomic():
        for offset, rows in enumerate((LARGE_LIST, SMALL_LIST)):
            people, participants = participants[:rows], participants[rows:]
            day = dt.date(timezone.localdate().year - 20, 3, 1) + dt.timedelta(weeks=offset)
            sunday = day + dt.timedelta(days=(6 - day.weekday()) % 7)
            # A venue holds one week a Sunday: a later run takes the next free one.
            while TrainingWeek.objects.filter(venue=venue, starts_on=sunday).exists():
                sunday += dt.timedelta(days=7)
            week = TrainingWeek.objects.create(venue=venue, starts_on=sunday, notes="[bench]")
            # The list is longer than any session's seats: a document sized for the
            # worst case, written past the seat count on purpose.
            session = TrainingSession.objects.create(
                kind=SessionKind.TRAINING_1, week=week, capacity=min(rows, MAX_SESSION_SEATS),
                first_day=week.starts_on, last_day=week.ends_on,
            )  # fmt: skip
            SessionDay.objects.bulk_create(
                SessionDay(session=session, starts_at=start, ends_at=end)
                for start, end in week_day_times(week, FULL_WEEK)
            )
            now = timezone.now()
            Enrolment.objects.bulk_create(
                [Enrolment(session=session, kind=session.kind, person_id=person_id,
                           participant_id=pk, organisation_id=organisation_id,
                           state=EnrolmentState.ATTENDED,
                           requested_state=EnrolmentState.CONFIRMED, confirmed_at=now)
                 for pk, person_id, organisation_id in people],
                batch_size=1000,
            )  # fmt: skip
            sessions[rows] = session.pk
    return sessions


# --- In the measuring process -------------------------------------------------------------------


def _pages(data: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(BytesIO(data)).pages)


def measure(kind: str, session_id: int) -> dict[str, float]:
    """Render one document in this process; return times, pages and memory."""
    from trainings import documents
    from trainings.models import Enrolment, EnrolmentState, TrainingSession

    session = TrainingSession.objects.with_place().get(pk=session_id)
    attended = list(
        Enrolment.objects.filter(session=session, state=EnrolmentState.ATTENDED)
        .with_related()
        .order_by("person__last_name", "person__first_name", "pk")[:CERTIFICATES]
    )
    began = time.perf_counter()
    documents.certificates(attended[:1])
    cold = time.perf_counter() - began
    one_page = []
    for _round in range(5):
        began = time.perf_counter()
        data = documents.certificates(attended[:1])
        one_page.append(time.perf_counter() - began)
    ceiling = statistics.median(one_page)
    ceiling_pages = _pages(data)
    rss_before = rss_bytes_self()
    began, cpu_began = time.perf_counter(), time.process_time()
    if kind == "attendance":
        data = documents.attendance_list(session, documents.attendance_enrolments(session))
    else:
        data = documents.certificates(
            list(
                Enrolment.objects.filter(pk__in=[e.pk for e in attended])
                .with_related()
                .order_by("person__last_name", "person__first_name", "pk")
            )
        )
    seconds = time.perf_counter() - began
    return {
        "seconds": seconds,
        "cpu_seconds": time.process_time() - cpu_began,
        "pages": _pages(data),
        "bytes": len(data),
        "ceiling_seconds": ceiling / ceiling_pages,
        "cold_seconds": cold,
        "rss_before": rss_before,
        # ru_maxrss is in kilobytes on Linux: the high-water mark of this whole process.
        "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }


def rss_bytes_self() -> int:
    import os

    return rss_bytes(os.getpid())


def _measure_in_subprocess(kind: str, session_id: int) -> dict[str, float]:
    out = subprocess.run(
        [python(), "-m", "bench.documents", "measure", kind, str(session_id)],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=900,
    )  # fmt: skip
    if out.returncode != 0:
        raise RuntimeError(f"measuring {kind} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run() -> str:
    sessions = make_sessions()
    cases = [
        (f"Attendance list, {SMALL_LIST} rows", "attendance", sessions[SMALL_LIST], None, None),
        (f"Attendance list, {LARGE_LIST:,} rows", "attendance", sessions[LARGE_LIST],
         LIST_TARGET, LIST_MEMORY_TARGET),
        (f"{CERTIFICATES} certificates, one PDF", "certificates", sessions[SMALL_LIST],
         CERTIFICATES_TARGET, None),
    ]  # fmt: skip
    rows, missed = [], []
    for label, kind, session_id, time_target, memory_target in cases:
        result = _measure_in_subprocess(kind, session_id)
        per_page = result["seconds"] / max(result["pages"], 1)
        ok = None
        notes = []
        if time_target is not None:
            ok = result["seconds"] <= time_target
            notes.append(f"≤ {time_target:g} s")
        if memory_target is not None:
            ok = bool(ok) and result["peak_rss"] < memory_target
            notes.append(f"< {mb(memory_target)}")
        if ok is False:
            missed.append(label)
        rows.append([
            label, f"{result['seconds']:.2f}", f"{result['cpu_seconds']:.2f}",
            int(result["pages"]), f"{per_page * 1000:.0f}",
            f"{result['ceiling_seconds'] * 1000:.0f}",
            f"{per_page / result['ceiling_seconds']:.1f}×" if result["ceiling_seconds"] else "–",
            mb(int(result["peak_rss"])), f"{result['bytes'] / 1024:.0f} KB",
            (" and ".join(notes) + ": " + verdict(ok)) if notes else "reported",
        ])  # fmt: skip
        cold = result["cold_seconds"]
    return "\n\n".join([
        "Each document is rendered by `trainings.documents` (WeasyPrint through "
        "`norec_portal.pdf.render_pdf`) in a fresh process after one cold and five warm "
        "renders of a one-page document (a single certificate), whose median time is the "
        "ceiling per page. Peak memory is the high-water mark of the whole measuring "
        f"process (Django included). The cold one-page render took {cold:.2f} s (fonts and "
        "stylesheet loaded once per process). CPU s is the measuring process's own CPU "
        "time: on a busy machine it shows what the document costs, whatever the waiting.",
        table(["Document", "seconds", "CPU s", "pages", "ms/page", "ceiling ms/page", "vs ceiling",
               "peak memory", "size", "target"], rows),  # fmt: skip
        "All documents meet their targets." if not missed
        else "**Missed:** " + ", ".join(missed) + ".",
    ])  # fmt: skip


if __name__ == "__main__":
    if sys.argv[1:2] == ["measure"]:
        from .common import setup_django

        setup_django()
        print(json.dumps(measure(sys.argv[2], int(sys.argv[3]))))
    else:
        raise SystemExit("usage: python -m bench.documents measure <kind> <session id>")
