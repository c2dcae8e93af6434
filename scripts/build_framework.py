"""Build Midlothian's framework workbook (raw/frameworks/midlothian.xlsx) from the transcription.

``raw/transcription/framework_indicators.csv`` (one row per PI as the two seed reports
describe it: title, group, unit, direction, cumulative, feeder names, codes, with the seed
file and lines), ``framework_targets.csv`` (the printed annual targets) and
``framework_groups.csv`` (group headings that changed between the reports, effective-dated)
are laid out in
the framework format (docs/framework_format.md), each row's Source keeping its seed lineage.
The reports print no Pentana settings beyond what these columns say, so the settings are
the ones the printed statuses imply: the direction as the gauge, two-state status (no amber
threshold), cumulative measures trending Year to Year, the others Ongoing, four periods for
the long trend.

    python scripts/build_framework.py [--out raw/frameworks]
"""

from __future__ import annotations

import argparse
import csv
from datetime import date
from pathlib import Path

from orchestration.frameworks import format as ffmt
from orchestration.frameworks.writer import write_framework
from orchestration.workbook.values import parse_number

REPO = Path(__file__).resolve().parent.parent
TRANSCRIPTION = REPO / "raw" / "transcription"
COUNCIL = "Midlothian"
SEED_TITLES = (
    "Children's Services Quarter 2 Performance Report 2016/17 (001_1ca03212745a48c4.txt); "
    "Children's Services Annual Performance Report 2019/20 (000_09dcfc9c775a2e22.txt)"
)
RISK_BANDS = (  # Midlothian's 5 x 5 matrix as the 2019/20 report's risk scores read (000:218-227)
    {"Band": "Low", "Min Score": 1, "Max Score": 4},
    {"Band": "Medium", "Min Score": 5, "Max Score": 12},
    {"Band": "High", "Min Score": 15, "Max Score": 25},
)


def _rows(name: str) -> list[dict]:
    with open(TRANSCRIPTION / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _source(row: dict) -> str:
    line = row.get("seed_line") or ""
    return f"{row['seed_file']}:{line}" if line else row["seed_file"]


def indicator_row(row: dict) -> dict:
    """One transcription row as the Indicators sheet's row (None for blank settings)."""
    cumulative = row["is_cumulative"].strip().lower() == "true"
    return {
        "PI Code": row["indicator_code"],
        "Title": row["title"],
        "Service": row["service"],
        "Group": row["priority_group"] or None,
        "Report Heading": row.get("report_heading") or None,
        "Section": row["section"],
        "Print Order": float(row["print_order"]) if row.get("print_order") else None,
        "New In": row.get("new_in") or None,
        "Benchmark": row.get("benchmark") or None,
        "Unit": row["unit"],
        "Gauge": ffmt.GAUGES[row["direction"]],
        "Amber Threshold": float(row["warning_tolerance"]) if row["warning_tolerance"] else None,
        "Threshold Type": "Absolute" if row["warning_tolerance"] else None,
        "Trend Type": "Year to Year" if cumulative else "Ongoing",
        "Long Trend Periods": ffmt.DEFAULT_LONG_TREND_PERIODS,
        "Cumulative": "Yes" if cumulative else "No",
        "Target Phasing": {v: k for k, v in ffmt.PHASINGS.items()}[row["target_phasing"]],
        "Numerator": row["numerator_name"] or None,
        "Denominator": row["denominator_name"] or None,
        "Current Code": row["current_code"]
        if row["current_code"] != row["indicator_code"]
        else None,
        "Aliases": row["aliases"] or None,
        "LGBF Code": row["lgbf_code"] or None,
        "Source": _source(row),
    }


def build(out_dir: Path) -> Path:
    indicators = [indicator_row(r) for r in _rows("framework_indicators.csv")]
    services = sorted({r["Service"] for r in indicators})
    # Groups in order of first use; a group whose heading changed between the reports has a
    # row per heading from framework_groups.csv, effective-dated, with its seed lines.
    order: dict[tuple, int] = {}
    for r in indicators:
        if r["Group"]:
            order.setdefault((r["Service"], r["Group"]), len(order) + 1)
    headed = {}
    for g in _rows("framework_groups.csv"):
        headed.setdefault((g["service"], g["priority_group"]), []).append(
            {
                "Service": g["service"],
                "Group": g["priority_group"],
                "Heading": g["heading"],
                "Print Order": order[(g["service"], g["priority_group"])],
                "Effective From": date.fromisoformat(g["effective_from"])
                if g["effective_from"]
                else None,
                "Source": _source(g),
            }
        )
    groups = [
        row
        for key, n in order.items()
        for row in headed.get(key, [{"Service": key[0], "Group": key[1], "Print Order": n}])
    ]
    service_of = {r["PI Code"]: r["Service"] for r in indicators}
    targets = [
        {
            "Service": service_of[t["indicator_code"]],
            "PI Code": t["indicator_code"],
            "Financial Year": t["financial_year"],
            "Annual Target": parse_number(t["annual_target_printed"]).value,
            "Source": _source(t),
        }
        for t in _rows("framework_targets.csv")
    ]
    return write_framework(
        out_dir / ffmt.file_name(COUNCIL),
        {"Council": COUNCIL, "Maintained by": f"transcribed from {SEED_TITLES}"},
        {
            ffmt.SERVICES.name: [{"Service": s} for s in services],
            ffmt.GROUPS.name: groups,
            ffmt.INDICATORS.name: indicators,
            ffmt.TARGETS.name: targets,
            ffmt.RISK_BANDS.name: list(RISK_BANDS),
        },
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "raw" / "frameworks")
    args = parser.parse_args()
    print(build(args.out))


if __name__ == "__main__":
    main()
