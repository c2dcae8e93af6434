"""Reconcile the generated reports with the seed reports, section by section.

    python -m orchestration.ops.cli reconcile      (or: make reconcile)

Reads the generated Q2 2016/17 and 2019/20 annual reports (Excel, from the output folder)
and the seed transcription (``raw/transcription/``: every printed value, status, note,
action, risk, narrative paragraph and LGBF figure with its seed line) and checks that each
seed row is in the report: values, statuses, notes, order within the section, actions,
risks, narrative and the LGBF table with its "External Comparison" phrases. Prints a
fidelity table (matched / different / missing per section) and every difference with its
documented reason. A difference without one is *unexplained*: the command then fails.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import openpyxl

from orchestration.config import REPO_ROOT
from orchestration.reports.cells import NOT_RANKED, QUARTILE_WORDS, short_year
from orchestration.reports.commentary import officer_note
from orchestration.reports.exceptions_sheet import SHEET as EXCEPTIONS_SHEET
from orchestration.reports.service_report import (
    NO_TARGET,
    UNDOCUMENTED,
    footnote_title,
    report_path,
    status_footnote_reason,
)
from orchestration.workbook.values import parse_number

TRANSCRIPTION = REPO_ROOT / "raw" / "transcription"
CATALOGUE = TRANSCRIPTION / "framework_indicators.csv"  # Midlothian's framework, transcribed
HEADER_ROW = 5  # 1-based, as the report writes it

SEEDS = {
    "001_1ca03212745a48c4.txt": ("Q2 2016/17", "2016-17-Q2", "Q2 2016/17"),
    "000_09dcfc9c775a2e22.txt": ("2019/20 annual", "2019-20", "2019/20"),
}

# Differences accepted by design, each with its documented reason (by section and kind).
EARLIER_YEAR = (
    "the report prints the four most recent years ranked by its date; the seed, compiled "
    "before the release that ranked one more year, printed an earlier four (its ranks for the "
    "years both print agree, and this one is in marts.fct_lgbf_benchmark_history)"
)
NO_RANKS = (
    "no ranked LGBF publication was held on or before the report date: raw/lgbf holds the "
    "seed reports' one-council transcriptions, which are never ranked (ranks come with the "
    "Improvement Service's release, docs/lgbf.md)"
)


@dataclass
class Check:
    seed: str
    section: str
    item: str
    outcome: str  # matched | different | missing
    reason: str | None = None  # documented reason of a difference; None: unexplained

    @property
    def unexplained(self) -> bool:
        return self.outcome != "matched" and not self.reason


def _csv(name: str) -> list[dict]:
    with open(TRANSCRIPTION / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _catalogue() -> dict[str, dict]:
    with open(CATALOGUE, newline="", encoding="utf-8") as f:
        return {r["indicator_code"]: r for r in csv.DictReader(f)}


def _key(book: ReportBook, code: str, ind: dict) -> str:
    """How the report names a PI's row: its code where it prints one, else its title, the
    title of its period (an older one among the catalogue's aliases: Q2 2016/17 prints
    "% of service priorities on target / completed, of the total number") if that is the
    one printed."""
    if code in book.rows:
        return code
    titles = [ind["title"], *(a for a in (ind.get("aliases") or "").split("|") if " " in a)]
    return next((t for t in titles if t in book.rows), ind["title"])


class ReportBook:
    """The generated report, indexed: each sheet's headers and its rows by code or title."""

    def __init__(self, path: Path):
        self.wb = openpyxl.load_workbook(path, read_only=False)
        self.rows: dict[str, tuple[str, int]] = {}
        self.headers: dict[str, dict[str, int]] = {}
        for ws in self.wb.worksheets:
            if ws.title == EXCEPTIONS_SHEET:
                continue  # it names PIs again: their rows are on the section sheets
            self.headers[ws.title] = {
                str(ws.cell(HEADER_ROW, c).value): c
                for c in range(1, ws.max_column + 1)
                if ws.cell(HEADER_ROW, c).value is not None
            }
            for r in range(HEADER_ROW + 1, ws.max_row + 1):
                for c in (1, 2):
                    value = ws.cell(r, c).value
                    if isinstance(value, str) and (ws.title, value) not in self.rows:
                        self.rows.setdefault(value, (ws.title, r))

    def cell(self, key: str, header: str):
        where = self.rows.get(key)
        if where is None:
            return None, None
        sheet, row = where
        column = self.headers[sheet].get(header)
        if column is None:
            return sheet, None
        return sheet, self.wb[sheet].cell(row, column)

    def column_a(self, sheet: str) -> list:
        if sheet not in self.wb.sheetnames:
            return []
        ws = self.wb[sheet]
        return [ws.cell(r, 1).value for r in range(1, ws.max_row + 1)]

    def footnotes(self, sheet: str) -> list[str]:
        """The sheet's status footnotes (those that give a reason)."""
        return [v for v in self.column_a(sheet) if isinstance(v, str) and status_footnote_reason(v)]


def _expected_number(printed: str, unit: str) -> float | None:
    parsed = parse_number(printed)
    if parsed.value is None:
        return None
    return parsed.value / 100 if unit == "%" else parsed.value


def _close(a, b) -> bool:
    return isinstance(a, int | float) and abs(a - b) <= max(0.0051, abs(b) * 1e-6)


def _indicator_checks(seed: str, book: ReportBook, period_label: str) -> list[Check]:
    catalogue = _catalogue()
    checks = []
    rows = [r for r in _csv("indicator_values.csv") if r["seed_file"] == seed]
    for r in rows:
        code = r["indicator_code"]
        ind = catalogue[code]
        key = _key(book, code, ind)
        label = (
            r["financial_year"]
            if r["period_type"] == "year"
            else (f"Q{r['quarter']} {r['financial_year']}")
        )
        item = f"{code} {label} (l.{r['seed_line']})"
        sheet, cell = book.cell(key, label)
        if cell is None:
            checks.append(Check(seed, "PI values", item, "missing"))
            continue
        if r["value_printed"] == "N/A":
            ok = cell.value == "N/A"
        else:
            ok = _close(cell.value, _expected_number(r["value_printed"], ind["unit"]))
        checks.append(Check(seed, "PI values", item, "matched" if ok else "different"))
        if label != period_label:
            continue
        if r["status_printed"]:
            checks.append(_status_check(seed, book, key, ind, r, item))
        if r["note"]:
            _, note = book.cell(key, "Note")
            same = note is not None and officer_note(note.value) == r["note"]
            checks.append(Check(seed, "Notes", item, "matched" if same else "different"))
    checks += _order_checks(seed, book, rows, catalogue)
    return checks


def _status_check(seed, book: ReportBook, key, ind, r, item) -> Check:
    printed = r["status_printed"]
    sheet, cell = book.cell(key, "Status")
    text = str(cell.value or "") if cell is not None else ""
    if text == printed:
        return Check(seed, "Statuses", item, "matched")
    if f"reported: {printed}" in text:
        title = ind["title"] if key == ind["indicator_code"] else key  # the title printed
        opens = f"{footnote_title(title)}: "
        note = next((f for f in book.footnotes(sheet) if opens in f), "")
        reason = status_footnote_reason(note) if note else None
        if reason == UNDOCUMENTED:
            reason = None
        shown = text.split(" ", 2)[:2]
        return Check(
            seed,
            "Statuses",
            f"{item}: computed {' '.join(shown)}, printed {printed}",
            "different",
            reason and f"shown both, footnoted: {reason}",
        )
    return Check(seed, "Statuses", f"{item}: report shows {text!r}", "different")


def _order_checks(seed, book: ReportBook, rows, catalogue) -> list[Check]:
    """Within each report section, the seed's PIs come in the seed's order."""
    first_line: dict[str, int] = {}
    for r in rows:
        line = int(r["seed_line"].split("-")[0])
        first_line[r["indicator_code"]] = min(line, first_line.get(r["indicator_code"], line))
    by_sheet = defaultdict(list)
    for code, line in first_line.items():
        key = _key(book, code, catalogue[code])
        if key in book.rows:
            sheet, row = book.rows[key]
            by_sheet[sheet].append((line, row, code))
    checks = []
    for sheet, items in by_sheet.items():
        items.sort()
        in_order = [row for _, row, _ in items] == sorted(row for _, row, _ in items)
        checks.append(
            Check(
                seed,
                "Order",
                f"{sheet}: {len(items)} PIs",
                "matched" if in_order else "different",
            )
        )
    # Across the report: each seed section's PIs print where the seed prints that section
    # (the Q2 2016/17 complaints open its PI summary; the 2019/20 ones follow it).
    sheets = book.wb.sheetnames
    placed = sorted(
        (line, sheets.index(sheet), row)
        for sheet, items in by_sheet.items()
        for line, row, _ in items
    )
    out_of_place = {
        frozenset((sheets[a[1]], sheets[b[1]]))
        for a, b in zip(placed, placed[1:], strict=False)
        if b[1:] < a[1:]
    }
    order = " > ".join(dict.fromkeys(sheets[i] for _, i, _ in placed))
    # (the report prints the sheets' tables as each seed does: reference.report_titles)
    checks.append(
        Check(
            seed,
            "Order",
            f"sections placed as in the seed: {order}",
            "different" if out_of_place else "matched",
        )
    )
    return checks


def _action_checks(seed: str, book: ReportBook) -> list[Check]:
    checks = []
    for r in (r for r in _csv("actions.csv") if r["seed_file"] == seed):
        item = f"{r['action_code']} (l.{r['seed_line']})"
        _, progress = book.cell(r["action_code"], "Progress")
        _, comment = book.cell(r["action_code"], "Comment & Planned Improvement Action")
        if progress is None:
            checks.append(Check(seed, "Actions", item, "missing"))
            continue
        ok = _close(progress.value, parse_number(r["progress_printed"]).value / 100) and (
            comment.value == r["comment"]
        )
        checks.append(Check(seed, "Actions", item, "matched" if ok else "different"))
    return checks


def _risk_checks(seed: str, book: ReportBook) -> list[Check]:
    checks = []
    risks = [r for r in _csv("risks.csv") if r["seed_file"] == seed]
    column_a = book.column_a("Risks")
    if not risks:
        seen = "No risks reported this period." in column_a
        return [Check(seed, "Risks", "none printed", "matched" if seen else "different")]
    headers = book.headers.get("Risks", {})
    ws = book.wb["Risks"]
    for r in risks:
        item = f"{r['risk_code']} (l.{r['seed_line']})"
        row = next(
            (i for i, v in enumerate(column_a, 1) if str(v).startswith(r["risk_code"] + " ")),
            None,
        )
        if row is None:
            checks.append(Check(seed, "Risks", item, "missing"))
            continue
        got = {h: ws.cell(row, c).value for h, c in headers.items()}
        ok = (
            got.get("Risk Score") == float(r["risk_score"])
            and (got.get("Related Action") or "") == r["related_action"]
            and (got.get("Related action latest note") or "") == r["latest_note"]
            and (got.get("Risk Identification") or "") == r["identification"]
        )
        checks.append(Check(seed, "Risks", item, "matched" if ok else "different"))
    return checks


def _narrative_checks(seed: str, book: ReportBook) -> list[Check]:
    column_a = book.column_a("Report")
    checks, last = [], -1
    for r in (r for r in _csv("narrative.csv") if r["seed_file"] == seed):
        item = f"{r['heading']} (l.{r['seed_line']})"
        at = column_a.index(r["text"]) if r["text"] in column_a else None
        if at is None:
            checks.append(Check(seed, "Narrative", item, "missing"))
        else:
            checks.append(Check(seed, "Narrative", item, "matched" if at > last else "different"))
            last = at
    return checks


def _lgbf_checks(seed: str, book: ReportBook) -> list[Check]:
    catalogue = _catalogue()
    checks = []
    for r in (r for r in _csv("lgbf_published.csv") if r["seed_file"] == seed):
        item = f"{r['lgbf_code']} {r['financial_year']} (l.{r['seed_line']})"
        _, cell = book.cell(r["lgbf_code"], r["financial_year"])
        if cell is None:
            checks.append(Check(seed, "LGBF values", item, "missing"))
            continue
        unit = catalogue[r["lgbf_code"]]["unit"]
        ok = _close(cell.value, _expected_number(r["value_printed"], unit))
        checks.append(Check(seed, "LGBF values", item, "matched" if ok else "different"))
    for r in (r for r in _csv("lgbf_external_comparison.csv") if r["seed_file"] == seed):
        item = f"{r['lgbf_code']} '{r['text_printed']}' (l.{r['seed_line']})"
        _, cell = book.cell(r["lgbf_code"], "External Comparison")
        text = (cell.value or "") if cell is not None else ""
        phrase = text_phrase(r)
        year_printed = phrase.split(" Rank ")[0] + " Rank " in text
        if phrase in text:
            checks.append(Check(seed, "External Comparison", item, "matched"))
        elif not text or text == NOT_RANKED:
            checks.append(Check(seed, "External Comparison", item, "missing", NO_RANKS))
        elif not year_printed:
            checks.append(Check(seed, "External Comparison", item, "missing", EARLIER_YEAR))
        else:
            checks.append(Check(seed, "External Comparison", item, "different"))
    return checks


def text_phrase(r: dict) -> str:
    """The phrase in the reports' wording with the quartile word normalised (TOP -> Top)."""
    quartile = QUARTILE_WORDS[int(r["quartile"])]
    return f"{short_year(r['financial_year'])} Rank {r['rank']} ({quartile} Quartile)"


def reconcile(out_dir: Path, council: str = "Midlothian", service: str = "Children's Services"):
    """Every check for both seed reports; raises FileNotFoundError if a report is missing."""
    checks: list[Check] = []
    for seed, (_name, period_key, period_label) in SEEDS.items():
        path = report_path(out_dir, council, service, period_key)
        if not path.exists():
            raise FileNotFoundError(f"{path} is missing: run `make run` first")
        book = ReportBook(path)
        checks += _narrative_checks(seed, book)
        checks += _indicator_checks(seed, book, period_label)
        checks += _action_checks(seed, book)
        checks += _risk_checks(seed, book)
        checks += _lgbf_checks(seed, book)
    return checks


def fidelity_table(checks: list[Check]) -> str:
    """The fidelity table (markdown) and the list of differences with their reasons."""
    lines = [
        "| report | section | matched | different | missing | unexplained |",
        "|---|---|---:|---:|---:|---:|",
    ]
    counts = Counter((c.seed, c.section, c.outcome) for c in checks)
    unexplained = Counter((c.seed, c.section) for c in checks if c.unexplained)
    sections = list(dict.fromkeys((c.seed, c.section) for c in checks))
    for seed, section in sections:
        lines.append(
            f"| {SEEDS[seed][0]} | {section} | {counts[(seed, section, 'matched')]} | "
            f"{counts[(seed, section, 'different')]} | {counts[(seed, section, 'missing')]} | "
            f"{unexplained[(seed, section)]} |"
        )
    lines.append("")
    reasons = Counter(
        (SEEDS[c.seed][0], c.section, c.reason)
        for c in checks
        if c.outcome != "matched" and c.reason
    )
    if reasons:
        lines.append("Accepted differences (documented reasons):")
        for (report, section, reason), n in reasons.items():
            lines.append(f"- {report} / {section} ({n}): {reason}")
    bad = [c for c in checks if c.unexplained]
    if bad:
        lines.append("")
        lines.append("UNEXPLAINED differences:")
        lines += [f"- {SEEDS[c.seed][0]} / {c.section}: {c.item} ({c.outcome})" for c in bad]
    return "\n".join(lines)


__all__ = ["Check", "NO_TARGET", "fidelity_table", "reconcile"]
