"""Which source files hold the text partner coordinators, participants and alumni read.

Every catalogue entry with at least one source reference in scope must be translated into
every language of ``settings.LANGUAGES`` (``tests/test_i18n.py``). Staff-only pages may stay
in English: their entries are left empty and fall back to the English text.

A reference is in scope when its path starts with one of ``SCOPE_PREFIXES`` and with none
of ``STAFF_PREFIXES`` (paths relative to the project root, as ``makemessages`` writes them).
"""

from __future__ import annotations

SCOPE_PREFIXES: tuple[str, ...] = (
    # The layout, shared partials, error pages, login and account settings.
    "templates/base.html",
    "templates/403.html",
    "templates/404.html",
    "templates/500.html",
    "templates/partials/",
    "templates/account/",
    "templates/allauth/",
    "templates/norec_portal/account_settings.html",
    "norec_portal/context_processors.py",
    "norec_portal/forms.py",
    "norec_portal/middleware.py",
    "norec_portal/models.py",
    "norec_portal/spreadsheets.py",
    # The names of the languages members work in (the directory, profiles).
    "norec_portal/languages.py",
    "norec_portal/views.py",
    # Emails to coordinators, participants and alumni.
    "templates/emails/",
    # Documents a coordinator downloads for a participant.
    "templates/documents/trainings_base.html",
    "templates/documents/trainings_certificates.html",
    "templates/documents/trainings_invitation_letter.html",
    # Partnerships: the coordinator portal, the spreadsheet import and export.
    "templates/partnerships/coordinator/",
    "templates/partnerships/import_",
    "templates/partnerships/_",
    "partnerships/access.py",
    "partnerships/exports.py",
    "partnerships/forms.py",
    "partnerships/imports/",
    "partnerships/models.py",
    "partnerships/readiness.py",
    "partnerships/services.py",
    "partnerships/validators.py",
    "partnerships/views/coordinator.py",
    "partnerships/views/imports.py",
    # Trainings: the coordinator pages and the rules whose messages they show.
    "templates/trainings/coordinator_",
    "templates/trainings/_coordinator_",
    "templates/trainings/_schedule.html",
    "templates/trainings/_session_counts.html",
    "templates/trainings/_state_badge.html",
    # The documents a coordinator downloads, and why a letter is not available yet.
    "trainings/documents/__init__.py",
    "trainings/documents/common.py",
    "trainings/documents/letters.py",
    "trainings/forms.py",
    "trainings/models",
    "trainings/readiness.py",
    "trainings/services/",
    "trainings/views/common.py",
    "trainings/views/coordinator.py",
    # The evaluation participants answer: its questions, form and public pages.
    "templates/trainings/evaluation_",
    "trainings/evaluation.py",
    "trainings/evaluation_forms.py",
    # Network: member and public pages, their forms, services and links.
    "templates/network/",
    "network/",
)

STAFF_PREFIXES: tuple[str, ...] = (
    "templates/network/staff/",
    "templates/emails/network_cadence_",
    "network/admin.py",
    # The staff home's list of what needs attention.
    "network/attention.py",
    "network/imports/",
    "network/matching/",
    "network/privacy.py",
    "network/services/reachability.py",
    "network/views/reachability.py",
    "network/views/merges.py",
    "network/views/bulk_merge.py",
    "network/services/dashboard.py",
    "network/services/duplicates.py",
    "network/views/dashboard.py",
    "network/views/queues.py",
    "network/views/staff.py",
    # What staff read when writing to a session (the emails themselves are in scope).
    "trainings/services/messages.py",
)


def in_scope(path: str) -> bool:
    """Whether text from ``path`` is read by coordinators, participants or alumni."""
    path = path.removeprefix("./")
    return path.startswith(SCOPE_PREFIXES) and not path.startswith(STAFF_PREFIXES)


def entry_in_scope(occurrences: list[tuple[str, str]]) -> bool:
    """Whether a catalogue entry (its ``#:`` references) is in scope."""
    return any(in_scope(path) for path, _line in occurrences)
