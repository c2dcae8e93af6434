"""Read and validate one quarterly return workbook.

``read_return(path)`` either gives back every row of the workbook, typed and normalised, or
raises :class:`ReturnRejected` listing each problem by file, sheet, row and column. Nothing
is written anywhere here: the ingest asset only writes once every file of a partition has
been read cleanly, so a bad file never leaves the warehouse half-loaded.
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from openpyxl.utils import get_column_letter

from orchestration.partitions import FinancialQuarter, parse_fy_label
from orchestration.returns import format as fmt
from orchestration.returns import xlsx
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

    def __init__(self, path: Path, problems: list[CellProblem]):
        self.path = path
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"Return {path.name} rejected ({len(problems)} problem(s)):\n{lines}")


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

    def add(self, problem: str, sheet=None, row=None, column=None) -> None:
        if len(self.problems) < MAX_ERRORS:
            self.problems.append(CellProblem(self.path.name, sheet, row, column, problem))

    def raise_if_any(self) -> None:
        if self.problems:
            raise ReturnRejected(self.path, self.problems)


def _col(index: int, header: str) -> str:
    return f"{get_column_letter(index + 1)} ('{header}')"


def _open(path: Path, errors: _Collector):
    """Open the workbook defensively: not a zip, a zip bomb, or not a workbook are errors."""
    if not zipfile.is_zipfile(path):
        errors.add(
            "not an .xlsx workbook (an .xlsx file is a zip archive; this may be an old .xls, "
            "a password-protected workbook, a CSV or another file renamed to .xlsx)"
        )
        return None
    try:
        with zipfile.ZipFile(path) as z:
            total = sum(i.file_size for i in z.infolist())
            if total > MAX_UNCOMPRESSED_BYTES:
                errors.add(
                    f"workbook expands to {total:,} bytes, over the {MAX_UNCOMPRESSED_BYTES:,} "
                    "byte limit for a return (possible zip bomb)"
                )
                return None
        return xlsx.load_workbook(path)
    except Exception as exc:  # a corrupt package can fail in many ways (zip, XML, missing parts)
        errors.add(f"cannot be opened as an .xlsx workbook ({type(exc).__name__}: {exc})")
        return None


def _read_metadata(wb, errors: _Collector) -> dict[str, str]:
    ws = wb[fmt.METADATA_SHEET]
    wanted = {fmt.normalise_header(f): f for f in fmt.METADATA_FIELDS}
    found: dict[str, object] = {}
    for row in ws.iter_rows(min_row=1, max_col=2, values_only=True):
        if not row or row[0] is None:
            continue
        name = wanted.get(fmt.normalise_header(row[0]))
        if name:
            found[name] = row[1] if len(row) > 1 else None
    meta = {}
    for name in fmt.METADATA_FIELDS:
        value = found.get(name)
        if isinstance(value, datetime):
            value = value.date().isoformat()
        meta[name] = clean_text(value)
        if name in fmt.METADATA_REQUIRED and not meta[name]:
            errors.add(
                f"metadata field '{name}' is missing or blank (column A names the field, "
                "column B holds its value)",
                sheet=fmt.METADATA_SHEET,
                column="B",
            )
    return meta


def _quarter_from_metadata(meta, path: Path, errors: _Collector) -> FinancialQuarter | None:
    if not meta["Financial year"] or not meta["Quarter"]:
        return None
    try:
        start_year = parse_fy_label(meta["Financial year"])
    except ValueError as exc:
        errors.add(str(exc), sheet=fmt.METADATA_SHEET, column="B ('Financial year')")
        return None
    q = meta["Quarter"].upper().removeprefix("Q").strip()
    if q not in {"1", "2", "3", "4"}:
        errors.add(
            f"expected a quarter Q1-Q4, got {meta['Quarter']!r}",
            sheet=fmt.METADATA_SHEET,
            column="B ('Quarter')",
        )
        return None
    quarter = FinancialQuarter(start_year, int(q))
    m = fmt.FILE_NAME.match(path.name)
    if m:
        expected = fmt.file_name(meta["Council"], meta["Service"], quarter.key)
        if path.name != expected:
            errors.add(
                f"file name says {m.group('fy')} Q{m.group('q')} for '{m.group('council')}' / "
                f"'{m.group('service')}' but the metadata sheet says {quarter.label} for "
                f"'{meta['Council']}' / '{meta['Service']}' (expected file name {expected})",
                sheet=fmt.METADATA_SHEET,
            )
    return quarter


def _parse_cell(kind: str, cell, sheet: str, r: int, col: str, errors: _Collector):
    value = cell.value if cell is not None else None
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


def _read_sheet(wb, spec: fmt.SheetSpec, errors: _Collector) -> list[dict]:
    ws = wb[spec.name]
    rows = ws.iter_rows()
    header_cells = next(rows, None)
    if header_cells is None:
        errors.add("sheet is empty: row 1 must hold the column headers", sheet=spec.name, row=1)
        return []
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
            )
        positions[match] = i
    missing = [c.header for c in spec.columns if c.required and c.header not in positions]
    for header in missing:
        errors.add(
            f"missing column '{header}' in the header row (expected columns: "
            f"{', '.join(spec.headers)})",
            sheet=spec.name,
            row=1,
            column=header,
        )
    if missing:
        return []

    out = []
    for r, cells in enumerate(rows, start=2):
        if r > MAX_ROWS_PER_SHEET + 1:
            errors.add(f"more than {MAX_ROWS_PER_SHEET:,} rows", sheet=spec.name, row=r)
            break
        if all(c.value is None or clean_text(c.value) == "" for c in cells):
            continue
        record: dict = {"sheet": spec.name, "row": r}
        for column in spec.columns:
            i = positions.get(column.header)
            cell = cells[i] if i is not None and i < len(cells) else None
            col = _col(i, column.header) if i is not None else column.header
            record[column.header] = _parse_cell(column.kind, cell, spec.name, r, col, errors)
        if not record[spec.key]:
            errors.add(
                f"'{spec.key}' is blank but the row has data",
                sheet=spec.name,
                row=r,
                column=_col(positions[spec.key], spec.key),
            )
            continue
        out.append(record)
    return out


def _check_rows(parsed: ParsedReturn, known_codes, errors: _Collector) -> None:
    seen: dict[tuple, int] = {}
    for rec in parsed.indicators:
        code = rec["PI Code"]
        if rec.get("Period") == fmt.PERIOD_YEAR_END and parsed.quarter.quarter != 4:
            errors.add(
                f"a 'Year end' value may only be given in a Q4 return, this is {parsed.quarter.label}",
                sheet=fmt.INDICATORS_SHEET,
                row=rec["row"],
                column="Period",
            )
        if known_codes is not None and code not in known_codes:
            errors.add(
                f"unknown PI code {code!r}: add it to the indicator catalogue "
                "(dbt_project/seeds/indicator_catalogue.csv) first",
                sheet=fmt.INDICATORS_SHEET,
                row=rec["row"],
                column="PI Code",
            )
        key = (code, rec.get("Period"))
        if key in seen:
            errors.add(
                f"PI code {code!r} ({rec.get('Period')}) appears twice: rows {seen[key]} and {rec['row']}",
                sheet=fmt.INDICATORS_SHEET,
                row=rec["row"],
                column="PI Code",
            )
        seen[key] = rec["row"]
    for spec, records in ((fmt.ACTIONS, parsed.actions), (fmt.RISKS, parsed.risks)):
        seen = {}
        for rec in records:
            key = (rec[spec.key], rec.get("Period"))
            if key in seen:
                errors.add(
                    f"code {rec[spec.key]!r} appears twice: rows {seen[key]} and {rec['row']}",
                    sheet=spec.name,
                    row=rec["row"],
                    column=spec.key,
                )
            seen[key] = rec["row"]
    for rec in parsed.actions:
        progress = rec["Progress %"][0]
        if progress is not None and not 0 <= progress <= 100:
            errors.add(
                f"progress must be between 0% and 100%, got {progress:g}",
                sheet=fmt.ACTIONS_SHEET,
                row=rec["row"],
                column="Progress %",
            )


def read_return(path: Path | str, known_codes: set[str] | None = None) -> ParsedReturn:
    """Read one return workbook or raise :class:`ReturnRejected`."""
    path = Path(path)
    errors = _Collector(path)
    wb = _open(path, errors)
    errors.raise_if_any()
    try:
        missing = [
            s for s in (fmt.METADATA_SHEET, *(d.name for d in fmt.DATA_SHEETS)) if s not in wb.sheetnames
        ]
        for sheet in missing:
            errors.add(
                f"missing sheet '{sheet}' (found: {', '.join(wb.sheetnames) or 'none'})", sheet=sheet
            )
        errors.raise_if_any()
        meta = _read_metadata(wb, errors)
        quarter = _quarter_from_metadata(meta, path, errors)
        sheets = {spec.name: _read_sheet(wb, spec, errors) for spec in fmt.DATA_SHEETS}
    finally:
        wb.close()
    errors.raise_if_any()
    parsed = ParsedReturn(
        path=path,
        sha256=sha256_of(path),
        council=meta["Council"],
        service=meta["Service"],
        quarter=quarter,
        submitted_by=meta["Submitted by"],
        submitted_on=meta["Submitted on"],
        indicators=sheets[fmt.INDICATORS_SHEET],
        actions=sheets[fmt.ACTIONS_SHEET],
        risks=sheets[fmt.RISKS_SHEET],
    )
    _check_rows(parsed, known_codes, errors)
    errors.raise_if_any()
    return parsed
