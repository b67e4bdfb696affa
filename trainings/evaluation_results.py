"""What the evaluation answers say, for staff: per session, and compared across venues
over a year, plus the spreadsheet export. Read-only; nothing here names a person (the
answers hold no one's name, see ``models/evaluation.py``)."""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from norec_portal import charts
from norec_portal.spreadsheets import xlsx_cells

from .evaluation import SCALE, Question, question_text, questions_for
from .models import (
    EvaluationAnswer,
    EvaluationInvitation,
    SessionKind,
    TrainingSession,
)

# Below this many answers, who said what may be guessed: the page says so.
FEW_ANSWERS = 5
PLACE_COLOURS = (charts.NAVY, charts.ACCENT, charts.GREEN, charts.BLUE, charts.RED)


def _rate(answered: int, invited: int) -> int | None:
    return round(100 * answered / invited) if invited else None


def _average(values: Sequence[int]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


@dataclass
class QuestionResult:
    question: Question
    number: int
    counts: list[int]
    average: float | None

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def rows(self) -> list[tuple[int, str, int]]:
        return [(value, str(self.question.labels[value]), self.counts[value - 1])
                for value in SCALE]  # fmt: skip

    def chart(self, session_id: int) -> object:
        return charts.column_chart(
            chart_id=f"chart-{session_id}-{self.question.key}",
            title=str(self.question.text),
            description=_("How many people gave each answer from 1 (%(low)s) to 5 (%(high)s).")
            % {"low": self.question.labels[1], "high": self.question.labels[5]},
            categories=[str(value) for value in SCALE],
            series=[charts.Series(_("Answers"), self.counts, charts.NAVY)],
            width=360,
            height=200,
        )


@dataclass
class SessionResults:
    invited: int
    answered: int
    questions: list[QuestionResult]
    comments: list[str]

    @property
    def rate(self) -> int | None:
        return _rate(self.answered, self.invited)

    @property
    def few(self) -> bool:
        return 0 < self.answered < FEW_ANSWERS


def session_results(session: TrainingSession) -> SessionResults:
    answers = list(
        EvaluationAnswer.objects.filter(session=session).only("answers", "comment").order_by("id")
    )
    invited = EvaluationInvitation.objects.filter(enrolment__session=session).count()
    questions = []
    for number, question in enumerate(questions_for(session.kind), start=1):
        values = [a.answers[question.key] for a in answers
                  if isinstance(a.answers.get(question.key), int)]  # fmt: skip
        counts = [values.count(value) for value in SCALE]
        questions.append(QuestionResult(question, number, counts, _average(values)))
    comments = sorted(a.comment for a in answers if a.comment)
    return SessionResults(invited=invited, answered=len(answers), questions=questions,
                          comments=comments)  # fmt: skip


# --- Across venues, over a year -------------------------------------------------------------


def place_of(session: TrainingSession) -> str:
    """Where a session counts in the comparison: its venue, or "Online"."""
    venue = session.place_venue
    if session.is_online or venue is None:
        return _("Online")
    return venue.name


@dataclass
class PlaceRow:
    place: str
    invited: int = 0
    answered: int = 0
    values: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))

    @property
    def rate(self) -> int | None:
        return _rate(self.answered, self.invited)


@dataclass
class KindComparison:
    kind: str
    label: str
    questions: Sequence[Question]
    places: list[PlaceRow]

    @property
    def answered(self) -> int:
        return sum(p.answered for p in self.places)

    @property
    def rows(self) -> list[tuple[int, str, list[tuple[str, float | None]]]]:
        """Per question: its number, text and (place, average) at each place."""
        return [
            (n, str(q.text), [(p.place, _average(p.values[q.key])) for p in self.places])
            for n, q in enumerate(self.questions, start=1)
        ]

    def chart(self) -> object:
        return charts.column_chart(
            chart_id=f"chart-year-{self.kind}",
            title=_("%(kind)s: average answer per question and venue") % {"kind": self.label},
            description=_("Averages from 1 to 5 for questions Q1 to Q%(count)s; the table "
                          "below has the numbers.") % {"count": len(self.questions)},
            categories=[f"Q{n}" for n in range(1, len(self.questions) + 1)],
            series=[
                charts.Series(p.place, [_average(p.values[q.key]) or 0 for q in self.questions],
                              PLACE_COLOURS[i % len(PLACE_COLOURS)])
                for i, p in enumerate(self.places)
            ],
            goal=5,  # the scale's top, so every chart reads on the same 0–5 axis
            goal_label=_("5: the best answer"),
        )  # fmt: skip


def year_comparison(year: int) -> list[KindComparison]:
    sessions = {
        s.pk: s
        for s in TrainingSession.objects.filter(first_day__year=year).with_place()
    }  # fmt: skip
    invited = dict(
        EvaluationInvitation.objects.filter(enrolment__session_id__in=list(sessions))
        .values_list("enrolment__session_id")
        .annotate(n=Count("pk"))
    )
    answers = EvaluationAnswer.objects.filter(session_id__in=list(sessions)).only(
        "session_id", "kind", "answers"
    )
    table: dict[str, dict[str, PlaceRow]] = defaultdict(dict)
    for session_id, count in invited.items():
        session = sessions[session_id]
        row = table[session.kind].setdefault(place_of(session), PlaceRow(place_of(session)))
        row.invited += count
    for answer in answers:
        session = sessions[answer.session_id]
        row = table[answer.kind].setdefault(place_of(session), PlaceRow(place_of(session)))
        row.answered += 1
        for key, value in answer.answers.items():
            if isinstance(value, int):
                row.values[key].append(value)
    return [
        KindComparison(kind=kind, label=str(label), questions=questions_for(kind),
                       places=sorted(table[kind].values(), key=lambda p: p.place))
        for kind, label in SessionKind.choices if table.get(kind)
    ]  # fmt: skip


def years_with_answers() -> list[int]:
    return sorted(
        {d.year for d in TrainingSession.objects.filter(
            Q(evaluation_answers__isnull=False)
            | Q(enrolments__evaluation_invitation__isnull=False)
        ).dates("first_day", "year")},
        reverse=True,
    )  # fmt: skip


# --- The spreadsheet ----------------------------------------------------------------------


def export_answers(answers: Iterable[EvaluationAnswer]) -> tuple[bytes, int]:
    """An XLSX workbook, one sheet per kind of session: the session, its place and dates,
    the day of the answer, its language, each rating and the comment. Returns the file
    and the number of answers in it."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    by_kind: dict[str, list[EvaluationAnswer]] = defaultdict(list)
    for answer in answers:
        by_kind[answer.kind].append(answer)
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    rows = 0
    for kind, label in SessionKind.choices:
        kind_answers = by_kind.get(kind)
        if not kind_answers:
            continue
        sheet = workbook.create_sheet(str(label)[:31])
        keys = [q.key for q in questions_for(kind)]
        keys += sorted({k for a in kind_answers for k in a.answers} - set(keys))
        header = [
            _("Session"),
            _("Place"),
            _("First day"),
            _("Last day"),
            _("Answered on"),
            _("Language"),
            *[question_text(kind, k) for k in keys],
            _("Anything else"),
        ]
        sheet.append(xlsx_cells(sheet, [str(name) for name in header], font=bold))
        for answer in kind_answers:
            session = answer.session
            values: list[object] = [
                session.name, place_of(session), session.first_day, session.last_day,
                answer.submitted_on, answer.language,
                *[answer.answers.get(k) for k in keys], answer.comment,
            ]  # fmt: skip
            # Never a formula, whatever someone typed in the comment.
            sheet.append(xlsx_cells(sheet, values))
            rows += 1
    if not rows:
        sheet = workbook.create_sheet(_("Answers"))
        sheet.append([_("No answers yet.")])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), rows


def export_filename(*, year: int, session: TrainingSession | None) -> str:
    if session is not None:
        return f"evaluation-session-{session.pk}-{session.first_day.isoformat()}.xlsx"
    return f"evaluation-{year}.xlsx"


def session_label(session: TrainingSession) -> str:
    return f"{session.name} — {place_of(session)}, {date_format(session.first_day, 'j M Y')}"
