"""Which sheet and which row of an upload are read (the outside tester's M3, M4, L9, L12):
hidden sheets are skipped, the heading row may sit below a few title rows (in a workbook
or a CSV file), merged cells in the data read as Excel shows them, Excel's ``sep=;`` line
names the delimiter, and a formula without a saved result is reported, not read blank.
Row numbers stay those a spreadsheet program shows."""

from __future__ import annotations

import csv
import io
import time
import zipfile

import openpyxl
import pytest

from network.imports.columns import KNOWN_HEADERS as HISTORICAL_HEADERS
from norec_portal.spreadsheets import (
    HEADING_SEARCH_ROWS,
    SpreadsheetError,
    Table,
    read_spreadsheet,
)

KNOWN = frozenset({
    "first_name", "last_name", "email", "e_mail", "gender", "partnership",
    "host_organisation", "exchange_start", "exchange_end",
})  # fmt: skip
HEADER = ["first_name", "last_name", "email", "partnership"]
ADA = ["Ada", "Lovelace", "ada@example.org", "Lake Region"]
ALAN = ["Alan", "Turing", "alan@example.org", "Lake Region"]


def read(data: bytes, name: str = "f.xlsx", **options) -> Table:
    options = {"max_bytes": 10 * 1024 * 1024, "max_rows": 100, "known_columns": KNOWN,
               "max_seconds": 60, **options}  # fmt: skip
    return read_spreadsheet(data, name, **options)


def cells(table: Table) -> list[tuple[int, list]]:
    """The rows of ``table`` without their blank cells at the end (a workbook's rows are
    read :data:`MAX_COLUMNS` wide)."""
    return [(number, trim(values)) for number, values in table.rows]


def trim(values: list) -> list:
    values = list(values)
    while values and values[-1] == "":
        values.pop()
    return values


def refusal(data: bytes, name: str = "f.xlsx", **options) -> SpreadsheetError:
    with pytest.raises(SpreadsheetError) as caught:
        read(data, name, **options)
    return caught.value


def workbook(*sheets: tuple[str, list[list], str], merges: dict[str, list[str]] | None = None):
    """An XLSX file of ``(title, rows, state)`` sheets, with merged ranges per title."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows, state in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        sheet.sheet_state = state
        for cells in (merges or {}).get(title, []):
            sheet.merge_cells(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rewrite(data: bytes, member: str, old: bytes, new: bytes) -> bytes:
    """The workbook with ``old`` replaced by ``new`` in one of its parts."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == member:
                assert old in body
                body = body.replace(old, new)
            target.writestr(info, body)
    return buffer.getvalue()


# --- M3: which sheet ---------------------------------------------------------------------


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_a_hidden_sheet_is_never_read(state):
    data = workbook(
        ("Lists", [["first_name", "last_name", "gender"], ["x", "y", "female"]], state),
        ("Participants", [HEADER, ADA], "visible"),
    )
    table = read(data)
    assert table.sheet == "Participants"
    assert trim(table.header) == HEADER
    assert cells(table) == [(2, ADA)]


def test_the_first_visible_sheet_with_the_headings_is_read():
    data = workbook(
        ("Instructions", [["How to fill in this file"], ["One person per row."]], "visible"),
        ("Participants", [HEADER, ADA, ALAN], "visible"),
        ("Later", [HEADER, ALAN], "visible"),
    )
    table = read(data)
    assert table.sheet == "Participants"
    assert [number for number, _cells in table.rows] == [2, 3]


def test_without_known_columns_the_first_visible_sheet_is_read_as_before():
    data = workbook(
        ("Lists", [["female", "male"]], "hidden"),
        ("Notes", [["Read me"], ["a", "b"]], "visible"),
        ("Participants", [HEADER, ADA], "visible"),
    )
    table = read(data, known_columns=frozenset())
    assert (table.sheet, trim(table.header), table.heading_row) == ("Notes", ["Read me"], 1)


def test_without_headings_the_error_tells_which_sheet_and_row_were_read():
    data = workbook(
        ("Lists", [["Gender", "Host organisations"], ["female", "Kampala Institute"]], "visible"),
        ("Participants", [["Prénom", "Nom", "Courriel"], ["Ada", "Lov", "a@b.org"]], "visible"),
        ("Old", [HEADER, ADA], "hidden"),
    )  # fmt: skip
    error = refusal(data, min_headings=2)
    assert error.code == "no_headings"
    message = error.messages[0]
    assert (
        "Sheet “Lists” was read; its first row is “Gender | Host organisations”. "
        "Other sheets: “Participants”."
    ) in message
    assert "Old" not in message  # a hidden sheet is not named: the user cannot see it
    assert f"first {HEADING_SEARCH_ROWS} rows" in message


def test_an_empty_visible_sheet_is_named_as_empty():
    data = workbook(("Sheet1", [], "visible"), ("Data", [["Nom", "Prénom"]], "visible"))
    message = refusal(data, min_headings=1).messages[0]
    assert "Sheet “Sheet1” was read; it is empty." in message
    assert "Other sheets: “Data”." in message


def test_enough_known_headings_pass_min_headings():
    data = workbook(("Sheet", [["first_name", "surname"], ["Ada", "Lovelace"]], "visible"))
    # One known name: enough for an import that needs one, refused by one that needs two.
    assert trim(read(data, min_headings=1).header) == ["first_name", "surname"]
    assert refusal(data, min_headings=2).code == "no_headings"


# --- M3: title rows above the headings ------------------------------------------------------


def test_headings_below_title_rows_keep_excel_row_numbers():
    data = workbook(
        ("Participants 2027", [
            ["LAKESIDE COMMUNITY HEALTH TRUST – participants 2027"],
            ["Prepared by: Jane Doe, email: jane@example.org", None, "6 Dec 2026"],
            [],
            ["First Name", "LAST_NAME", "E-mail", "Partnership"],
            ADA,
            [],
            ALAN,
        ], "visible"),
        merges={"Participants 2027": ["A1:D1"]},
    )  # fmt: skip
    table = read(data)
    assert table.heading_row == 4
    assert trim(table.header) == ["First Name", "LAST_NAME", "E-mail", "Partnership"]
    assert cells(table) == [(5, ADA), (7, ALAN)]  # the numbers Excel shows


def test_a_title_row_with_a_single_known_word_is_not_taken_for_the_headings():
    data = workbook(("S", [["Partnership"], ["Email", "2026"], HEADER, ADA], "visible"))
    assert read(data).heading_row == 3


def test_headings_too_far_down_are_not_looked_for():
    titles = [[f"Note {n}"] for n in range(HEADING_SEARCH_ROWS)]
    data = workbook(("S", [*titles, HEADER, ADA], "visible"))
    # Beyond the search, the first row is the header, as before; the import then says
    # which columns it misses, or min_headings refuses the file with what was read.
    assert trim(read(data).header) == ["Note 0"]
    assert "its first row is “Note 0”" in refusal(data, min_headings=2).messages[0]


def test_headings_are_recognised_the_way_the_historical_import_reads_them():
    data = workbook(("Register", [["Archive of the FK", None], ["E-mail:", "Name"],
                                  ["a@b.org", "Ada Lovelace"]], "visible"))  # fmt: skip
    table = read(data, known_columns=HISTORICAL_HEADERS, min_headings=1)
    assert (table.heading_row, cells(table)) == (2, [(3, ["a@b.org", "Ada Lovelace"])])


def test_accented_page_labels_count_as_headings_once_known_without_accents():
    data = workbook(("S", [["Titre"], ["Prénom", "Début de l’échange"], ["Ada", "2027-03-01"]],
                         "visible"))  # fmt: skip
    known = frozenset({"prenom", "debut_de_l_echange"})
    assert read(data, known_columns=known, min_headings=2).heading_row == 2


def test_csv_headings_below_title_lines():
    text = (
        "Lakeside Trust: participants 2027\n"
        "Prepared by Jane Doe; 6 Dec 2026\n"
        "\n"
        "first_name;last_name;email;partnership\n"
        "Ada;Lovelace;ada@example.org;Lake Region\n"
        "Alan;Turing;alan@example.org;Lake Region\n"
    )
    table = read(text.encode(), "f.csv", min_headings=2)
    assert trim(table.header) == HEADER
    assert table.heading_row == 4
    assert cells(table) == [(5, ADA), (6, ALAN)]


def test_csv_without_headings_says_what_its_first_row_holds():
    error = refusal("Prénom,Nom\nAda,Lovelace\n".encode(), "f.csv", min_headings=2)
    assert error.code == "no_headings"
    assert "Its first row is “Prénom | Nom”." in error.messages[0]
    assert "Sheet" not in error.messages[0]


# --- L9: Excel's sep= line ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("first_line", "delimiter"), [("sep=;", ";"), ('"sep=;"', ";"), ("SEP=|", "|"),
                                  ("sep=\t", "\t"), ("sep=,,,", ","), ("sep=;;;;", ";")],
)  # fmt: skip
def test_the_sep_line_names_the_delimiter_and_is_not_a_row(first_line, delimiter):
    # A name with the other delimiters in it shows the declared one is used.
    name = "Lovelace, Countess; née Byron | Ada"
    body = io.StringIO(newline="")
    csv.writer(body, delimiter=delimiter).writerows([HEADER, ["Ada", name, "a@b.org", "L"]])
    data = ("\ufeff" + first_line + "\r\n" + body.getvalue()).encode()
    table = read(data, "f.csv")
    assert trim(table.header) == HEADER
    # Excel does not show the sep= line: the headings are its row 1.
    assert table.heading_row == 1
    assert cells(table) == [(2, ["Ada", name, "a@b.org", "L"])]


def test_a_sep_line_with_other_text_is_an_ordinary_row():
    table = read(b"sep=; is how Excel is told\nfirst_name,last_name\nAda,Lovelace\n", "f.csv")
    assert trim(table.header) == ["first_name", "last_name"]
    assert table.heading_row == 2


# --- M4: merged cells -----------------------------------------------------------------------


def test_merged_cells_in_the_data_read_as_excel_shows_them():
    rows = [
        [*HEADER, "host_organisation", "gender"],
        ["Ada", "Lovelace", "ada@example.org", "Lake Region", "Kampala", "female"],
        ["Alan", "Turing", "alan@example.org", None, None, None],
        ["Grace", "Hopper", "grace@example.org", None, None, None],
        [None, None, None, None, None, None],  # blank in Excel but for the merged value
        ["Mary", "Somerville", "mary@example.org", "Nepal Link", "Kathmandu", None],
    ]
    data = workbook(("P", rows, "visible"), merges={"P": ["D2:D5", "E2:F4", "E6:F6"]})
    table = read(data)
    assert [(n, cells[3:6]) for n, cells in table.rows] == [
        (2, ["Lake Region", "Kampala", "Kampala"]),
        (3, ["Lake Region", "Kampala", "Kampala"]),
        (4, ["Lake Region", "Kampala", "Kampala"]),
        (6, ["Nepal Link", "Kathmandu", "Kathmandu"]),
    ]  # row 5 holds nothing of its own and stays out


def test_merges_in_and_above_the_heading_row_are_not_filled():
    rows = [["Participants 2027"], ["Name", None, "Email"], ["Ada Lovelace", "x", "a@b.org"]]
    data = workbook(("P", rows, "visible"), merges={"P": ["A1:C1", "A2:B2"]})
    table = read(data, known_columns=HISTORICAL_HEADERS)
    # "Name" is not copied into a second column (that would read as two "Name" columns).
    assert table.header[:3] == ["Name", "", "Email"]
    assert cells(table)[0] == (3, ["Ada Lovelace", "x", "a@b.org"])


def test_merged_ranges_of_another_sheet_are_not_used():
    data = workbook(
        ("Summary", [["Total"], [1], [2]], "visible"),
        ("P", [HEADER, ADA, ["Alan", "Turing", "alan@example.org", None]], "visible"),
        merges={"Summary": ["D2:D3"]},
    )
    assert cells(read(data))[1] == (3, ["Alan", "Turing", "alan@example.org"])


def test_many_merged_ranges_read_quickly():
    # 2,000 rows (the participant import's limit) in groups of six, two merged columns.
    # Measured on 12,000 such rows: the merges add about a tenth to the reading time.
    rows = [[*HEADER, "host_organisation"]]
    rows += [[f"P{n}", "Q", f"p{n}@example.org", "Lake" if n % 6 == 0 else None,
              "Host" if n % 6 == 0 else None] for n in range(2_000)]  # fmt: skip
    merges = [f"{c}{r}:{c}{r + 5}" for r in range(2, 2_002, 6) for c in "DE"]
    data = workbook(("P", rows, "visible"), merges={"P": merges})
    started = time.monotonic()
    table = read(data, max_rows=2_000)
    assert time.monotonic() - started < 5
    assert len(table.rows) == 2_000
    assert all(cells[3:5] == ["Lake", "Host"] for _n, cells in table.rows)


# --- L12: formulas without a saved result ---------------------------------------------------


def test_a_formula_without_a_saved_result_is_reported():
    rows = [HEADER, ["Ada", "Lovelace", '=LOWER(A2&"@example.org")', "Lake"],
            ["Alan", "Turing", '=LOWER(A3&"@example.org")', "Lake"], ALAN]  # fmt: skip
    table = read(workbook(("P", rows, "visible")))
    assert [cells[2] for _n, cells in table.rows] == ["", "", "alan@example.org"]
    assert len(table.warnings) == 1
    assert table.warnings[0].startswith("2 cells hold a formula whose result is not saved")
    assert "C2, C3" in table.warnings[0]


def test_a_formula_with_its_saved_result_is_read_without_a_note():
    rows = [HEADER, ["Ada", "Lovelace", '=LOWER(A2&"@example.org")', "Lake"]]
    data = rewrite(
        workbook(("P", rows, "visible")), "xl/worksheets/sheet1.xml",
        b'<c r="C2"><f>LOWER(A2&amp;"@example.org")</f><v /></c>',
        b'<c r="C2" t="str"><f>LOWER(A2&amp;"@example.org")</f><v>ada@example.org</v></c>',
    )  # fmt: skip
    table = read(data)
    assert cells(table) == [(2, ["Ada", "Lovelace", "ada@example.org", "Lake"])]
    assert table.warnings == []


def test_a_quote_never_closed_is_named_as_the_likely_cause_of_a_giant_cell():
    data = b'first_name,last_name\nAda,"Lovelace\n' + b"Grace,Hopper\n" * 20_000
    error = refusal(data, "f.csv")
    assert "A cell near row" in error.messages[0]
    assert "longer than 131,072 characters" in error.messages[0]
    assert "check the quotes from that row on" in error.messages[0]
