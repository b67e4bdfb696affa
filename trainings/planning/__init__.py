"""Staff planning: the year at a glance, conflicts, and the training-need forecast.

Read-only computations over a fixed number of queries, whatever the amount of data. Who
may be put in a session (the planner's candidates) is in ``services.eligibility``, the
one home of those rules.
"""

from .conflicts import find_conflicts
from .forecast import (
    Forecast,
    FreeSeats,
    MonthNeed,
    Unplaced,
    UnplacedRows,
    add_months,
    forecast,
    month_start,
    needing_seat,
)
from .year import (
    KIND_INDEX,
    KIND_ORDER,
    YearPlan,
    YearRow,
    enrolments_in,
    sessions_for_conflicts,
    sessions_with_counts,
    year_plan,
)

__all__ = [
    "KIND_INDEX", "KIND_ORDER", "Forecast", "FreeSeats", "MonthNeed", "Unplaced",
    "UnplacedRows", "YearPlan", "YearRow", "add_months", "enrolments_in", "find_conflicts",
    "forecast", "month_start", "needing_seat", "sessions_for_conflicts",
    "sessions_with_counts", "year_plan",
]  # fmt: skip
