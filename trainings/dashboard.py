"""What the trainings app adds to the coordinator's dashboard (registered with
``partnerships.readiness`` in ``TrainingsConfig.ready``)."""

from __future__ import annotations

from partnerships.models import PartnerOrganisation
from partnerships.readiness import DashboardSection

from .services.travel import missing_travel

# The soonest ones; the Trainings page lists everyone (paginated).
SHOWN = 20


def missing_travel_section(organisation: PartnerOrganisation) -> DashboardSection | None:
    """ "Travel details missing": the organisation's people in upcoming in-person sessions
    without complete travel details, with the week's deadline (one query; no section
    when nobody is missing)."""
    rows = missing_travel(organisation, limit=SHOWN + 1)
    if not rows:
        return None
    return DashboardSection(
        "trainings/_dashboard_travel.html", {"rows": rows[:SHOWN], "more": len(rows) > SHOWN}
    )
