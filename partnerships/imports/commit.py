"""An import's life after the upload: stored for the preview, committed (all rows or
none, each through :func:`partnerships.services.register_participant`) or discarded."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from norec_portal.deferred import dump_error
from norec_portal.models import User
from norec_portal.spreadsheets import SpreadsheetError

from ..models import HeldRegistration, Participant, ParticipantImport, PartnerOrganisation
from ..services import (
    DuplicateRegistration,
    ExchangePlan,
    coordinator_duplicate_message,
    hold_registrations,
    register_participant,
)
from .columns import read_spreadsheet
from .rows import (
    CONTROL_CHARACTERS,
    check_rows,
    duplicate_row_message,
    load_partnerships,
    registered_by,
    stored_message,
)

# --- The import's life: upload, confirm, discard ----------------------------------------


def create_import(
    *, organisation: PartnerOrganisation, by: User | None, filename: str, data: bytes
) -> ParticipantImport:
    """Read and check an uploaded file and keep the result for the preview.

    Raises :class:`SpreadsheetError` when the file as a whole cannot be used; then nothing
    is saved. Rows with problems are saved with their messages (the preview shows them).
    """
    table = read_spreadsheet(data, filename)
    if not table.rows:
        raise SpreadsheetError(
            _("The file has no participant rows under the column headings."), code="no_rows"
        )
    checked = check_rows(table, organisation=organisation)
    if checked.held_person_ids:
        hold_registrations(organisation=organisation, person_ids=checked.held_person_ids,
                           by=by, via=HeldRegistration.Via.IMPORT)  # fmt: skip
    return ParticipantImport.objects.create(
        organisation=organisation,
        uploaded_by=by,
        original_filename=_clean_filename(filename),
        file_format=checked.file_format,
        encoding=checked.encoding,
        rows=checked.rows,
        warnings=checked.warnings,
        row_count=len(checked.rows),
        error_row_count=checked.error_row_count,
    )


def _clean_filename(filename: str) -> str:
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = CONTROL_CHARACTERS.sub("", name).strip()[:255]
    try:
        return get_valid_filename(name)[:255] if name else _("upload")
    except SuspiciousFileOperation:  # a name made only of dots and spaces
        return _("upload")


class _RowsFailed(Exception):
    def __init__(self, errors: dict[int, list[dict[str, str]]], held: list[int]) -> None:
        super().__init__(errors)
        self.errors = errors
        self.held = held  # people already registered whom rows name


def commit_import(*, participant_import: ParticipantImport, by: User | None) -> list[Participant]:
    """Register every row of a checked import, in one transaction: all rows or none.

    Each row goes through ``services.register_participant``, which checks it again: a
    person may have been registered since the preview, or a partnership closed. If any row
    fails, every registration is rolled back, the reasons are stored on the import's rows
    (so the preview shows them) and ``ValidationError`` is raised. Rows naming someone
    already registered go to the staff queue after the rollback, as their message says.
    """
    try:
        return _register_rows(pk=participant_import.pk, by=by)
    except _RowsFailed as failed:
        _record_commit_errors(pk=participant_import.pk, errors=failed.errors)
        if failed.held:
            hold_registrations(organisation=participant_import.organisation,
                               person_ids=failed.held, by=by,
                               via=HeldRegistration.Via.IMPORT)  # fmt: skip
        participant_import.refresh_from_db()
        count = len(failed.errors)
        raise ValidationError(
            ngettext(
                "Nothing was imported: %(count)s row could not be registered. See the message "
                "below, fix this row in your file and upload it again.",
                "Nothing was imported: %(count)s rows could not be registered. See the "
                "messages below, fix these rows in your file and upload it again.",
                count,
            ) % {"count": count},
            code="rows_failed",
        ) from None  # fmt: skip


@transaction.atomic
def _register_rows(*, pk: int, by: User | None) -> list[Participant]:
    # The lock makes a second, simultaneous confirmation wait, then see the new status.
    participant_import = ParticipantImport.objects.select_for_update().get(pk=pk)
    if participant_import.status == ParticipantImport.Status.COMMITTED:
        raise ValidationError(_("This file has already been imported."), code="committed")
    if participant_import.status != ParticipantImport.Status.PREVIEWED:
        raise ValidationError(_("This import was discarded."), code="discarded")
    if participant_import.error_row_count or not participant_import.row_count:
        raise ValidationError(
            _("Some rows have problems: fix these rows in your file and upload it again."),
            code="has_errors",
        )
    organisation = PartnerOrganisation.objects.get(pk=participant_import.organisation_id)
    partnerships = load_partnerships(organisation)
    created: list[Participant] = []
    errors: dict[int, list[dict[str, str]]] = {}
    held: list[int] = []
    for row in participant_import.rows:
        data = row["data"]
        info = partnerships.get(data["partnership_id"])
        host = info.members_by_pk.get(data["host_organisation_id"]) if info else None
        if info is None or host is None:
            errors[row["row"]] = [
                stored_message("partnership", gettext_lazy(
                    "The partnership or the host organisation changed since the file was "
                    "checked. Upload the file again."))
            ]  # fmt: skip
            continue
        person = dict(data["person"])
        person["date_of_birth"] = _date_or_none(person.get("date_of_birth"))
        plan = ExchangePlan(
            partnership=info.partnership,
            host_organisation=host,
            exchange_start=dt.date.fromisoformat(data["exchange_start"]),
            exchange_end=dt.date.fromisoformat(data["exchange_end"]),
            elearning_completed_on=_date_or_none(data.get("elearning_completed_on")),
        )
        try:
            # register_participant is atomic itself: a failing row rolls back to its own
            # savepoint, so the remaining rows can still be checked and reported.
            created.append(
                register_participant(
                    sending=organisation, person_data=person, plan=plan, by=by,
                    member_ids=info.member_ids,
                )
            )  # fmt: skip
        except DuplicateRegistration as exc:
            # register_participant holds the case in this transaction, which is about to
            # be rolled back: commit_import holds it again after.
            held.append(exc.person.pk)
            errors[row["row"]] = _duplicate_messages(exc, organisation)
        except ValidationError as exc:
            errors[row["row"]] = _messages(exc)
    if errors:
        raise _RowsFailed(errors, held)
    updated = ParticipantImport.objects.filter(
        pk=pk, status=ParticipantImport.Status.PREVIEWED
    ).update(
        status=ParticipantImport.Status.COMMITTED, committed_at=timezone.now(), committed_by=by
    )
    if updated != 1:
        raise ValidationError(_("This file has already been imported."), code="committed")
    return created


def _date_or_none(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _messages(exc: ValidationError) -> list[dict[str, object]]:
    """The errors of a row, each stored untranslated where it can be (shown in the
    reader's language)."""
    if hasattr(exc, "error_dict"):
        return [
            stored_message("" if key == "__all__" else key, dump_error(error))
            for key, errors in exc.error_dict.items()
            for error in errors
        ]
    return [stored_message("", dump_error(error)) for error in exc.error_list]


def _duplicate_messages(
    exc: DuplicateRegistration, organisation: PartnerOrganisation
) -> list[dict[str, object]]:
    """A refused row's messages, saying plainly when the person is the organisation's own."""
    messages = _messages(exc)
    if registered_by(organisation, [exc.person.pk]):
        anonymous = stored_message("", coordinator_duplicate_message())["message"]
        own = stored_message("", duplicate_row_message(own=True))
        messages = [own if m["message"] == anonymous else m for m in messages]
    return messages


@transaction.atomic
def _record_commit_errors(*, pk: int, errors: dict[int, list[dict[str, str]]]) -> None:
    participant_import = ParticipantImport.objects.select_for_update().get(pk=pk)
    if participant_import.status != ParticipantImport.Status.PREVIEWED:
        return
    rows = participant_import.rows
    for row in rows:
        if row["row"] in errors:
            row["errors"] = [*row["errors"], *errors[row["row"]]]
    participant_import.rows = rows
    participant_import.error_row_count = sum(1 for row in rows if row["errors"])
    participant_import.save(update_fields=["rows", "error_row_count"])


@transaction.atomic
def discard_import(*, participant_import: ParticipantImport) -> None:
    """Drop a checked file that will not be imported, and the personal data it held."""
    updated = ParticipantImport.objects.filter(
        pk=participant_import.pk, status=ParticipantImport.Status.PREVIEWED
    ).update(status=ParticipantImport.Status.DISCARDED, rows=[])
    if updated != 1:
        raise ValidationError(
            _("Only a file waiting for confirmation can be discarded."), code="not_previewed"
        )
    participant_import.refresh_from_db()
