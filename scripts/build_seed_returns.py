"""Build the return workbooks in raw/returns/ from the checked-in seed transcription.

The transcription (raw/transcription/*.csv) records every value as printed in the two real
Midlothian Children's Services reports in ../shared/seeds/, with its seed file and line. This
script lays those rows out in the project's return format (docs/return_format.md): one
workbook per council x service x financial quarter; year-end values go in the Q4 workbook
with Period "Year end". The workbooks are what the pipeline reads.

    python scripts/build_seed_returns.py [--out raw/returns]
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import zipfile
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path

import openpyxl
from openpyxl.styles import Font

from orchestration.periods import FinancialQuarter, parse_fy_label
from orchestration.returns import format as fmt
from orchestration.workbook.values import parse_number

REPO = Path(__file__).resolve().parent.parent
TRANSCRIPTION = REPO / "raw" / "transcription"
SEED_TITLES = {
    "001_1ca03212745a48c4.txt": "Children's Services Quarter 2 Performance Report 2016/17",
    "000_09dcfc9c775a2e22.txt": "Children's Services Annual Performance Report 2019/20",
}


def _rows(name: str) -> list[dict]:
    with open(TRANSCRIPTION / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _partition(row: dict) -> FinancialQuarter:
    start = parse_fy_label(row["financial_year"])
    quarter = 4 if row["period_type"] == "year" else int(row["quarter"])
    return FinancialQuarter(start, quarter)


def _period(row: dict) -> str:
    return fmt.PERIOD_YEAR_END if row["period_type"] == "year" else fmt.PERIOD_QUARTER


def _source(row: dict) -> str:
    return f"{row['seed_file']}:{row['seed_line']} ({row['section']})"


def number_cell(ws, r: int, c: int, printed: str) -> None:
    """Write a printed number as Excel would hold it: 98% as 0.98 formatted 0%, £m as £m."""
    parsed = parse_number(printed)
    if parsed.value is None:
        return
    cell = ws.cell(r, c)
    text = printed.strip()
    if parsed.is_percent:
        cell.value = round(parsed.value / 100, 10)
        cell.number_format = "0%" if parsed.value == int(parsed.value) else "0.00%"
    elif text.startswith("£") and text.lower().endswith("m"):
        cell.value = parsed.value
        cell.number_format = '"£"#,##0.000"m"'
    elif text.startswith("£"):
        cell.value = parsed.value
        cell.number_format = '"£"#,##0.00'
    else:
        cell.value = parsed.value
        cell.number_format = "#,##0.00" if "." in text else "#,##0"


def save_reproducibly(wb, path: Path) -> None:
    """Save ``wb`` with every zip entry dated 1 January 2020 and its "modified" property its
    "created" one: openpyxl stamps both with the time of saving, so the same rows would give
    other bytes (and another sha256, which the pipeline reads as a resubmission) at every
    build."""
    buffer = io.BytesIO()
    wb.save(buffer)
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "docProps/core.xml":
                text = data.decode("utf-8")
                created = re.search(r"<dcterms:created[^>]*>([^<]*)<", text).group(1)
                text = re.sub(r"(<dcterms:modified[^>]*>)[^<]*(<)", rf"\g<1>{created}\g<2>", text)
                data = text.encode("utf-8")
            item.date_time = (2020, 1, 1, 0, 0, 0)
            out.writestr(item, data)


def header_sheet(wb, spec: fmt.SheetSpec):
    ws = wb.create_sheet(spec.name)
    ws.append(spec.headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    return ws


def build(out: Path) -> list[Path]:
    groups: dict[tuple, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for sheet, name in (
        ("ind", "indicator_values.csv"),
        ("act", "actions.csv"),
        ("risk", "risks.csv"),
        ("narr", "narrative.csv"),
    ):
        for row in _rows(name):
            groups[(row["council"], row["service"], _partition(row))][sheet].append(row)

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for (council, service, quarter), sheets in sorted(groups.items(), key=lambda kv: kv[0][2]):
        wb = openpyxl.Workbook()
        meta = wb.active
        meta.title = fmt.METADATA_SHEET
        seeds = sorted({r["seed_file"] for rows in sheets.values() for r in rows})
        for field, value in (
            ("Field", "Value"),
            ("Council", council),
            ("Service", service),
            ("Financial year", quarter.financial_year),
            ("Quarter", f"Q{quarter.quarter}"),
            (
                "Submitted by",
                "Transcription of " + "; ".join(f"{SEED_TITLES[s]} ({s})" for s in seeds),
            ),
            ("Submitted on", ""),
        ):
            meta.append([field, value])

        ws = header_sheet(wb, fmt.INDICATORS)
        for r, row in enumerate(sheets["ind"], start=2):
            ws.cell(r, 1, row["indicator_code"])
            ws.cell(r, 2, _period(row))
            number_cell(ws, r, 3, row["value_printed"])
            number_cell(ws, r, 4, row["numerator_printed"])
            number_cell(ws, r, 5, row["denominator_printed"])
            ws.cell(r, 6, row["status_printed"] or None)
            ws.cell(r, 7, row["note"] or None)
            ws.cell(r, 8, _source(row))

        ws = header_sheet(wb, fmt.ACTIONS)
        for r, row in enumerate(sheets["act"], start=2):
            ws.cell(r, 1, row["action_code"])
            ws.cell(r, 2, _period(row))
            ws.cell(r, 3, row["priority"] or None)
            ws.cell(r, 4, row["action"])
            if row["due_date"]:
                ws.cell(r, 5, date.fromisoformat(row["due_date"])).number_format = "dd-mmm-yyyy"
            number_cell(ws, r, 6, row["progress_printed"])
            ws.cell(r, 7, row["status_printed"] or None)
            ws.cell(r, 8, row["comment"] or None)
            ws.cell(r, 9, _source(row))

        ws = header_sheet(wb, fmt.RISKS)
        for r, row in enumerate(sheets["risk"], start=2):
            ws.cell(r, 1, row["risk_code"])
            ws.cell(r, 2, _period(row))
            ws.cell(r, 3, row["title"])
            ws.cell(r, 4, row["identification"] or None)
            ws.cell(r, 5, row["control_measures"] or None)
            number_cell(ws, r, 6, row["risk_score"])
            ws.cell(r, 7, row["latest_note"] or None)
            ws.cell(r, 8, row["related_action"] or None)
            ws.cell(r, 9, _source(row))

        if sheets["narr"]:
            ws = header_sheet(wb, fmt.NARRATIVE)
            for r, row in enumerate(sheets["narr"], start=2):
                ws.cell(r, 1, row["heading"])
                ws.cell(r, 2, _period(row))
                ws.cell(r, 3, row["text"])
                ws.cell(r, 4, f"{row['seed_file']}:{row['seed_line']}")

        # Fixed document dates keep the workbook bytes (and so its sha256) reproducible.
        wb.properties.created = wb.properties.modified = datetime(2020, 1, 1)
        path = out / fmt.file_name(council, service, quarter.key)
        save_reproducibly(wb, path)
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=REPO / "raw" / "returns")
    args = parser.parse_args()
    for path in build(args.out):
        print(path.relative_to(REPO) if path.is_relative_to(REPO) else path)


if __name__ == "__main__":
    main()
