"""Generate the bad-returns corpus: malformed and hostile quarterly return workbooks.

Every workbook case starts from a real return in ``raw/returns/`` (so its PI codes, values and
number formats are real), copied with openpyxl and spoiled in one way; a few cases are not
workbooks at all. ``CASES`` below is the one table of cases, each with its expected outcome:

* ``Accepted``: the reader loads the file, normalising what was typed. Each ``Norm`` gives a
  value in its canonical form as it must reach ``staging.stg_returns__*`` (percentages in
  percentage points, see ``docs/return_format.md``).
* ``Rejected``: the reader refuses the file. The message must contain ``message`` and the
  problem must name ``sheet``, ``row`` and ``column`` (``None`` where there is none: a file
  that is not a workbook has no sheet).

File names. An accepted case keeps its base return's name: it is loaded as a resubmission of
that real quarter. A rejected case is named for a service of its own,
``midlothian__corpus-<case>__<year>__Q<n>.xlsx`` (its Metadata sheet says the same), so that
every rejected file can sit in one landing folder beside the real returns.

    python -m tests.support.bad_returns.generate <out_dir>   # writes <out_dir>/<case>/<file name>
"""

from __future__ import annotations

import random
import re
import struct
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter

from orchestration.returns import format as fmt
from orchestration.workbook.reader import MAX_ROWS_PER_SHEET, MAX_UNCOMPRESSED_BYTES
from orchestration.workbook.sheets import normalise_header

REPO = Path(__file__).resolve().parents[3]
REAL_RETURNS = REPO / "raw" / "returns"
COUNCIL = "Midlothian"
SERVICE = "Children's Services"
IND, ACT, RSK, META = fmt.INDICATORS_SHEET, fmt.ACTIONS_SHEET, fmt.RISKS_SHEET, fmt.METADATA_SHEET
YEAR_END = fmt.PERIOD_YEAR_END


def real_return(key: str) -> Path:
    """The real return workbook for a quarter, e.g. ``2019-20-Q2``."""
    return REAL_RETURNS / fmt.file_name(COUNCIL, SERVICE, key)


# --- the expected outcomes ----------------------------------------------------------------


@dataclass(frozen=True)
class Norm:
    """One value an accepted case must load as, in its canonical form.

    ``sheet`` Indicators or Actions: ``key`` is the PI or action code, ``field`` the return's
    column (Value, Numerator, Due Date, ...), ``period`` the row's Period. ``sheet`` Metadata:
    ``key`` is ``council``, ``service`` or ``partition_key`` (``field`` unused).
    """

    sheet: str
    key: str
    field: str
    expected: object
    period: str = fmt.PERIOD_QUARTER


@dataclass(frozen=True)
class Accepted:
    normalisation: str  # what was typed and what it becomes, in words (docs/reliability.md)
    values: tuple[Norm, ...]


@dataclass(frozen=True)
class Rejected:
    message: str  # a fragment of the problem text
    sheet: str | None = None
    row: int | None = None
    column: str | None = None  # a fragment of the column, e.g. "C ('Value')"
    also: tuple[str, ...] = ()  # other problems the same message must list (all at once)


@dataclass(frozen=True)
class Case:
    name: str
    what: str  # what is wrong with the file, in words
    base: str  # the real return it starts from (partition key)
    expect: Accepted | Rejected
    edit: Callable | None = None  # (workbook) -> None: spoil the openpyxl copy
    post: Callable | None = None  # (path) -> None: spoil the saved package
    raw: Callable | None = None  # (path, base path) -> None: write the bytes directly
    file_name: str | None = None  # instead of the default name

    @property
    def accepted(self) -> bool:
        return isinstance(self.expect, Accepted)

    @property
    def service(self) -> str:
        """The service the file is for: the real one, or a corpus service for a rejected case."""
        return SERVICE if self.accepted else "Corpus " + self.name.replace("_", " ")

    @property
    def target_name(self) -> str:
        return self.file_name or fmt.file_name(COUNCIL, self.service, self.base)


# --- spoiling a workbook ------------------------------------------------------------------


def _meta_row(wb, field: str) -> int:
    ws = wb[META]
    for (cell,) in ws.iter_rows(min_col=1, max_col=1):
        if normalise_header(cell.value) == normalise_header(field):
            return cell.row
    raise KeyError(field)


def _row(ws, code: str, period: str = fmt.PERIOD_QUARTER) -> int:
    """The row of a code (column A) and period (column B) on a data sheet."""
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, 1).value == code and (ws.cell(r, 2).value or fmt.PERIOD_QUARTER) == period:
            return r
    raise KeyError((ws.title, code, period))


def _col(ws, header: str) -> int:
    for c in range(1, ws.max_column + 1):
        if ws.cell(1, c).value == header:
            return c
    raise KeyError((ws.title, header))


def meta(field: str, value):
    def edit(wb):
        wb[META].cell(_meta_row(wb, field), 2).value = value

    return edit


def cell(sheet: str, code: str, header: str, value, period=fmt.PERIOD_QUARTER, number_format=None):
    """Set one cell of a data sheet, found by its code, period and column header."""

    def edit(wb):
        ws = wb[sheet]
        c = ws.cell(_row(ws, code, period), _col(ws, header))
        c.value = value
        if number_format:
            c.number_format = number_format
        if isinstance(value, str):
            c.data_type = "s"  # as typed, never a formula

    return edit


def header(sheet: str, old: str, new: str | None):
    """Rename a column header (``new`` None: delete the whole column)."""

    def edit(wb):
        ws = wb[sheet]
        if new is None:
            ws.delete_cols(_col(ws, old))
        else:
            ws.cell(1, _col(ws, old)).value = new

    return edit


def rename_sheet(old: str, new: str):
    def edit(wb):
        ws = wb[old]
        ws.title = "renaming"  # openpyxl would call 'Risks' -> 'RISKS' a clash and add a 1
        ws.title = new

    return edit


def edits(*fns):
    def edit(wb):
        for fn in fns:
            fn(wb)

    return edit


def add_column(sheet: str, at: int | None, title: str, fill: str):
    def edit(wb):
        ws = wb[sheet]
        col = at or ws.max_column + 1
        if at:
            ws.insert_cols(at)
        ws.cell(1, col).value = title
        for r in range(2, ws.max_row + 1):
            ws.cell(r, col).value = fill

    return edit


def reverse_columns(sheet: str):
    def edit(wb):
        ws = wb[sheet]
        cols = [
            [(c.value, c.number_format) for c in col]
            for col in ws.iter_cols(min_row=1, max_row=ws.max_row, max_col=ws.max_column)
        ]
        for i, col in enumerate(reversed(cols), start=1):
            for r, (value, number_format) in enumerate(col, start=1):
                c = ws.cell(r, i)
                c.value, c.number_format = value, number_format

    return edit


def duplicate_row(sheet: str, code: str):
    def edit(wb):
        ws = wb[sheet]
        ws.append([c.value for c in ws[_row(ws, code)]])

    return edit


def merge(sheet: str, ref: str):
    def edit(wb):
        wb[sheet].merge_cells(ref)

    return edit


def title_row_above_headers(wb):
    ws = wb[IND]
    ws.insert_rows(1)
    ws.cell(1, 1).value = "Children's Services performance indicators, Q2 2019/20"


def indicator_rows_deleted(wb):
    ws = wb[IND]
    ws.delete_rows(2, ws.max_row)


def second_indicators_sheet(wb):
    wb.copy_worksheet(wb[IND]).title = "Indicators "  # Excel allows it: the names differ by a space


def extra_sheets(wb):
    wb.create_sheet("Notes").append(["Figures checked by the service manager"])
    lookup = wb.create_sheet("Lookup")
    lookup.append(["PI Code", "Value"])
    lookup.append(["CS.CORP.SICKNESS", 99])
    lookup.sheet_state = "hidden"


def formula(sheet: str, code: str, column: str, text: str, period=fmt.PERIOD_QUARTER):
    """A formula cell: openpyxl writes it without a cached value, as any non-Excel tool does."""

    def edit(wb):
        ws = wb[sheet]
        ws.cell(_row(ws, code, period), _col(ws, column)).value = text

    return edit


# --- spoiling the saved package -----------------------------------------------------------

SHEET_PART = "xl/worksheets/sheet{}.xml"  # openpyxl names worksheet parts by position


def _part(sheet_index: int) -> str:
    return SHEET_PART.format(sheet_index + 1)


def rewrite_part(path: Path, part: str, fn: Callable[[bytes], bytes]) -> None:
    with zipfile.ZipFile(path) as z:
        members = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    assert part in dict(members), (path, part)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, data in members:
            z.writestr(name, fn(data) if name == part else data)


def cached_value(cell_ref: str, cached: str, error: bool = False):
    """Give the formula in ``cell_ref`` (Indicators) the cached value Excel would have saved."""

    def post(path):
        def fn(xml: bytes) -> bytes:
            pattern = rb'<c r="' + cell_ref.encode() + rb'"([^>]*)>(<f>[^<]*</f>)<v\s*/>'
            kind = b' t="e"' if error else b""
            new, n = re.subn(
                pattern,
                rb'<c r="'
                + cell_ref.encode()
                + rb'"\1'
                + kind
                + rb">\2<v>"
                + cached.encode()
                + b"</v>",
                xml,
            )
            assert n == 1, xml[:2000]
            return new

        rewrite_part(path, _part(1), fn)

    return post


def zip_bomb(path: Path) -> None:
    """The Indicators sheet padded to ~60 MB of spaces: it deflates to about 60 KB."""
    padding = b" " * (MAX_UNCOMPRESSED_BYTES + 10 * 1024 * 1024)
    rewrite_part(
        path, _part(1), lambda xml: xml.replace(b"</worksheet>", padding + b"</worksheet>")
    )


def zip_bomb_lying_sizes(path: Path) -> None:
    """As ``zip_bomb``, but the zip headers declare the sheet's original, small size."""
    with zipfile.ZipFile(path) as z:
        small = z.getinfo(_part(1)).file_size
    zip_bomb(path)
    data = bytearray(path.read_bytes())
    name = _part(1).encode()
    with zipfile.ZipFile(path) as z:
        local = z.getinfo(_part(1)).header_offset
    assert data[local : local + 4] == b"PK\x03\x04"
    struct.pack_into("<I", data, local + 22, small)  # local file header: uncompressed size
    end = data.rfind(b"PK\x05\x06")
    pos = struct.unpack_from("<I", data, end + 16)[0]  # start of the central directory
    while data[pos : pos + 4] == b"PK\x01\x02":
        n, m, k = struct.unpack_from("<HHH", data, pos + 28)
        if data[pos + 46 : pos + 46 + n] == name:
            struct.pack_into("<I", data, pos + 24, small)  # central directory: uncompressed size
            break
        pos += 46 + n + m + k
    else:
        raise AssertionError("central directory entry not found")
    path.write_bytes(bytes(data))


def entity_bomb(path: Path) -> None:
    """'Billion laughs': nested XML entities in the Indicators sheet, expanding to ~3 GB."""
    dtd = (
        '<!DOCTYPE worksheet [<!ENTITY e0 "lollollollollollollollollollol">'
        + "".join(f'<!ENTITY e{i} "{f"&e{i - 1};" * 10}">' for i in range(1, 9))
        + "]>"
    )

    def fn(xml: bytes) -> bytes:
        text = xml.decode()
        at = text.index("?>") + 2 if text.startswith("<?xml") else 0
        text = text[:at] + dtd + text[at:]
        return text.replace("<t>CS.CORP.SICKNESS</t>", "<t>&e8;</t>", 1).encode()

    rewrite_part(path, _part(1), fn)


def formatted_empty_rows(count: int):
    """Rows with a styled but empty cell, as Excel saves after formatting whole rows."""

    def post(path):
        def fn(xml: bytes) -> bytes:
            last = max(int(r) for r in re.findall(rb'<row r="(\d+)"', xml))
            rows = "".join(
                f'<row r="{r}"><c r="A{r}" s="1"/></row>' for r in range(last + 1, last + 1 + count)
            )
            return xml.replace(b"</sheetData>", rows.encode() + b"</sheetData>")

        rewrite_part(path, _part(1), fn)

    return post


def very_large_sheet(path: Path) -> None:
    """The Indicators sheet replaced by a header row and more rows than a return may have."""
    rows = MAX_ROWS_PER_SHEET + 50

    def fn(xml: bytes) -> bytes:
        head = "".join(
            f'<c r="{get_column_letter(i + 1)}1" t="inlineStr"><is><t>{h}</t></is></c>'
            for i, h in enumerate(fmt.INDICATORS.headers)
        )
        body = "".join(
            f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>CS.CORP.SICKNESS</t></is></c>'
            f'<c r="C{r}"><v>4.3</v></c></row>'
            for r in range(2, rows + 2)
        )
        data = f'<sheetData><row r="1">{head}</row>{body}</sheetData>'.encode()
        xml = re.sub(
            rb'<dimension ref="[^"]*"\s*/>', f'<dimension ref="A1:H{rows + 1}"/>'.encode(), xml
        )
        return re.sub(rb"<sheetData>.*</sheetData>", lambda _: data, xml, flags=re.S)

    rewrite_part(path, _part(1), fn)


# --- files that are not workbooks ---------------------------------------------------------


def zero_bytes(path: Path, base: Path) -> None:
    path.write_bytes(b"")


def csv_renamed(path: Path, base: Path) -> None:
    path.write_text("PI Code,Period,Value\nCS.CORP.SICKNESS,Quarter,4.30\n", encoding="utf-8")


def ole_container(path: Path, base: Path) -> None:
    """What Excel saves when a workbook has a password: an OLE compound file (CFB), not a zip."""
    header = bytearray(512)
    header[0:8] = bytes.fromhex("D0CF11E0A1B11AE1")  # the CFB signature
    struct.pack_into("<HHHHH", header, 24, 0x003E, 0x0003, 0xFFFE, 0x0009, 0x0006)
    streams = "EncryptionInfo\0EncryptedPackage\0".encode("utf-16-le")
    path.write_bytes(bytes(header) + streams + random.Random(7).randbytes(16 * 1024))


def truncated(path: Path, base: Path) -> None:
    data = base.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def zip_of_csv(path: Path, base: Path) -> None:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("return.csv", "PI Code,Value\nCS.CORP.SICKNESS,4.30\n")


def empty_workbook(path: Path, base: Path) -> None:
    openpyxl.Workbook().save(path)  # one blank sheet called "Sheet"


def blank_sheets(path: Path, base: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = META
    for name in (IND, ACT, RSK):
        wb.create_sheet(name)
    wb.save(path)


# --- the table ----------------------------------------------------------------------------

Q2 = "2019-20-Q2"  # the usual base: 28 indicators, CS.CORP.SICKNESS on row 3
NBSP = "\u00a0"

CASES: list[Case] = [
    # ---- accepted, with a documented normalisation (loaded as resubmissions) ----
    Case(
        "extra_columns",
        "two extra columns, one inserted before Value",
        "2015-16-Q2",
        Accepted(
            "extra columns are ignored; Value is found by its header wherever it is",
            (Norm(IND, "CS.CORP.SICKNESS", "Value", 5.94),),
        ),
        edit=edits(
            add_column(IND, 3, "Manager's comment", "checked"),
            add_column(IND, None, "Checked?", "yes"),
        ),
    ),
    Case(
        "numbers_as_text",
        "'£16.392m', '1.00', '1,234.50' and '1,234' typed as text",
        "2015-16-Q2",
        Accepted(
            "numbers typed as text are read as numbers: '£16.392m' for a £m indicator -> 16.392, "
            "'1.00' -> 1; a comma between groups of three digits is a thousands separator: "
            "'1,234.50' -> 1234.5, '1,234' -> 1234 (and 1234.5 / 1234 = 1.00, the value)",
            (
                Norm(IND, "CS.CORP.BUDGET", "Value", 16.392),
                Norm(IND, "CS.CORP.SICKNESS", "Value", 1.0),
                Norm(IND, "CS.CORP.SICKNESS", "Numerator", 1234.5),
                Norm(IND, "CS.CORP.SICKNESS", "Denominator", 1234.0),
            ),
        ),
        edit=edits(
            cell(IND, "CS.CORP.BUDGET", "Value", "£16.392m"),
            cell(IND, "CS.CORP.SICKNESS", "Value", "1.00"),
            cell(IND, "CS.CORP.SICKNESS", "Numerator", "1,234.50"),
            cell(IND, "CS.CORP.SICKNESS", "Denominator", "1,234"),
        ),
    ),
    Case(
        "columns_reordered",
        "every column of the Indicators sheet in reverse order",
        "2015-16-Q4",
        Accepted(
            "columns are matched by header, in any order",
            (
                Norm(IND, "CS.CORP.SICKNESS", "Value", 12.84, YEAR_END),
                Norm(IND, "CS.CORP.INVOICES", "Value", 96.0, YEAR_END),
            ),
        ),
        edit=reverse_columns(IND),
    ),
    Case(
        "blank_and_formatted_rows",
        "two blank rows between indicators, 25,000 formatted empty rows below",
        "2015-16-Q4",
        Accepted(
            "blank rows are skipped, formatted or not (they do not count towards the row limit)",
            (
                Norm(IND, "CS.CORP.SICKNESS", "Value", 12.84, YEAR_END),
                Norm(IND, "CS.CORP.AUDIT_ACTIONS", "Value", 100.0, YEAR_END),
            ),
        ),
        edit=lambda wb: wb[IND].insert_rows(5, amount=2),
        post=formatted_empty_rows(25_000),
    ),
    Case(
        "percent_as_points",
        "95 typed for a % indicator, General format",
        "2016-17-Q1",
        Accepted(
            "95 in percentage points stays 95", (Norm(IND, "CS.CORP.INVOICES", "Value", 95.0),)
        ),
        edit=cell(IND, "CS.CORP.INVOICES", "Value", 95, number_format="General"),
    ),
    Case(
        "extra_and_hidden_sheets",
        "a 'Notes' sheet and a hidden 'Lookup' sheet",
        "2016-17-Q1",
        Accepted(
            "sheets other than the four are ignored",
            (Norm(IND, "CS.CORP.SICKNESS", "Value", 4.51),),
        ),
        edit=extra_sheets,
    ),
    Case(
        "percent_as_text",
        "the text '97%'",
        "2016-17-Q2",
        Accepted("'97%' -> 97", (Norm(IND, "CS.CORP.INVOICES", "Value", 97.0),)),
        edit=cell(IND, "CS.CORP.INVOICES", "Value", "97%", number_format="General"),
    ),
    Case(
        "dates_as_text",
        "Due Date typed as text in four forms",
        "2016-17-Q2",
        Accepted(
            "'31/03/2017', '31-Mar-2017', '2017-03-31', '31 March 2017' -> 2017-03-31",
            tuple(
                Norm(ACT, code, "Due Date", date(2017, 3, 31))
                for code in ("CS.S.01.01", "CS.S.01.02", "CS.S.02.01", "CS.S.02.02")
            ),
        ),
        edit=edits(
            cell(ACT, "CS.S.01.01", "Due Date", "31/03/2017"),
            cell(ACT, "CS.S.01.02", "Due Date", "31-Mar-2017"),
            cell(ACT, "CS.S.02.01", "Due Date", " 2017-03-31 "),
            cell(ACT, "CS.S.02.02", "Due Date", "31 March 2017"),
        ),
    ),
    Case(
        "percent_cell_format",
        "0.93 in a cell formatted 0.0% (Excel's 93.0%)",
        "2017-18-Q4",
        Accepted(
            "0.93 with a % number format -> 93",
            (Norm(IND, "BS.CSPC.LPI.05", "Value", 93.0, YEAR_END),),
        ),
        edit=cell(IND, "BS.CSPC.LPI.05", "Value", 0.93, YEAR_END, number_format="0.0%"),
    ),
    Case(
        "blank_markers",
        "'n/a' typed as a value",
        "2017-18-Q4",
        Accepted(
            "'n/a', 'N/A', '-', 'dna' -> blank (no value)",
            (Norm(IND, "BS.CSPC.19", "Value", None, YEAR_END),),
        ),
        edit=cell(IND, "BS.CSPC.19", "Value", " n/a ", YEAR_END),
    ),
    Case(
        "percent_as_plain_proportion",
        "0.98 for a % indicator in a General-format cell",
        "2018-19-Q4",
        Accepted(
            "a plain 0.98 for a % indicator is a proportion -> 98 (in staging, where the unit is known)",
            (Norm(IND, "CS.CORP.INVOICES", "Value", 98.0, YEAR_END),),
        ),
        edit=cell(IND, "CS.CORP.INVOICES", "Value", 0.98, YEAR_END, number_format="General"),
    ),
    Case(
        "formula_with_cached_value",
        "=ROUND(932/100,2) with Excel's cached value 9.32",
        "2018-19-Q4",
        Accepted(
            "a formula is read as the value Excel saved with it: 9.32",
            (Norm(IND, "CS.CORP.SICKNESS", "Value", 9.32, YEAR_END),),
        ),
        edit=formula(IND, "CS.CORP.SICKNESS", "Value", "=ROUND(932/100,2)", YEAR_END),
        post=cached_value("C3", "9.32"),
    ),
    Case(
        "percent_below_one_with_sign",
        "'0.5%' typed for a % indicator",
        "2019-20-Q1",
        Accepted(
            "'0.5%' -> 0.5 (the % sign says it is already in points)",
            (Norm(IND, "CS.COMP.S1_PCT_5D", "Value", 0.5),),
        ),
        edit=cell(IND, "CS.COMP.S1_PCT_5D", "Value", "0.5%", number_format="General"),
    ),
    Case(
        "metadata_stray_whitespace",
        "Council ' Midlothian<nbsp>', Quarter ' q1 ', year '2019/20 '",
        "2019-20-Q1",
        Accepted(
            "metadata values trimmed, non-breaking spaces dropped, quarter case ignored",
            (
                Norm(META, "council", "", COUNCIL),
                Norm(META, "partition_key", "", "2019-20-Q1"),
                Norm(IND, "CS.CORP.SICKNESS", "Value", 2.08),
            ),
        ),
        edit=edits(
            meta("Council", f" {COUNCIL}{NBSP}"),
            meta("Quarter", " q1 "),
            meta("Financial year", "2019/20 "),
        ),
    ),
    Case(
        "percent_with_nbsp",
        "'98<nbsp>%' (a non-breaking space before the % sign)",
        "2019-20-Q2",
        Accepted("'98 %' with any space -> 98", (Norm(IND, "CS.CORP.INVOICES", "Value", 98.0),)),
        edit=cell(IND, "CS.CORP.INVOICES", "Value", f"98{NBSP}%", number_format="General"),
    ),
    Case(
        "typographic_apostrophe_in_service",
        "Service typed 'Children’s Services' (curly apostrophe)",
        "2019-20-Q2",
        Accepted(
            "curly quotes in Council and Service -> straight: 'Children's Services'",
            (Norm(META, "service", "", SERVICE), Norm(IND, "CS.CORP.SICKNESS", "Value", 4.3)),
        ),
        edit=meta("Service", "Children\u2019s Services"),
    ),
    Case(
        "invisible_characters_in_codes",
        "PI codes with a trailing nbsp, a zero-width space, a tab",
        "2019-20-Q3",
        Accepted(
            "codes trimmed of spaces, nbsp, zero-width spaces and tabs",
            (
                Norm(IND, "CS.CORP.SICKNESS", "Value", 7.82),
                Norm(IND, "CS.CORP.BUDGET", "Value", 15.423),
                Norm(IND, "CS.CORP.ACTIONS", "Value", 100.0),
            ),
        ),
        edit=edits(
            cell(IND, "CS.CORP.SICKNESS", "PI Code", f"CS.CORP.SICKNESS{NBSP}"),
            cell(IND, "CS.CORP.BUDGET", "PI Code", "\u200bCS.CORP.BUDGET"),
            cell(IND, "CS.CORP.ACTIONS", "PI Code", " CS.CORP.ACTIONS\t"),
        ),
    ),
    Case(
        "sheet_names_case_and_spaces",
        "sheets named 'indicators ' and 'RISKS'",
        "2019-20-Q3",
        Accepted(
            "sheet names matched ignoring case and surrounding spaces",
            (Norm(IND, "CS.CORP.SICKNESS", "Value", 7.82),),
        ),
        edit=edits(rename_sheet(IND, "indicators "), rename_sheet(RSK, "RISKS")),
    ),
    Case(
        "stray_whitespace_in_headers",
        "headers ' pi  code', 'VALUE<nbsp>', 'Numerator:', 'Due<nbsp> Date'",
        "2019-20-Q4",
        Accepted(
            "headers matched ignoring case, repeated/non-breaking spaces and a trailing colon",
            (
                Norm(IND, "CS.CORP.SICKNESS", "Value", 11.02, YEAR_END),
                Norm(IND, "CS.CORP.SICKNESS", "Numerator", 1427.88, YEAR_END),
                Norm(ACT, "xCSPC.P.1.1", "Due Date", date(2020, 3, 31), YEAR_END),
            ),
        ),
        edit=edits(
            header(IND, "PI Code", " pi  code"),
            header(IND, "Value", f"VALUE{NBSP}"),
            header(IND, "Numerator", "Numerator:"),
            header(ACT, "Due Date", f"Due{NBSP} Date"),
        ),
    ),
    Case(
        "period_spellings",
        "Period typed 'year-end' and 'ANNUAL'; Status typed as RAG words 'Green' and ' RED '",
        "2019-20-Q4",
        Accepted(
            "'year-end', 'annual', 'year' -> Year end; blank, 'q', 'quarterly' -> Quarter; the "
            "RAG words are the status's documented aliases: Green -> On Target, Amber -> "
            "Warning, Red -> Off Target (any case, spaces trimmed)",
            (
                Norm(IND, "CS.CORP.SICKNESS", "Value", 11.02, YEAR_END),
                Norm(IND, "CS.CORP.BUDGET", "Value", 15.139, YEAR_END),
                Norm(IND, "CS.CORP.SICKNESS", "Status", "On Target", YEAR_END),
                Norm(IND, "CS.CORP.BUDGET", "Status", "Off Target", YEAR_END),
            ),
        ),
        edit=edits(  # statuses first: the rows are found by their Period
            cell(IND, "CS.CORP.SICKNESS", "Status", "Green", YEAR_END),
            cell(IND, "CS.CORP.BUDGET", "Status", " RED ", YEAR_END),
            cell(IND, "CS.CORP.SICKNESS", "Period", "year-end", YEAR_END),
            cell(IND, "CS.CORP.BUDGET", "Period", "ANNUAL", YEAR_END),
        ),
    ),
    # ---- rejected: sheets and columns ----
    Case(
        "missing_sheet",
        "the Risks sheet deleted",
        Q2,
        Rejected("missing sheet 'Risks'", sheet=RSK),
        edit=lambda wb: wb.remove(wb[RSK]),
    ),
    Case(
        "renamed_column",
        "the Value header renamed 'Result'",
        Q2,
        Rejected(
            "missing column 'Value' in the header row (found: PI Code, Period, Result",
            IND,
            1,
            "Value",
        ),
        edit=header(IND, "Value", "Result"),
    ),
    Case(
        "missing_column",
        "the Note column deleted",
        Q2,
        Rejected("missing column 'Note'", IND, 1, "Note"),
        edit=header(IND, "Note", None),
    ),
    Case(
        "duplicate_column",
        "a second Value column",
        Q2,
        Rejected("column 'Value' appears twice (C and I)", IND, 1, "I ('Value')"),
        edit=add_column(IND, None, "Value", "1"),
    ),
    Case(
        "headers_not_in_row_1",
        "a title row above the headers",
        Q2,
        Rejected(
            "missing column 'PI Code' in the header row (found: Children's Services performance",
            IND,
            1,
            "PI Code",
        ),
        edit=title_row_above_headers,
    ),
    Case(
        "two_indicators_sheets",
        "sheets 'Indicators' and 'Indicators ' (a trailing space)",
        Q2,
        Rejected(
            "2 sheets are named like 'Indicators' (Indicators, Indicators ): keep only one", IND
        ),
        edit=second_indicators_sheet,
    ),
    Case(
        "merged_cells",
        "Value cells of two indicators merged (C3:C4)",
        Q2,
        Rejected("cells C3:C4 are merged", IND, 3, "C ('Value')"),
        edit=merge(IND, "C3:C4"),
    ),
    # ---- rejected: cell contents ----
    Case(
        "text_in_value",
        "'about 4' typed as a value",
        Q2,
        Rejected("expected a number, got 'about 4'", IND, 3, "C ('Value')"),
        edit=cell(IND, "CS.CORP.SICKNESS", "Value", "about 4"),
    ),
    Case(
        "text_in_numerator",
        "'lots' typed as a numerator",
        Q2,
        Rejected("expected a number, got 'lots'", IND, 3, "D ('Numerator')"),
        edit=cell(IND, "CS.CORP.SICKNESS", "Numerator", "lots"),
    ),
    Case(
        "text_in_risk_score",
        "'High' typed as a risk score",
        "2019-20-Q4",
        Rejected("expected a number, got 'High'", RSK, 2, "F ('Current Risk Score')"),
        edit=cell(RSK, "C.RR.01-23", "Current Risk Score", "High", YEAR_END),
    ),
    Case(
        "boolean_in_value",
        "TRUE in a value cell",
        Q2,
        Rejected("expected a number, got True", IND, 3, "C ('Value')"),
        edit=cell(IND, "CS.CORP.SICKNESS", "Value", True),
    ),
    Case(
        "date_in_value",
        "4.30 auto-converted by Excel into a date (30 April)",
        Q2,
        Rejected("expected a number, got a date (2019-04-30)", IND, 3, "C ('Value')"),
        edit=cell(IND, "CS.CORP.SICKNESS", "Value", datetime(2019, 4, 30), number_format="d-mmm"),
    ),
    Case(
        "excel_error_value",
        "a formula whose cached value is #DIV/0!",
        Q2,
        Rejected("expected a number, got the Excel error #DIV/0!", IND, 3, "C ('Value')"),
        edit=formula(IND, "CS.CORP.SICKNESS", "Value", "=D3/E3"),
        post=cached_value("C3", "#DIV/0!", error=True),
    ),
    Case(
        "formula_without_cached_value",
        "=D3/E3 written by a tool that does not calculate",
        Q2,
        Rejected("the cell holds a formula with no saved value", IND, 3, "C ('Value')"),
        edit=formula(IND, "CS.CORP.SICKNESS", "Value", "=D3/E3"),
    ),
    Case(
        "space_inside_code",
        "a non-breaking space inside a PI code",
        Q2,
        Rejected("unknown PI Code 'CS.CORP. SICKNESS'", IND, 3, "A ('PI Code')"),
        edit=cell(IND, "CS.CORP.SICKNESS", "PI Code", f"CS.CORP.{NBSP}SICKNESS"),
    ),
    Case(
        "duplicate_pi_code",
        "CS.CORP.SICKNESS twice",
        Q2,
        Rejected(
            "PI Code 'CS.CORP.SICKNESS' Period 'Quarter' appears twice: rows 3 and 31",
            IND,
            31,
            "A ('PI Code')",
        ),
        edit=duplicate_row(IND, "CS.CORP.SICKNESS"),
    ),
    Case(
        "unknown_pi_code",
        "a PI code misspelt",
        Q2,
        Rejected(
            "unknown PI Code 'CS.CORP.SICKNES': it is not in "
            "the framework in force for 'Midlothian' (95 values); did you mean 'CS.CORP.SICKNESS'?",
            IND,
            3,
            "A ('PI Code')",
        ),
        edit=cell(IND, "CS.CORP.SICKNESS", "PI Code", "CS.CORP.SICKNES"),
    ),
    Case(
        "blank_pi_code",
        "a row with a value but no PI code",
        Q2,
        Rejected("'PI Code' is blank: it is required", IND, 3, "A ('PI Code')"),
        edit=cell(IND, "CS.CORP.SICKNESS", "PI Code", None),
    ),
    Case(
        "year_end_in_q2",
        "a 'Year end' row in a Q2 return",
        Q2,
        Rejected("a 'Year end' value may only be given in a Q4 return", IND, 3, "B ('Period')"),
        edit=cell(IND, "CS.CORP.SICKNESS", "Period", "Year end"),
    ),
    Case(
        "invalid_period",
        "Period 'Monthly'",
        Q2,
        Rejected("expected Period 'Quarter' or 'Year end', got 'Monthly'", IND, 3, "B ('Period')"),
        edit=cell(IND, "CS.CORP.SICKNESS", "Period", "Monthly"),
    ),
    Case(
        "progress_over_100",
        "an action 150% complete",
        "2016-17-Q2",
        Rejected("'Progress %' must be between 0 and 100, got 150", ACT, 2, "F ('Progress %')"),
        edit=cell(ACT, "CS.S.01.01", "Progress %", 1.5),
    ),
    Case(
        "due_date_in_words",
        "Due Date 'end of March'",
        "2016-17-Q2",
        Rejected(
            "expected a date (a date cell, 2020-03-31, 31/03/2020 or 31-Mar-2020), got 'end of March'",
            ACT,
            2,
            "E ('Due Date')",
        ),
        edit=cell(ACT, "CS.S.01.01", "Due Date", "end of March"),
    ),
    Case(
        "due_date_us_order",
        "Due Date '03/31/2017' (month first)",
        "2016-17-Q2",
        Rejected("got '03/31/2017'", ACT, 2, "E ('Due Date')"),
        edit=cell(ACT, "CS.S.01.01", "Due Date", "03/31/2017"),
    ),
    Case(
        "due_date_two_digit_year",
        "Due Date '31/3/17'",
        "2016-17-Q2",
        Rejected("got '31/3/17'", ACT, 2, "E ('Due Date')"),
        edit=cell(ACT, "CS.S.01.01", "Due Date", "31/3/17"),
    ),
    # ---- rejected: periods and names ----
    Case(
        "quarter_q5",
        "Quarter 'Q5' in the metadata",
        Q2,
        Rejected("expected a quarter Q1-Q4, got 'Q5'", META, 5, "B ('Quarter')"),
        edit=meta("Quarter", "Q5"),
    ),
    Case(
        "financial_year_2019_21",
        "Financial year '2019/21'",
        Q2,
        Rejected(
            "expected a financial year like 2019/20, got '2019/21'", META, 4, "B ('Financial year')"
        ),
        edit=meta("Financial year", "2019/21"),
    ),
    Case(
        "quarter_disagrees_with_file_name",
        "metadata Q3 in a file named Q2",
        Q2,
        Rejected("file name says 2019-20 Q2", META, 5, "B ('Quarter')"),
        edit=meta("Quarter", "Q3"),
    ),
    Case(
        "year_disagrees_with_file_name",
        "metadata 2018/19 in a file named 2019-20",
        Q2,
        Rejected("but the metadata sheet says Q2 2018/19", META, 4, "B ('Financial year')"),
        edit=meta("Financial year", "2018/19"),
    ),
    Case(
        "council_disagrees_with_file_name",
        "metadata council East Lothian in a midlothian file",
        Q2,
        Rejected("for 'East Lothian'", META, 2, "B ('Council')"),
        edit=meta("Council", "East Lothian"),
    ),
    Case(
        "metadata_council_blank",
        "the Council value left blank",
        Q2,
        Rejected("metadata field 'Council' is missing or blank", META, 2, "B ('Council')"),
        edit=meta("Council", None),
    ),
    Case(
        "file_name_q5",
        "a file named ...__Q5.xlsx",
        Q2,
        Rejected("file name does not follow <council>__<service>__<YYYY-YY>__Q<n>.xlsx"),
        file_name="midlothian__corpus-file-name-q5__2019-20__Q5.xlsx",
    ),
    # ---- rejected: what a new user's corpus found slipping through (issue 12) ----
    Case(
        "council_misspelt",
        "Council 'Midlothain' in the metadata and the file name (a typo)",
        Q2,
        Rejected(
            "unknown Council 'Midlothain': it is not in the reference list "
            "dbt_project/seeds/councils.csv (32 values); did you mean 'Midlothian'?",
            META,
            2,
            "B ('Council')",
        ),
        edit=meta("Council", "Midlothain"),
        file_name="midlothain__corpus-council-misspelt__2019-20__Q2.xlsx",
    ),
    Case(
        "risk_score_blank",
        "a risk with no Current Risk Score",
        "2019-20-Q4",
        Rejected(
            "'Current Risk Score' is blank: it is required", RSK, 2, "F ('Current Risk Score')"
        ),
        edit=cell(RSK, "C.RR.01-23", "Current Risk Score", None, YEAR_END),
    ),
    Case(
        "risk_score_out_of_range",
        "a risk score of 36 (the matrix is 5 x 5)",
        "2019-20-Q4",
        Rejected(
            "'Current Risk Score' must be between 1 and 25, got 36",
            RSK,
            2,
            "F ('Current Risk Score')",
        ),
        edit=cell(RSK, "C.RR.01-23", "Current Risk Score", 36, YEAR_END),
    ),
    Case(
        "decimal_comma",
        "'25,29' typed for 25.29 (a decimal comma)",
        Q2,
        Rejected("ambiguous number '25,29'", IND, 3, "C ('Value')"),
        edit=cell(IND, "CS.CORP.SICKNESS", "Value", "25,29"),
    ),
    Case(
        "decimal_comma_thousands_point",
        "'1.234,5' (continental separators) as a numerator",
        Q2,
        Rejected("ambiguous number '1.234,5'", IND, 3, "D ('Numerator')"),
        edit=cell(IND, "CS.CORP.SICKNESS", "Numerator", "1.234,5"),
    ),
    Case(
        "status_unknown_word",
        "Status 'Purple'",
        Q2,
        Rejected(
            "'Purple' is not an accepted Status: use one of On Target", IND, 3, "F ('Status')"
        ),
        edit=cell(IND, "CS.CORP.SICKNESS", "Status", "Purple"),
    ),
    Case(
        "action_text_blank",
        "an action whose Action text is blank",
        "2016-17-Q2",
        Rejected("'Action' is blank: it is required", ACT, 2, "D ('Action')"),
        edit=cell(ACT, "CS.S.01.01", "Action", None),
    ),
    Case(
        "browser_second_download",
        "a return saved as '... (1).xlsx', as a browser names a second download",
        "2016-17-Q2",
        Rejected("file name does not follow <council>__<service>__<YYYY-YY>__Q<n>.xlsx"),
        file_name="midlothian__childrens-services__2016-17__Q2 (1).xlsx",
    ),
    Case(
        "several_problems",
        "text in a value, a misspelt PI code and an unknown status in one file",
        Q2,
        Rejected(
            "expected a number, got 'about 4'",
            IND,
            3,
            "C ('Value')",
            also=("unknown PI Code 'CS.CORP.BUDGT'", "'Purple' is not an accepted Status"),
        ),
        edit=edits(
            cell(IND, "CS.CORP.SICKNESS", "Value", "about 4"),
            cell(IND, "CS.CORP.BUDGET", "PI Code", "CS.CORP.BUDGT"),
            cell(IND, "CS.CORP.INVOICES", "Status", "Purple"),
        ),
    ),
    # ---- rejected: empty, not a workbook, hostile packages ----
    Case(
        "empty_workbook",
        "a new blank workbook (one sheet, 'Sheet')",
        Q2,
        Rejected("missing sheet 'Metadata' (found: Sheet)", META),
        raw=empty_workbook,
    ),
    Case(
        "blank_sheets",
        "the four sheets, all empty",
        Q2,
        Rejected("sheet is empty: row 1 must hold the column headers", IND, 1),
        raw=blank_sheets,
    ),
    Case(
        "no_indicator_rows",
        "the header row but no indicators",
        Q2,
        Rejected("no indicator rows", IND, 2, "A ('PI Code')"),
        edit=indicator_rows_deleted,
    ),
    Case(
        "zero_bytes", "an empty file", Q2, Rejected("the file is empty (0 bytes)"), raw=zero_bytes
    ),
    Case(
        "csv_renamed_xlsx",
        "a CSV file named .xlsx",
        Q2,
        Rejected("not an .xlsx workbook"),
        raw=csv_renamed,
    ),
    Case(
        "password_protected",
        "an encrypted workbook (an OLE compound file)",
        Q2,
        Rejected("password-protected (encrypted) workbook or an old .xls"),
        raw=ole_container,
    ),
    Case(
        "truncated_download",
        "the first half of a real return",
        Q2,
        Rejected("not an .xlsx workbook"),
        raw=truncated,
    ),
    Case(
        "zip_not_a_workbook",
        "a zip holding a CSV",
        Q2,
        Rejected("cannot be opened as an .xlsx workbook"),
        raw=zip_of_csv,
    ),
    Case(
        "zip_bomb",
        "a sheet of ~60 MB that compresses to ~60 KB",
        Q2,
        Rejected("byte limit for a return (possible zip bomb)"),
        post=zip_bomb,
    ),
    Case(
        "zip_bomb_lying_sizes",
        "as zip_bomb, with the zip headers declaring the original small size",
        Q2,
        Rejected("is corrupt"),
        post=zip_bomb_lying_sizes,
    ),
    Case(
        "xml_entity_bomb",
        "'billion laughs' nested entities in the shared strings",
        Q2,
        Rejected("declares XML entities (a DTD)"),
        post=entity_bomb,
    ),
    Case(
        "very_large_sheet",
        f"{MAX_ROWS_PER_SHEET + 50:,} indicator rows",
        Q2,
        Rejected(f"more than {MAX_ROWS_PER_SHEET:,} rows", IND, MAX_ROWS_PER_SHEET + 2),
        post=very_large_sheet,
    ),
    # ---- rejected: a value its PI cannot take (issue 26) ----
    Case(
        "percentage_ten_times_out",
        "9.7 typed into a Value cell formatted as a percentage (Excel shows 970%)",
        Q2,
        Rejected(
            "Value 970% for CS.CORP.INVOICES is outside the range its framework allows "
            "(from 0 to 100%",
            IND,
            5,
            "C ('Value')",
        ),
        edit=cell(IND, "CS.CORP.INVOICES", "Value", 9.7, number_format="0%"),
    ),
    Case(
        "value_disagrees_with_feeder_data",
        "45 typed for 4.5 with feeder data 27 / 6",
        Q2,
        Rejected(
            "Value 45 for CS.CORP.SICKNESS disagrees with its feeder data: Numerator 27 / "
            "Denominator 6 = 4.5",
            IND,
            3,
            "C ('Value')",
        ),
        edit=edits(
            cell(IND, "CS.CORP.SICKNESS", "Value", 45),
            cell(IND, "CS.CORP.SICKNESS", "Numerator", 27),
            cell(IND, "CS.CORP.SICKNESS", "Denominator", 6),
        ),
    ),
]


def case(name: str) -> Case:
    return next(c for c in CASES if c.name == name)


def write_case(c: Case, folder: Path) -> Path:
    """Write one case's file into ``folder``; returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / c.target_name
    base = real_return(c.base)
    if c.raw:
        c.raw(path, base)
        return path
    wb = openpyxl.load_workbook(base)
    if not c.accepted:
        meta("Service", c.service)(wb)
    if c.edit:
        c.edit(wb)
    wb.save(path)
    if c.post:
        c.post(path)
    return path


def generate(out_dir: Path | str, cases: list[Case] | None = None) -> dict[str, Path]:
    """Write every case (or ``cases``) to ``<out_dir>/<case name>/<file name>``."""
    out_dir = Path(out_dir)
    return {c.name: write_case(c, out_dir / c.name) for c in cases or CASES}


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tests.support.bad_returns.generate <out_dir>", file=sys.stderr)
        return 2
    written = generate(argv[0])
    for c in CASES:
        outcome = "accepted" if c.accepted else "rejected"
        print(f"{outcome:9} {c.name:36} {written[c.name].relative_to(Path(argv[0]))}")
    accepted = sum(c.accepted for c in CASES)
    print(
        f"{len(CASES)} cases: {accepted} accepted with a normalisation, {len(CASES) - accepted} rejected"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
