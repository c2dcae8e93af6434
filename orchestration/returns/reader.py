"""Read and validate one quarterly return workbook.

``read_return(path)`` either gives back every row of the workbook, typed and normalised, or
raises :class:`ReturnRejected` listing each problem by file, sheet, row and column. Nothing
is written anywhere here: the ingest asset only writes once every file of a partition has
been read cleanly, so a bad file never leaves the warehouse half-loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path

from orchestration.fingerprints import sha256_of
from orchestration.frameworks.in_force import codes_from_folder
from orchestration.periods import FinancialQuarter, parse_fy_label
from orchestration.returns import format as fmt
from orchestration.workbook import rules
from orchestration.workbook.reader import (
    NO_SAVED_VALUE,
    QUOTES,
    Collector,
    WorkbookRejected,
    no_saved_value,
    open_workbook,
    read_sheet,
    sheet_titles,
)
from orchestration.workbook.sheets import normalise_header, slug
from orchestration.workbook.values import clean_text


class ReturnRejected(WorkbookRejected):
    """A return that cannot be loaded. ``problems`` name file, sheet, row and column."""

    kind = "Return"


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


def _read_metadata(wb, title: str, errors: Collector) -> tuple[dict[str, str], dict[str, int]]:
    """The metadata fields (cleaned) and the row each was found on."""
    ws = wb[title]
    wanted = {normalise_header(f): f for f in fmt.METADATA_FIELDS}
    found: dict[str, tuple[int, object]] = {}
    for r, cells in enumerate(ws.iter_rows(min_row=1, max_col=2), start=1):
        if not cells or cells[0].value is None:
            continue
        name = wanted.get(normalise_header(cells[0].value))
        if name:
            cell = cells[1] if len(cells) > 1 else None
            if no_saved_value(cell):
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


def _quarter_from_metadata(meta, rows, path: Path, errors: Collector) -> FinancialQuarter | None:
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
                "Council": m.group("council") == slug(meta["Council"]),
                "Service": m.group("service") == slug(meta["Service"]),
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


def _parse_period(value, add) -> str:
    """The Period column: Quarter (also blank) or Year end."""
    text = clean_text(value).lower()
    if text in ("", "quarter", "q", "quarterly"):
        return fmt.PERIOD_QUARTER
    if text in ("year end", "year-end", "year", "annual", "yearend"):
        return fmt.PERIOD_YEAR_END
    add(f"expected Period 'Quarter' or 'Year end', got {clean_text(value)!r}")
    return fmt.PERIOD_QUARTER


# Column kinds of the return's own format, beside the generic ones of the sheet reader.
KINDS = {"period": _parse_period}


def _check_rows(meta, meta_rows, quarter, sheets, labels, errors: Collector, codes) -> None:
    """Checks across rows and the data rules (:mod:`orchestration.workbook.rules`, the dbt
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
            if rule.test in rules.PER_PI:  # the PIs of the council's framework in force
                council = meta.get(rule.within) or ""
                allowed = codes.get(council, {})
                where = f"the framework in force for {council!r}"
            for rec in records:
                add = partial(errors.add, sheet=sheet, row=rec["row"], column=column)
                rec[rule.field] = rules.check(rule, rec[rule.field], add, allowed, where, rec)


def _add_at_row(errors: Collector, sheet: str, column: str, problem: str, row: int) -> None:
    errors.add(problem, sheet=sheet, row=row, column=column)


RETURN_SHEETS = (fmt.METADATA_SHEET, *(d.name for d in fmt.DATA_SHEETS))


def _read_optional_sheets(wb, merged, errors: Collector) -> dict[str, list[dict]]:
    """Optional sheets (the Narrative) that are present, read like the required ones."""
    out = {}
    for spec in fmt.OPTIONAL_SHEETS:
        like = [t for t in wb.sheetnames if normalise_header(t) == normalise_header(spec.name)]
        if like:
            records, _ = read_sheet(wb, spec, like[0], merged.get(like[0], []), errors, KINDS)
            out[spec.name] = records or []
    return out


def read_return(path: Path | str, sha256: str | None = None, codes=None) -> ParsedReturn:
    """Read one return workbook or raise :class:`ReturnRejected` listing every problem found
    (up to ``MAX_ERRORS``). ``sha256``: the file's hash if the caller has it already.
    ``codes``: council -> {PI code: its limits} of its framework in force (default: the
    framework workbooks in the framework folder)."""
    path = Path(path)
    codes = codes if codes is not None else codes_from_folder()  # once per file, not per rule
    errors = Collector(path, ReturnRejected)
    wb, merged = open_workbook(path, errors)
    errors.raise_if_any()  # nothing more can be read from a file that is not a workbook
    meta, meta_rows, quarter = {f: "" for f in fmt.METADATA_FIELDS}, {}, None
    sheets: dict[str, list[dict]] = {}  # only the sheets whose header row could be read
    labels: dict[str, dict[str, str]] = {}
    try:
        titles = sheet_titles(wb.sheetnames, errors, RETURN_SHEETS)
        if fmt.METADATA_SHEET in titles:
            meta, meta_rows = _read_metadata(wb, titles[fmt.METADATA_SHEET], errors)
            quarter = _quarter_from_metadata(meta, meta_rows, path, errors)
        for spec in fmt.DATA_SHEETS:
            if spec.name in titles:
                title = titles[spec.name]
                records, labels[spec.name] = read_sheet(
                    wb, spec, title, merged.get(title, []), errors, KINDS
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
