"""Read and validate one council's framework workbook.

``read_framework(path)`` gives back every row of the workbook, typed, or raises
:class:`FrameworkRejected` listing each problem by file, sheet, row and column, exactly as a
rejected return does (the same opener, sheet reader and messages). The rules are the dbt
tests on the ``stg_frameworks__*`` models (:func:`orchestration.workbook.rules.framework_rules`):
accepted words, ranges, keys that must be unique, and references between the sheets (an
indicator's service and group, a target's PI code). A framework is checked whole: one bad
cell rejects it, and the framework loaded before stays in force.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path

from orchestration.fingerprints import sha256_of
from orchestration.frameworks import format as ffmt
from orchestration.periods import parse_fy_label
from orchestration.workbook import rules
from orchestration.workbook.reader import (
    NO_SAVED_VALUE,
    QUOTES,
    Collector,
    WorkbookRejected,
    open_workbook,
    read_sheet,
    sheet_titles,
)
from orchestration.workbook.sheets import normalise_header
from orchestration.workbook.values import clean_text

# Which sheet each framework model's rows come from (for references between sheets).
MODEL_SHEETS = {
    "stg_frameworks__services": ffmt.SERVICES.name,
    "stg_frameworks__groups": ffmt.GROUPS.name,
    "stg_frameworks__indicators": ffmt.INDICATORS.name,
    "stg_frameworks__targets": ffmt.TARGETS.name,
    "stg_frameworks__risk_bands": ffmt.RISK_BANDS.name,
}


class FrameworkRejected(WorkbookRejected):
    """A framework that cannot be loaded. ``problems`` name file, sheet, row and column."""

    kind = "Framework"


@dataclass
class ParsedFramework:
    path: Path
    sha256: str
    council: str
    metadata: dict[str, str]
    sheets: dict[str, list[dict]] = field(default_factory=dict)  # sheet name -> records


def _read_metadata(wb, title: str, errors: Collector) -> tuple[dict[str, str], dict[str, int]]:
    wanted = {normalise_header(f): f for f in ffmt.METADATA_FIELDS}
    meta, rows = dict.fromkeys(ffmt.METADATA_FIELDS, ""), {}
    for r, cells in enumerate(wb[title].iter_rows(min_row=1, max_col=2), start=1):
        if not cells or cells[0].value is None:
            continue
        name = wanted.get(normalise_header(cells[0].value))
        if not name:
            continue
        cell = cells[1] if len(cells) > 1 else None
        if cell is not None and cell.is_formula and cell.value is None:
            errors.add(NO_SAVED_VALUE, sheet=ffmt.METADATA_SHEET, row=r, column=f"B ('{name}')")
        value = cell.value if cell is not None else None
        if isinstance(value, datetime):
            value = value.date().isoformat()
        meta[name], rows[name] = clean_text(value).translate(QUOTES), r
    return meta, rows


def _text(value) -> str:
    value = value[0] if isinstance(value, tuple) else value
    return "" if value is None else str(value)


def _check_financial_years(records: list[dict], label: dict, errors: Collector) -> None:
    for rec in records:
        try:
            parse_fy_label(rec["Financial Year"])
        except ValueError as exc:
            errors.add(
                str(exc),
                sheet=ffmt.TARGETS.name,
                row=rec["row"],
                column=label.get("Financial Year", "Financial Year"),
            )


def _check(meta, meta_rows, sheets, labels, errors: Collector) -> None:
    """The data rules (the dbt tests on the framework staging models), cell by cell."""
    for rule in rules.rules_for(rules.METADATA, rules.FRAMEWORK_MODELS, "framework"):
        at = {
            "sheet": ffmt.METADATA_SHEET,
            "row": meta_rows.get(rule.field),
            "column": f"B ('{rule.field}')",
        }
        meta[rule.field] = rules.check(rule, meta.get(rule.field, ""), partial(errors.add, **at))
    for sheet, records in sheets.items():
        label = labels.get(sheet, {})
        for rule in rules.rules_for(sheet, rules.FRAMEWORK_MODELS, "framework"):
            if rule.test == "unique":
                column = label.get(rule.key[0], rule.key[0])
                rules.check_unique(
                    rule,
                    records,
                    lambda problem, row, column=column, sheet=sheet: errors.add(
                        problem, sheet=sheet, row=row, column=column
                    ),
                )
                continue
            column = label.get(rule.field, rule.field)
            allowed_for = (
                _allowed(rule, meta, sheets) if rule.test == "relationships_within" else None
            )
            for rec in records:
                add = partial(errors.add, sheet=sheet, row=rec["row"], column=column)
                allowed, where = allowed_for(rec) if allowed_for else (None, None)
                value = rec.get(rule.field)
                rec[rule.field] = rules.check(rule, value, add, allowed, where, row=rec)


def _allowed(rule: rules.Rule, meta: dict, sheets: dict):
    """rec -> the values its reference may take, and where they are: the referenced sheet's,
    for the row's council (one per workbook) or, for a group, the row's service. The
    referenced column has the same header on both sheets (Service, Group, PI Code). The sets
    are built once per rule, not per row: per row, 32 frameworks of 400 PIs took 19 s."""
    sheet = MODEL_SHEETS[rule.to_model]
    rows = sheets.get(sheet, [])
    every = {_text(r.get(rule.field)) for r in rows}
    within: dict[str, set[str]] = {}
    for r in rows:
        within.setdefault(_text(r.get(rule.within)), set()).add(_text(r.get(rule.field)))
    council = f"the {sheet} sheet for {meta.get('Council', '')!r}"

    def allowed(rec: dict) -> tuple[set, str]:
        if rule.within in rec:  # e.g. a group within the row's service
            key = _text(rec[rule.within])
            return within.get(key, set()), f"the {sheet} sheet for {rule.within} {key!r}"
        return every, council

    return allowed


def read_framework(path: Path | str, sha256: str | None = None) -> ParsedFramework:
    """Read one framework workbook or raise :class:`FrameworkRejected` listing every problem."""
    path = Path(path)
    errors = Collector(path, FrameworkRejected)
    wb, merged = open_workbook(path, errors)
    if errors.problems:
        raise FrameworkRejected(path, errors.problems, errors.more)
    meta, meta_rows = dict.fromkeys(ffmt.METADATA_FIELDS, ""), {}
    sheets: dict[str, list[dict]] = {}
    labels: dict[str, dict[str, str]] = {}
    try:
        titles = sheet_titles(
            wb.sheetnames, errors, (ffmt.METADATA_SHEET, *(s.name for s in ffmt.DATA_SHEETS))
        )
        if ffmt.METADATA_SHEET in titles:
            meta, meta_rows = _read_metadata(wb, titles[ffmt.METADATA_SHEET], errors)
        for spec in ffmt.DATA_SHEETS:
            if spec.name in titles:
                title = titles[spec.name]
                records, labels[spec.name] = read_sheet(
                    wb, spec, title, merged.get(title, []), errors
                )
                if records is not None:
                    for rec in records:  # Children’s Services is Children's Services
                        for header in ("Service", "Group"):
                            if isinstance(rec.get(header), str):
                                rec[header] = rec[header].translate(QUOTES)
                    sheets[spec.name] = records
        if ffmt.TARGETS.name in sheets:
            _check_financial_years(sheets[ffmt.TARGETS.name], labels[ffmt.TARGETS.name], errors)
        _check(meta, meta_rows, sheets, labels, errors)
        if meta.get("Council") and path.name != ffmt.file_name(meta["Council"]):
            errors.add(
                f"a framework workbook is named for its council: expected "
                f"{ffmt.file_name(meta['Council'])} for {meta['Council']!r}",
                sheet=ffmt.METADATA_SHEET,
                row=meta_rows.get("Council"),
                column="B ('Council')",
            )
    except Exception as exc:  # a damaged package must be rejected, never crash the load
        errors.add(f"cannot be read as an .xlsx workbook ({type(exc).__name__}: {exc})")
    if errors.problems:
        raise FrameworkRejected(path, errors.problems, errors.more)
    return ParsedFramework(
        path=path,
        sha256=sha256 or sha256_of(path),
        council=meta["Council"],
        metadata=meta,
        sheets=sheets,
    )
