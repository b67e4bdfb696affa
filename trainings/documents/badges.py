"""Name badges: eight to an A4 page (two columns, four rows, 90 × 65 mm each, with cut
lines), for everyone expected in a week or a seminar.

Each badge carries a QR code of ``trainings.badges.badge_code`` (drawn here by segno as
an SVG element inside the page: nothing is fetched), which the check-in desk scans.
"""

from __future__ import annotations

from dataclasses import dataclass

import segno
from django.utils.safestring import SafeString, mark_safe

from norec_portal.pdf import render_pdf

from ..badges import badge_code
from ..models import Enrolment
from .common import common_context
from .week_lists import WeekScope

PER_PAGE = 8


@dataclass(frozen=True)
class Badge:
    enrolment: Enrolment
    name: str
    organisation: str
    country: str
    session: str
    code: str
    qr: SafeString  # an inline SVG element

    @property
    def long_name(self) -> bool:
        return len(self.name) > 22


def _badge(enrolment: Enrolment) -> Badge:
    person = enrolment.person
    organisation = enrolment.organisation
    country = person.country or (organisation.country if organisation else None)
    code = badge_code(enrolment)
    qr = segno.make(code, error="m", micro=False)  # a Micro QR code is not read by every phone
    return Badge(
        enrolment=enrolment,
        name=person.full_name,
        organisation=organisation.name if organisation else "",
        country=country.name if country else "",
        session=enrolment.session.name,
        code=code,
        # Inline: the PDF renderer loads no URL, not even a data: one. segno writes the
        # SVG itself from the code (letters, digits, ":_-"), nothing else goes in.
        qr=mark_safe(qr.svg_inline(scale=4, border=2, omitsize=True)),  # noqa: S308
    )


def badge_context(scope: WeekScope) -> dict:
    """The pages of badges: lists of up to eight, people in name order (the order of
    the people at the desk, whatever their session)."""
    people = sorted(
        scope.enrolments,
        key=lambda e: (e.person.last_name.casefold(), e.person.first_name.casefold(), e.pk),
    )
    badges = [_badge(e) for e in people]
    pages = [badges[i : i + PER_PAGE] for i in range(0, len(badges), PER_PAGE)]
    return {**common_context(), "scope": scope, "pages": pages, "count": len(badges)}


def name_badges(scope: WeekScope) -> bytes:
    return render_pdf("documents/trainings_badges.html", badge_context(scope))
