"""Participants from a spreadsheet: read the file, check every row, then register them all.

The flow has three steps, and nothing is registered before the last one:

1. :func:`read_spreadsheet` turns the uploaded bytes (CSV or XLSX) into a :class:`Table`,
   refusing files that are too big, too long, unreadable or built to exhaust the server
   (zip bombs, XML entity expansion). The columns and limits are in :mod:`.columns`.
2. :func:`check_rows` (:mod:`.rows`) checks every row with the rules of
   :mod:`partnerships.services` and answers with a message per problem; it runs a constant
   number of queries whatever the number of rows. :func:`create_import` stores the result
   as a ``ParticipantImport`` (the file itself is never kept).
3. :func:`commit_import` (:mod:`.commit`) registers every row through
   :func:`partnerships.services.register_participant` in one transaction: all rows or none.

The sending organisation is always the coordinator's own; the file cannot name it. Callers
use this package's names; the modules are how it is laid out.
"""

from __future__ import annotations

from norec_portal.countries import parse_country
from norec_portal.spreadsheets import (
    OLE2_MAGIC,
    PREVIEW_VALUE_LENGTH,
    ZIP_MAGIC,
    SpreadsheetError,
    Table,
    normalise_header,
    parse_date,
)

from .columns import (
    ALIASES,
    COLUMN_KEYS,
    COLUMNS,
    DATE_HINT,
    DATE_KEYS,
    IGNORED_KEYS,
    REQUIRED_KEYS,
    Column,
    column_for_heading,
    heading_aliases,
    max_bytes,
    max_rows,
    read_spreadsheet,
    template_header,
)
from .commit import commit_import, create_import, discard_import
from .rows import CheckedFile, check_rows, message_text, parse_gender

__all__ = [
    "ALIASES", "COLUMNS", "COLUMN_KEYS", "DATE_HINT", "DATE_KEYS", "IGNORED_KEYS", "OLE2_MAGIC",
    "PREVIEW_VALUE_LENGTH", "REQUIRED_KEYS", "ZIP_MAGIC", "CheckedFile", "Column",
    "SpreadsheetError", "Table", "check_rows", "column_for_heading", "commit_import",
    "create_import", "discard_import", "heading_aliases", "max_bytes", "message_text",
    "max_rows", "normalise_header", "parse_country", "parse_date", "parse_gender",
    "read_spreadsheet", "template_header",
]  # fmt: skip
