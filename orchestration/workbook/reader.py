"""Open and read any of the project's workbooks defensively, naming every problem's cell.

The return reader (:mod:`orchestration.returns.reader`) and the framework reader
(:mod:`orchestration.frameworks.reader`) share this: one opener (empty files, encrypted or old
``.xls`` files, zip and XML bombs and corrupt packages are problems, not crashes), one sheet
reader (headers matched ignoring case and spacing, merged ranges refused, cells typed by their
column's kind) and one way of naming a cell: ``file, sheet 'Indicators', row 7, column C
('Value')``.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from pathlib import Path
from xml.etree.ElementTree import fromstring

from orchestration.workbook import xlsx
from orchestration.workbook.sheets import SheetSpec, normalise_header
from orchestration.workbook.values import NotANumber, clean_text, parse_number

MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024  # a real return is a few hundred KB
MAX_ROWS_PER_SHEET = 20_000
MAX_ERRORS = 50


@dataclass(frozen=True)
class CellProblem:
    file: str
    sheet: str | None
    row: int | None
    column: str | None
    problem: str

    def __str__(self) -> str:
        where = [self.file]
        if self.sheet:
            where.append(f"sheet '{self.sheet}'")
        if self.row:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.problem}"


class WorkbookRejected(Exception):
    """A workbook that cannot be loaded. ``problems`` name file, sheet, row and column."""

    kind = "Workbook"

    def __init__(self, path: Path, problems: list[CellProblem], more: int = 0):
        self.path = path
        self.problems = problems
        self.more = more  # problems found beyond MAX_ERRORS, counted but not listed
        lines = "\n".join(f"  - {p}" for p in problems)
        if more:
            lines += f"\n  - ... and {more} more problem(s) of the same kinds, not listed"
        super().__init__(
            f"{self.kind} {path.name} rejected ({len(problems) + more} problem(s)):\n{lines}"
        )


class Collector:
    """The problems found in one workbook, each naming its sheet, row and column."""

    def __init__(self, path: Path, rejected: type[WorkbookRejected] = None):
        self.path = path
        self.rejected = rejected or WorkbookRejected
        self.problems: list[CellProblem] = []
        self.more = 0

    def add(self, problem: str, sheet=None, row=None, column=None) -> None:
        if len(self.problems) < MAX_ERRORS:
            self.problems.append(CellProblem(self.path.name, sheet, row, column, problem))
        else:
            self.more += 1

    def raise_if_any(self) -> None:
        if self.problems:
            raise self.rejected(self.path, self.problems, self.more)


def _col(index: int, header: str) -> str:
    return f"{xlsx.column_letter(index + 1)} ('{header}')"


CFB_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")  # OLE compound file: .xls, encrypted .xlsx
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*\bref="([^"]+)"')
_PARSED_PARTS = {
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "xl/sharedStrings.xml",
    "xl/styles.xml",
}
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def open_workbook(path: Path, errors: Collector):
    """Open the workbook defensively: an empty file, not a zip, an encrypted workbook, a zip
    bomb, a corrupt package, XML entities or not a workbook are errors.

    Returns ``(workbook, merged)`` where ``merged`` maps sheet names to their merged ranges.
    """
    # A return (a few tens of KB) is read once and unzipped from memory: zipfile's seeks and
    # reads on the file cost 0.15 of a return's 0.35 ms of unzipping (400 synthetic returns);
    # a file larger than any return may expand to is read from disk, never held whole.
    if path.stat().st_size <= MAX_UNCOMPRESSED_BYTES:
        source = io.BytesIO(path.read_bytes())
        head = source.getvalue()[:8]
    else:
        source = path
        with open(path, "rb") as f:
            head = f.read(8)
    if not head:
        errors.add("the file is empty (0 bytes): it was not saved or not copied completely")
        return None, {}
    if head == CFB_SIGNATURE:
        errors.add(
            "a password-protected (encrypted) workbook or an old .xls (an OLE compound file, not "
            "an .xlsx zip archive): remove the password (File > Info > Protect Workbook) and save "
            "it as an Excel Workbook (.xlsx)"
        )
        return None, {}
    if not zipfile.is_zipfile(source):
        errors.add(
            "not an .xlsx workbook (an .xlsx file is a zip archive; this may be an old .xls, "
            "a password-protected workbook, a CSV or another file renamed to .xlsx)"
        )
        return None, {}
    try:
        with zipfile.ZipFile(source) as z:
            total = sum(i.file_size for i in z.infolist())
            if total > MAX_UNCOMPRESSED_BYTES:
                errors.add(
                    f"workbook expands to {total:,} bytes, over the {MAX_UNCOMPRESSED_BYTES:,} "
                    "byte limit for a return (possible zip bomb)"
                )
                return None, {}
            parts, merged = _inspect_parts(z, errors)
        if errors.problems:
            return None, {}
        return xlsx.Workbook(parts), merged
    except Exception as exc:  # a corrupt package can fail in many ways (zip, XML, missing parts)
        errors.add(f"cannot be opened as an .xlsx workbook ({type(exc).__name__}: {exc})")
        return None, {}


def _inspect_parts(
    z: zipfile.ZipFile, errors: Collector
) -> tuple[dict[str, bytes], dict[str, list[str]]]:
    """Read each XML part the reader parses once, within the size limit checked above.

    A part larger than its zip header says fails its CRC (a zip bomb lying about its size); a
    DTD is refused (XML entity bombs: no spreadsheet program writes one); merged ranges are
    collected per sheet name (a merged range silently blanks all but its first cell).

    Returns ``(parts, merged)``: the parts' bytes (the workbook is read from them) and the
    merged ranges by sheet name.
    """
    parts: dict[str, bytes] = {}
    for info in z.infolist():
        if info.filename.startswith("xl/worksheets/") or info.filename in _PARSED_PARTS:
            try:
                parts[info.filename] = data = z.read(info)
            except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
                errors.add(
                    f"the workbook is corrupt ({exc}): save it again from Excel and resubmit"
                )
                return {}, {}
            if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
                errors.add(
                    f"part {info.filename} declares XML entities (a DTD), which spreadsheet "
                    "programs never write: refused as a possible XML bomb"
                )
                return {}, {}
    merges = {
        name: _MERGE.findall(data)
        for name, data in parts.items()
        if name.startswith("xl/worksheets/")
    }
    if not any(merges.values()):
        return parts, {}
    # Map worksheet parts to sheet names (workbook.xml -> relationships), only when needed.
    rels = {}
    for rel in fromstring(parts.get("xl/_rels/workbook.xml.rels", b"<r/>")).iter():
        if rel.get("Id") and rel.get("Target"):
            target = rel.get("Target")
            rels[rel.get("Id")] = (
                target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
            )
    merged = {}
    for sheet in fromstring(parts.get("xl/workbook.xml", b"<w/>")).iter():
        if sheet.tag.endswith("}sheet") and rels.get(sheet.get(_REL_ID)) in merges:
            merged[sheet.get("name")] = [r.decode() for r in merges[rels[sheet.get(_REL_ID)]]]
    return parts, merged


NO_SAVED_VALUE = (
    "the cell holds a formula with no saved value (the workbook was last saved by a program "
    "that does not calculate formulas): open and save it in Excel, or type the value"
)
QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


def _blank(value) -> bool:
    """An empty cell, or text of nothing but spaces (numbers are never blank)."""
    return value is None or (isinstance(value, str) and clean_text(value) == "")


def no_saved_value(cell) -> bool:
    """A formula cell without a cached value: its value is unknown, never blank."""
    return cell is not None and getattr(cell, "is_formula", False) and cell.value is None


def _parse_cell(kind: str, cell, sheet: str, r: int, col: str, errors: Collector, kinds=None):
    value = cell.value if cell is not None else None
    if value is None:  # an empty cell: most of a return's optional cells
        if kind == "text":
            return ""
        if kind in ("number", "percent"):
            return (None, False)
        if kind == "date":
            return None
    if kind == "text":
        if isinstance(value, datetime):
            return value.date().isoformat()
        return clean_text(value)
    if kind in ("number", "percent"):
        percent_fmt = "%" in str(getattr(cell, "number_format", "") or "")
        try:
            parsed = parse_number(value, percent_format=percent_fmt)
        except NotANumber as exc:
            errors.add(str(exc), sheet=sheet, row=r, column=col)
            return (None, False)
        return (parsed.value, parsed.is_percent)
    if kind == "date":
        if value is None or clean_text(value) == "":
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = clean_text(value)
        for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%b-%Y", "%d %b %Y", "%d-%B-%Y", "%d %B %Y"):
            try:
                return datetime.strptime(text.replace("- ", "-"), pattern).date()
            except ValueError:
                continue
        errors.add(
            f"expected a date (a date cell, 2020-03-31, 31/03/2020 or 31-Mar-2020), got {text!r}",
            sheet=sheet,
            row=r,
            column=col,
        )
        return None
    if kinds and kind in kinds:  # a kind of the caller's format (the return's Period)
        return kinds[kind](value, partial(errors.add, sheet=sheet, row=r, column=col))
    raise AssertionError(kind)


def read_sheet(wb, spec: SheetSpec, title: str, merged: list[str], errors: Collector, kinds=None):
    """The sheet's rows as records (None when its header row cannot be read), and each spec
    column's label (``C ('Value')``). ``kinds``: parsers for column kinds of the caller's own
    format, ``kind -> f(value, add_problem)``."""
    ws = wb[title]
    rows = ws.iter_rows()
    header_cells = next(rows, None)
    if not header_cells:
        errors.add("sheet is empty: row 1 must hold the column headers", sheet=spec.name, row=1)
        return None, {}
    headers = [normalise_header(c.value) for c in header_cells]
    wanted = {normalise_header(c.header): c.header for c in spec.columns}
    positions: dict[str, int] = {}
    for i, h in enumerate(headers):
        if not h:
            continue
        match = wanted.get(h)
        if match is None:
            continue  # extra columns are ignored (documented)
        if match in positions:
            errors.add(
                f"column '{match}' appears twice ({xlsx.column_letter(positions[match] + 1)} and "
                f"{xlsx.column_letter(i + 1)})",
                sheet=spec.name,
                row=1,
                column=_col(i, match),
            )
        positions[match] = i
    labels = {header: _col(i, header) for header, i in positions.items()}
    by_index = {i: header for header, i in positions.items()}
    for ref in merged:
        min_col, min_row = xlsx.range_start(ref)
        header = by_index.get(min_col - 1)
        errors.add(
            f"cells {ref} are merged: a merged range keeps only its first cell's value, so the "
            "other rows would silently lose theirs; unmerge the cells and fill each one",
            sheet=spec.name,
            row=min_row,
            column=labels[header] if header else xlsx.column_letter(min_col),
        )
    missing = [c.header for c in spec.columns if c.required and c.header not in positions]
    for header in missing:
        found = (
            ", ".join(clean_text(c.value) for c in header_cells if clean_text(c.value)) or "nothing"
        )
        errors.add(
            f"missing column '{header}' in the header row (found: {found}; expected columns: "
            f"{', '.join(spec.headers)})",
            sheet=spec.name,
            row=1,
            column=header,
        )
    if missing:
        return None, labels

    # Per column, worked out once: (header, kind, index in the row or None, label for errors).
    columns = [
        (c.header, c.kind, positions.get(c.header), labels.get(c.header, c.header))
        for c in spec.columns
    ]
    out = []
    data_rows = 0
    for r, cells in enumerate(rows, start=2):
        if all(_blank(c.value) for c in cells) and not any(no_saved_value(c) for c in cells):
            continue  # blank (even if formatted) rows are skipped
        data_rows += 1
        if data_rows > MAX_ROWS_PER_SHEET:
            errors.add(
                f"more than {MAX_ROWS_PER_SHEET:,} rows: a return has at most {MAX_ROWS_PER_SHEET:,} "
                "rows per sheet (a few hundred is usual); nothing after this row was read",
                sheet=spec.name,
                row=r,
            )
            break
        record: dict = {"sheet": spec.name, "row": r}
        n = len(cells)
        for header, kind, i, col in columns:
            cell = cells[i] if i is not None and i < n else None
            if no_saved_value(cell):
                errors.add(NO_SAVED_VALUE, sheet=spec.name, row=r, column=col)
            record[header] = _parse_cell(kind, cell, spec.name, r, col, errors, kinds)
        out.append(record)
    return out, labels


def sheet_titles(
    sheetnames: list[str], errors: Collector, required: tuple[str, ...]
) -> dict[str, str]:
    """The workbook's title for each required sheet, matched ignoring case and extra spaces."""
    titles = {}
    for name in required:
        like = [t for t in sheetnames if normalise_header(t) == normalise_header(name)]
        if len(like) == 1:
            titles[name] = like[0]
        elif not like:
            errors.add(
                f"missing sheet '{name}' (found: {', '.join(sheetnames) or 'none'})", sheet=name
            )
        else:
            errors.add(
                f"{len(like)} sheets are named like '{name}' ({', '.join(like)}): keep only one",
                sheet=name,
            )
    return titles
