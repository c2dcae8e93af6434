"""Read and validate one quarterly return workbook.

``read_return(path)`` either gives back every row of the workbook, typed and normalised, or
raises :class:`ReturnRejected` listing each problem by file, sheet, row and column. Nothing
is written anywhere here: the ingest asset only writes once every file of a partition has
been read cleanly, so a bad file never leaves the warehouse half-loaded.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from pathlib import Path
from xml.etree.ElementTree import fromstring

from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries

from orchestration.partitions import FinancialQuarter, parse_fy_label
from orchestration.returns import format as fmt
from orchestration.returns import rules, xlsx
from orchestration.returns.values import NotANumber, clean_text, parse_number

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


class ReturnRejected(Exception):
    """A return that cannot be loaded. ``problems`` name file, sheet, row and column."""

    def __init__(self, path: Path, problems: list[CellProblem], more: int = 0):
        self.path = path
        self.problems = problems
        self.more = more  # problems found beyond MAX_ERRORS, counted but not listed
        lines = "\n".join(f"  - {p}" for p in problems)
        if more:
            lines += f"\n  - ... and {more} more problem(s) of the same kinds, not listed"
        super().__init__(
            f"Return {path.name} rejected ({len(problems) + more} problem(s)):\n{lines}"
        )


@dataclass
class ParsedReturn:
    path: Path
    sha256: str
    council: str
    service: str
    quarter: FinancialQuarter
    submitted_by: str
    submitted_on: str
    indicators: list[dict] = field(default_factory=list)
    actions: list[dict] = field(default_factory=list)
    risks: list[dict] = field(default_factory=list)
    narrative: list[dict] = field(default_factory=list)

    @property
    def partition_key(self) -> str:
        return self.quarter.key


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class _Collector:
    def __init__(self, path: Path):
        self.path = path
        self.problems: list[CellProblem] = []
        self.more = 0

    def add(self, problem: str, sheet=None, row=None, column=None) -> None:
        if len(self.problems) < MAX_ERRORS:
            self.problems.append(CellProblem(self.path.name, sheet, row, column, problem))
        else:
            self.more += 1

    def raise_if_any(self) -> None:
        if self.problems:
            raise ReturnRejected(self.path, self.problems, self.more)


def _col(index: int, header: str) -> str:
    return f"{get_column_letter(index + 1)} ('{header}')"


CFB_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")  # OLE compound file: .xls, encrypted .xlsx
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*\bref="([^"]+)"')
_PARSED_PARTS = {
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "xl/sharedStrings.xml",
    "xl/styles.xml",
}
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _open(path: Path, errors: _Collector):
    """Open the workbook defensively: an empty file, not a zip, an encrypted workbook, a zip
    bomb, a corrupt package, XML entities or not a workbook are errors.

    Returns ``(workbook, merged)`` where ``merged`` maps sheet names to their merged ranges.
    """
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
    if not zipfile.is_zipfile(path):
        errors.add(
            "not an .xlsx workbook (an .xlsx file is a zip archive; this may be an old .xls, "
            "a password-protected workbook, a CSV or another file renamed to .xlsx)"
        )
        return None, {}
    try:
        with zipfile.ZipFile(path) as z:
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
    z: zipfile.ZipFile, errors: _Collector
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


def _no_saved_value(cell) -> bool:
    """A formula cell without a cached value: its value is unknown, never blank."""
    return cell is not None and getattr(cell, "is_formula", False) and cell.value is None


def _read_metadata(wb, title: str, errors: _Collector) -> tuple[dict[str, str], dict[str, int]]:
    """The metadata fields (cleaned) and the row each was found on."""
    ws = wb[title]
    wanted = {fmt.normalise_header(f): f for f in fmt.METADATA_FIELDS}
    found: dict[str, tuple[int, object]] = {}
    for r, cells in enumerate(ws.iter_rows(min_row=1, max_col=2), start=1):
        if not cells or cells[0].value is None:
            continue
        name = wanted.get(fmt.normalise_header(cells[0].value))
        if name:
            cell = cells[1] if len(cells) > 1 else None
            if _no_saved_value(cell):
                errors.add(NO_SAVED_VALUE, sheet=fmt.METADATA_SHEET, row=r, column=f"B ('{name}')")
            found[name] = (r, cell.value if cell is not None else None)
    meta, rows = {}, {}
    for name in fmt.METADATA_FIELDS:
        rows[name], value = found.get(name, (None, None))
        if isinstance(value, datetime):
            value = value.date().isoformat()
        meta[name] = clean_text(value)
        if name in ("Council", "Service"):
            meta[name] = meta[name].translate(QUOTES)  # Children’s -> Children's: one service
        # Fields the data rules require are reported by their not_null rule (_check_rows).
        if (
            name in fmt.METADATA_REQUIRED
            and name not in rules.required_metadata()
            and not meta[name]
        ):
            errors.add(
                f"metadata field '{name}' is missing or blank (column A names the field, "
                "column B holds its value)",
                sheet=fmt.METADATA_SHEET,
                row=rows[name],
                column=f"B ('{name}')",
            )
    return meta, rows


def _quarter_from_metadata(meta, rows, path: Path, errors: _Collector) -> FinancialQuarter | None:
    def where(field: str) -> dict:
        return {"sheet": fmt.METADATA_SHEET, "row": rows.get(field), "column": f"B ('{field}')"}

    m = fmt.FILE_NAME.match(path.name)
    if not m:
        errors.add(
            "file name does not follow <council>__<service>__<YYYY-YY>__Q<n>.xlsx "
            "(e.g. midlothian__childrens-services__2019-20__Q3.xlsx)"
        )
    if not meta["Financial year"] or not meta["Quarter"]:
        return None
    try:
        start_year = parse_fy_label(meta["Financial year"])
    except ValueError as exc:
        errors.add(str(exc), **where("Financial year"))
        return None
    q = meta["Quarter"].upper().removeprefix("Q").strip()
    if q not in {"1", "2", "3", "4"}:
        errors.add(f"expected a quarter Q1-Q4, got {meta['Quarter']!r}", **where("Quarter"))
        return None
    quarter = FinancialQuarter(start_year, int(q))
    if m and meta["Council"] and meta["Service"]:
        expected = fmt.file_name(meta["Council"], meta["Service"], quarter.key)
        if path.name != expected:
            agrees = {
                "Council": m.group("council") == fmt.slug(meta["Council"]),
                "Service": m.group("service") == fmt.slug(meta["Service"]),
                "Financial year": f"{m.group('fy')}-Q1" == FinancialQuarter(start_year, 1).key,
            }
            field = next((f for f, ok in agrees.items() if not ok), "Quarter")
            errors.add(
                f"file name says {m.group('fy')} Q{m.group('q')} for '{m.group('council')}' / "
                f"'{m.group('service')}' but the metadata sheet says {quarter.label} for "
                f"'{meta['Council']}' / '{meta['Service']}' (expected file name {expected})",
                **where(field),
            )
    return quarter


def _parse_cell(kind: str, cell, sheet: str, r: int, col: str, errors: _Collector):
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
    if kind == "period":
        text = clean_text(value).lower()
        if text in ("", "quarter", "q", "quarterly"):
            return fmt.PERIOD_QUARTER
        if text in ("year end", "year-end", "year", "annual", "yearend"):
            return fmt.PERIOD_YEAR_END
        errors.add(
            f"expected Period 'Quarter' or 'Year end', got {clean_text(value)!r}",
            sheet=sheet,
            row=r,
            column=col,
        )
        return fmt.PERIOD_QUARTER
    raise AssertionError(kind)


def _read_sheet(wb, spec: fmt.SheetSpec, title: str, merged: list[str], errors: _Collector):
    """The sheet's rows as records (None when its header row cannot be read), and each spec
    column's label (``C ('Value')``)."""
    ws = wb[title]
    rows = ws.iter_rows()
    header_cells = next(rows, None)
    if not header_cells:
        errors.add("sheet is empty: row 1 must hold the column headers", sheet=spec.name, row=1)
        return None, {}
    headers = [fmt.normalise_header(c.value) for c in header_cells]
    positions: dict[str, int] = {}
    for i, h in enumerate(headers):
        if not h:
            continue
        match = next((c.header for c in spec.columns if fmt.normalise_header(c.header) == h), None)
        if match is None:
            continue  # extra columns are ignored (documented)
        if match in positions:
            errors.add(
                f"column '{match}' appears twice ({get_column_letter(positions[match] + 1)} and "
                f"{get_column_letter(i + 1)})",
                sheet=spec.name,
                row=1,
                column=_col(i, match),
            )
        positions[match] = i
    labels = {header: _col(i, header) for header, i in positions.items()}
    by_index = {i: header for header, i in positions.items()}
    for ref in merged:
        min_col, min_row, _, _ = range_boundaries(ref)
        header = by_index.get(min_col - 1)
        errors.add(
            f"cells {ref} are merged: a merged range keeps only its first cell's value, so the "
            "other rows would silently lose theirs; unmerge the cells and fill each one",
            sheet=spec.name,
            row=min_row,
            column=labels[header] if header else get_column_letter(min_col),
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
        if all(_blank(c.value) for c in cells) and not any(_no_saved_value(c) for c in cells):
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
            if _no_saved_value(cell):
                errors.add(NO_SAVED_VALUE, sheet=spec.name, row=r, column=col)
            record[header] = _parse_cell(kind, cell, spec.name, r, col, errors)
        out.append(record)
    return out, labels


def _check_rows(meta, meta_rows, quarter, sheets, labels, errors: _Collector, codes=None) -> None:
    """Checks across rows and the data rules (:mod:`orchestration.returns.rules`, the dbt
    tests on the staging models). Canonicalises in place what the rules map (RAG words to
    statuses, other spellings of a council to the LGBF's). ``labels[sheet][header]`` is the
    column's label for messages, e.g. ``A ('PI Code')``."""
    ind = labels.get(fmt.INDICATORS_SHEET, {})
    if sheets.get(fmt.INDICATORS_SHEET) == []:
        errors.add(
            "no indicator rows: a return gives at least one PI Code from row 2 on (loading an "
            "empty return would replace the quarter's values with nothing)",
            sheet=fmt.INDICATORS_SHEET,
            row=2,
            column=ind.get("PI Code", "PI Code"),
        )
    if quarter is not None and quarter.quarter != 4:
        for rec in sheets.get(fmt.INDICATORS_SHEET, []):
            if rec.get("Period") == fmt.PERIOD_YEAR_END:
                errors.add(
                    f"a 'Year end' value may only be given in a Q4 return, this is {quarter.label}",
                    sheet=fmt.INDICATORS_SHEET,
                    row=rec["row"],
                    column=ind.get("Period", "Period"),
                )
    for rule in rules.rules_for(rules.METADATA):
        if rule.field in meta:
            at = {
                "sheet": fmt.METADATA_SHEET,
                "row": meta_rows.get(rule.field),
                "column": f"B ('{rule.field}')",
            }
            meta[rule.field] = rules.check(rule, meta[rule.field], partial(errors.add, **at))
    for sheet, records in sheets.items():
        label = labels.get(sheet, {})
        for rule in rules.rules_for(sheet):
            if rule.test == "unique":
                column = label.get(rule.key[0], rule.key[0])
                rules.check_unique(rule, records, partial(_add_at_row, errors, sheet, column))
                continue
            column = label.get(rule.field, rule.field)
            allowed = where = None
            if rule.test == "relationships_within":  # the PI codes of the council's framework
                from orchestration.frameworks.in_force import codes_from_folder

                council = meta.get(rule.within) or ""
                allowed = (codes if codes is not None else codes_from_folder()).get(council, ())
                where = f"the framework in force for {council!r}"
            for rec in records:
                add = partial(errors.add, sheet=sheet, row=rec["row"], column=column)
                rec[rule.field] = rules.check(rule, rec[rule.field], add, allowed, where)


def _add_at_row(errors: _Collector, sheet: str, column: str, problem: str, row: int) -> None:
    errors.add(problem, sheet=sheet, row=row, column=column)


RETURN_SHEETS = (fmt.METADATA_SHEET, *(d.name for d in fmt.DATA_SHEETS))


def _sheet_titles(
    sheetnames: list[str], errors: _Collector, required: tuple[str, ...] = RETURN_SHEETS
) -> dict[str, str]:
    """The workbook's title for each required sheet, matched ignoring case and extra spaces."""
    titles = {}
    for name in required:
        like = [t for t in sheetnames if fmt.normalise_header(t) == fmt.normalise_header(name)]
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


def _read_optional_sheets(wb, merged, errors: _Collector) -> dict[str, list[dict]]:
    """Optional sheets (the Narrative) that are present, read like the required ones."""
    out = {}
    for spec in fmt.OPTIONAL_SHEETS:
        like = [
            t for t in wb.sheetnames if fmt.normalise_header(t) == fmt.normalise_header(spec.name)
        ]
        if like:
            records, _ = _read_sheet(wb, spec, like[0], merged.get(like[0], []), errors)
            out[spec.name] = records or []
    return out


def read_return(path: Path | str, sha256: str | None = None, codes=None) -> ParsedReturn:
    """Read one return workbook or raise :class:`ReturnRejected` listing every problem found
    (up to ``MAX_ERRORS``). ``sha256``: the file's hash if the caller has it already.
    ``codes``: council -> the PI codes of its framework in force (default: the framework
    workbooks in the framework folder)."""
    path = Path(path)
    errors = _Collector(path)
    wb, merged = _open(path, errors)
    errors.raise_if_any()  # nothing more can be read from a file that is not a workbook
    meta, meta_rows, quarter = {f: "" for f in fmt.METADATA_FIELDS}, {}, None
    sheets: dict[str, list[dict]] = {}  # only the sheets whose header row could be read
    labels: dict[str, dict[str, str]] = {}
    try:
        titles = _sheet_titles(wb.sheetnames, errors)
        if fmt.METADATA_SHEET in titles:
            meta, meta_rows = _read_metadata(wb, titles[fmt.METADATA_SHEET], errors)
            quarter = _quarter_from_metadata(meta, meta_rows, path, errors)
        for spec in fmt.DATA_SHEETS:
            if spec.name in titles:
                title = titles[spec.name]
                records, labels[spec.name] = _read_sheet(
                    wb, spec, title, merged.get(title, []), errors
                )
                if records is not None:
                    sheets[spec.name] = records
        sheets.update(_read_optional_sheets(wb, merged, errors))
        _check_rows(meta, meta_rows, quarter, sheets, labels, errors, codes)
    except Exception as exc:  # a hostile or damaged package must be rejected, never crash the load
        errors.add(f"cannot be read as an .xlsx workbook ({type(exc).__name__}: {exc})")
    errors.raise_if_any()
    return ParsedReturn(
        path=path,
        sha256=sha256 or sha256_of(path),
        council=meta["Council"],
        service=meta["Service"],
        quarter=quarter,
        submitted_by=meta["Submitted by"],
        submitted_on=meta["Submitted on"],
        indicators=sheets[fmt.INDICATORS_SHEET],
        actions=sheets[fmt.ACTIONS_SHEET],
        risks=sheets[fmt.RISKS_SHEET],
        narrative=sheets.get(fmt.NARRATIVE_SHEET, []),
    )


# The framework reader (orchestration/frameworks/reader.py) opens and reads its workbooks with
# the same defensive code: one opener, one sheet reader, one way of naming a cell.
Collector = _Collector
open_workbook = _open
read_sheet = _read_sheet
sheet_titles = _sheet_titles
