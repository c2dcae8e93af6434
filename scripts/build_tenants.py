"""Build the framework workbook and the return of each other council's published PIs.

``raw/transcription/tenants/tenants.csv`` lists each transcription (one per council and
service) with what applies to all its rows: the council, service and group, the year and
quarter the figures are for, the council's published amber rule, and the page's title and
URL. Each transcription (``raw/transcription/tenants/<name>.csv``) holds the page's table as
printed, a row per PI, with the file and line it was copied from. Values, targets and printed
statuses are the page's; ``TBC`` and ``N/A`` stay missing (no value, no target, no status).
What the page does not give is ours, and every row's Source says so: the PI codes (assigned
in the page's order), the unit (as printed: ``%`` where the value carries one) and the gauge
(which way is better, as the printed status and the title imply); Decimals are the places
the page prints the PI's figures with.

The framework uses only what the council publishes (docs/framework_format.md): no Section,
no Print Order, no settings beyond the amber rule; the report prints its defaults. The year's
figures go in the Q4 return as "Year end" values.

    python scripts/build_tenants.py [--frameworks raw/frameworks] [--returns raw/returns]
"""

from __future__ import annotations

import argparse
import csv
from datetime import datetime
from pathlib import Path

import openpyxl

from orchestration.frameworks import format as ffmt
from orchestration.frameworks.writer import write_framework
from orchestration.periods import parse_fy_label
from orchestration.returns import format as fmt
from orchestration.workbook.values import parse_number
from scripts.build_seed_returns import header_sheet, number_cell, save_reproducibly

REPO = Path(__file__).resolve().parent.parent
TENANTS = REPO / "raw" / "transcription" / "tenants"
MISSING = {"TBC", "N/A", ""}  # printed for no figure: left blank


def _rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _source(tenant: dict, row: dict) -> str:
    return f"{row['source_file']}:{row['source_line']} ({tenant['source_url']})"


def _printed(text: str) -> str | None:
    return None if text.strip() in MISSING else text.strip()


def decimals_printed(*printed: str) -> int:
    """The decimal places the page prints a PI's figures with (87.1% -> 1; 88 -> 0)."""
    places = [len(t.strip().rstrip("%").split(".")[1]) for t in printed if "." in t]
    return max(places, default=0)


def framework_sheets(tenant: dict, rows: list[dict]) -> dict[str, list[dict]]:
    """The framework's sheets: the service, its one group, a PI per row, a target per row."""
    fy = tenant["financial_year"]
    assigned = (
        "PI code, unit and gauge assigned by this project (the page prints none); amber rule "
        f"(off target by less than {tenant['amber_threshold']}{tenant['threshold_type']}) "
        f"from {tenant['amber_rule_url']}"
    )
    indicators = [
        {
            "PI Code": r["indicator_code"],
            "Title": r["title"],
            "Service": tenant["service"],
            "Group": tenant["group"],
            "Unit": r["unit"],
            "Decimals": decimals_printed(r["value_printed"], r["target_printed"]),
            "Gauge": r["gauge"],
            "Amber Threshold": float(tenant["amber_threshold"]),
            "Threshold Type": tenant["threshold_type"],
            "Source": f"{_source(tenant, r)}; {assigned}",
        }
        for r in rows
    ]
    targets = [
        {
            "Service": tenant["service"],
            "PI Code": r["indicator_code"],
            "Financial Year": fy,
            "Annual Target": parse_number(r["target_printed"]).value
            if _printed(r["target_printed"])
            else None,
            "Source": _source(tenant, r),
        }
        for r in rows
    ]
    return {
        ffmt.SERVICES.name: [{"Service": tenant["service"], "Description": tenant["source_title"]}],
        ffmt.GROUPS.name: [
            {"Service": tenant["service"], "Group": tenant["group"], "Source": tenant["source_url"]}
        ],
        ffmt.INDICATORS.name: indicators,
        ffmt.TARGETS.name: targets,
    }


def write_return(tenant: dict, rows: list[dict], out: Path) -> Path:
    """The year's figures as the Q4 return's Year end values, printed statuses as printed."""
    wb = openpyxl.Workbook()
    meta = wb.active
    meta.title = fmt.METADATA_SHEET
    for field, value in (
        ("Field", "Value"),
        ("Council", tenant["council"]),
        ("Service", tenant["service"]),
        ("Financial year", tenant["financial_year"]),
        ("Quarter", tenant["quarter"]),
        ("Submitted by", f"Transcription of {tenant['source_title']} ({tenant['source_url']})"),
        ("Submitted on", ""),
    ):
        meta.append([field, value])
    ws = header_sheet(wb, fmt.INDICATORS)
    for n, row in enumerate(rows, start=2):
        value = _printed(row["value_printed"])
        ws.cell(n, 1, row["indicator_code"])
        ws.cell(n, 2, fmt.PERIOD_YEAR_END)
        if value:
            number_cell(ws, n, 3, value)
        ws.cell(n, 6, _printed(row["status_printed"]))
        if not value:
            ws.cell(n, 7, f"Published as {row['value_printed'].strip()}")
        ws.cell(n, 8, _source(tenant, row))
    header_sheet(wb, fmt.ACTIONS)
    header_sheet(wb, fmt.RISKS)
    # Fixed dates keep the workbook bytes (and so its sha256) reproducible.
    wb.properties.created = wb.properties.modified = datetime(2024, 4, 1)
    start = parse_fy_label(tenant["financial_year"])
    key = f"{start}-{(start + 1) % 100:02d}-{tenant['quarter']}"
    path = out / fmt.file_name(tenant["council"], tenant["service"], key)
    out.mkdir(parents=True, exist_ok=True)
    save_reproducibly(wb, path)
    return path


def build(frameworks: Path, returns: Path) -> list[Path]:
    written = []
    for tenant in _rows(TENANTS / "tenants.csv"):
        rows = _rows(TENANTS / tenant["transcription"])
        metadata = {
            "Council": tenant["council"],
            "Maintained by": f"transcribed from {tenant['source_title']}",
        }
        written.append(
            write_framework(
                frameworks / ffmt.file_name(tenant["council"]),
                metadata,
                framework_sheets(tenant, rows),
            )
        )
        written.append(write_return(tenant, rows, returns))
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frameworks", type=Path, default=REPO / "raw" / "frameworks")
    parser.add_argument("--returns", type=Path, default=REPO / "raw" / "returns")
    args = parser.parse_args()
    for path in build(args.frameworks, args.returns):
        print(path)


if __name__ == "__main__":
    main()
