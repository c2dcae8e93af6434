"""Generate SYNTHETIC quarterly returns for scale tests and benchmarks. Never commit them.

Every workbook is in the project's return format (docs/return_format.md) and says on its
Metadata sheet that it is synthetic. Content follows the real seed returns: values in each
unit's plausible range, about 5% blank cells, notes in the reports' style ("Q2 19/20: On
Target"), feeder data for ratio PIs, actions and risks.
Councils are Scotland's 32; services are ten council services. Each council gets its own
SYNTHETIC framework workbook (docs/framework_format.md) in ``OUT_DIR/frameworks/`` (point
``FRAMEWORKS_DIR`` there): per service a different subset of the Midlothian catalogue's PIs
under the service's own codes (``ASC.CS.CORP.SICKNESS``), with its own targets per year and
its own Pentana settings (gauge, Goldilocks band, amber threshold as % or absolute, trend
type, long-trend periods), so the multi-tenant path is exercised. The returns report exactly
their council-service's PIs.

    python scripts/generate_synthetic_returns.py OUT_DIR [--councils 32] [--services 10]
        [--years 10] [--last-year 2019] [--quarters 2020-21-Q1 ...] [--workers 2]

Default: 32 councils x 10 services x 10 years x 4 quarters = 12,800 workbooks, financial years
2010/11 to 2019/20. ``--quarters`` generates only the given quarters (e.g. the next one).
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
import zlib
from multiprocessing import Pool
from pathlib import Path

import xlsxwriter

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from orchestration import vocabulary  # noqa: E402
from orchestration.frameworks import format as ffmt  # noqa: E402
from orchestration.frameworks.writer import write_framework  # noqa: E402
from orchestration.periods import FinancialQuarter, fy_label  # noqa: E402
from orchestration.returns import format as fmt  # noqa: E402

# Each service's code prefix: a code is unique within a council, so two services' PIs differ.
SERVICES = {
    "Children's Services": "CHS",
    "Adult Social Care": "ASC",
    "Education": "EDU",
    "Housing Services": "HSG",
    "Roads and Transport": "RDT",
    "Waste Services": "WST",
    "Planning": "PLN",
    "Libraries and Leisure": "LIB",
    "Revenues and Benefits": "REV",
    "Environmental Health": "ENV",
}
SYNTHETIC = "SYNTHETIC DATA - scripts/generate_synthetic_returns.py"
FRAMEWORKS_SUBDIR = "frameworks"
RISK_BANDS = (
    {"Band": "Low", "Min Score": 1, "Max Score": 4},
    {"Band": "Medium", "Min Score": 5, "Max Score": 12},
    {"Band": "High", "Min Score": 15, "Max Score": 25},
)
# Pentana's words (dbt_project/seeds/pentana_*.csv) for the catalogue's directions and phasings.
GAUGE_OF = {direction: gauge for gauge, direction in vocabulary.gauges().items()}
PHASING_WORD = {
    row["target_phasing"]: row["target_phasing_word"]
    for row in vocabulary.seed_rows(vocabulary.PHASINGS)
}
RANGES = {
    "%": (40, 100),
    "days": (1, 30),
    "£m": (5, 60),
    "count": (0, 500),
    "score": (100, 400),
    "rate per 1,000": (1, 15),
    "months": (3, 18),
    "£ per week": (200, 4000),
}


def councils() -> list[str]:
    with open(REPO / "dbt_project" / "seeds" / "councils.csv", encoding="utf-8") as f:
        return [r["council"] for r in csv.DictReader(f)]


def catalogue() -> list[dict]:
    """Midlothian's transcribed catalogue, the template for the synthetic PIs (its own LGBF
    indicators and renamed codes left out)."""
    path = REPO / "raw" / "transcription" / "framework_indicators.csv"
    with open(path, encoding="utf-8") as f:
        return [
            r
            for r in csv.DictReader(f)
            if r["section"] != "LGBF" and r["current_code"] == r["indicator_code"]
        ]


def framework_pis(council: str, service: str) -> list[dict]:
    """The council-service's synthetic PIs: a subset of the catalogue (about three in four)
    under the service's prefix, each with its own settings. Deterministic per council and
    service, so the framework and the returns agree without sharing state."""
    rng = random.Random(zlib.crc32(f"framework|{council}|{service}".encode()))
    out = []
    for pi in CATALOGUE:
        if rng.random() > 0.75:
            continue
        lo, hi = RANGES.get(pi["unit"], (0, 100))
        gauge = GAUGE_OF[pi["direction"]]
        band = (None, None)
        if gauge != "Data Only" and rng.random() < 0.1:
            gauge = "Goldilocks"
            mid = rng.uniform(lo, hi)
            band = (round(mid - (hi - lo) / 10, 2), round(mid + (hi - lo) / 10, 2))
        amber, amber_type = rng.choice(
            [(None, None), (5.0, "%"), (10.0, "%"), (round((hi - lo) / 20, 2), "Absolute")]
        )
        out.append(
            {
                **pi,
                "code": f"{SERVICES[service]}.{pi['indicator_code']}",
                "gauge": gauge,
                "band": band,
                "amber": amber,
                "amber_type": amber_type,
                "trend_type": rng.choice(["Ongoing", "Year to Year"]),
                "long_trend_periods": rng.randint(2, 4),
                "target_seed": rng.random(),
            }
        )
    return out


def write_framework_workbook(out_dir: Path, council: str, services: list[str], years) -> Path:
    """The council's SYNTHETIC framework workbook: its services' PIs, settings and targets."""
    indicators, groups, targets = [], {}, []
    for service in services:
        for pi in framework_pis(council, service):
            group = pi["priority_group"] or None
            if group and (service, group) not in groups:
                groups[(service, group)] = {
                    "Service": service,
                    "Group": group,
                    "Print Order": len(groups) + 1,
                }
            indicators.append(
                {
                    "PI Code": pi["code"],
                    "Title": f"{pi['title']} (SYNTHETIC)",
                    "Service": service,
                    "Group": group,
                    "Section": pi["section"],
                    "Print Order": float(pi["print_order"]) if pi["print_order"] else None,
                    "Unit": pi["unit"],
                    "Gauge": pi["gauge"],
                    "Goldilocks Lower": pi["band"][0],
                    "Goldilocks Upper": pi["band"][1],
                    "Amber Threshold": pi["amber"],
                    "Threshold Type": pi["amber_type"],
                    "Trend Type": pi["trend_type"],
                    "Long Trend Periods": pi["long_trend_periods"],
                    "Cumulative": "Yes" if pi["is_cumulative"] == "true" else "No",
                    "Target Phasing": PHASING_WORD[pi["target_phasing"]],
                    "Numerator": pi["numerator_name"] or None,
                    "Denominator": pi["denominator_name"] or None,
                    "Source": SYNTHETIC,
                }
            )
            if pi["gauge"] in ("Data Only", "Goldilocks"):
                continue
            lo, hi = RANGES.get(pi["unit"], (0, 100))
            for year in years:
                trng = random.Random(zlib.crc32(f"{pi['code']}|{council}|{year}".encode()))
                targets.append(
                    {
                        "Service": service,
                        "PI Code": pi["code"],
                        "Financial Year": fy_label(year),
                        "Annual Target": round(
                            lo + (hi - lo) * (0.3 + 0.4 * pi["target_seed"]) + trng.uniform(-1, 1),
                            2,
                        ),
                        "Source": SYNTHETIC,
                    }
                )
    return write_framework(
        out_dir / ffmt.file_name(council),
        {"Council": council, "Maintained by": SYNTHETIC},
        {
            ffmt.SERVICES.name: [{"Service": s, "Description": SYNTHETIC} for s in services],
            ffmt.GROUPS.name: list(groups.values()),
            ffmt.INDICATORS.name: indicators,
            ffmt.TARGETS.name: targets,
            ffmt.RISK_BANDS.name: list(RISK_BANDS),
        },
    )


def write_workbook(job: tuple) -> int:
    out_dir, council, service, key, seed = job
    rng = random.Random(seed)
    quarter = FinancialQuarter.from_key(key)
    path = Path(out_dir) / fmt.file_name(council, service, key)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    bold = wb.add_format({"bold": True})
    pct = wb.add_format({"num_format": "0.00%"})
    dec = wb.add_format({"num_format": "#,##0.00"})
    date_fmt = wb.add_format({"num_format": "dd-mmm-yyyy"})

    meta = wb.add_worksheet(fmt.METADATA_SHEET)
    for r, (k, v) in enumerate(
        [
            ("Field", "Value"),
            ("Council", council),
            ("Service", service),
            ("Financial year", quarter.financial_year),
            ("Quarter", f"Q{quarter.quarter}"),
            ("Submitted by", SYNTHETIC),
            ("Submitted on", quarter.end_date.isoformat()),
        ]
    ):
        meta.write_row(r, 0, [k, v])

    ind = wb.add_worksheet(fmt.INDICATORS_SHEET)
    ind.write_row(0, 0, fmt.INDICATORS.headers, bold)
    periods = [fmt.PERIOD_QUARTER] + ([fmt.PERIOD_YEAR_END] if quarter.quarter == 4 else [])
    label = f"Q{quarter.quarter} {quarter.financial_year[2:]}"
    r = 1
    rows = 0
    for pi in framework_pis(council, service):
        for period in periods:
            if rng.random() < 0.05:
                continue  # a PI not reported this period
            lo, hi = RANGES.get(pi["unit"], (0, 100))
            value = round(rng.uniform(lo, hi), 2)
            ind.write_string(r, 0, pi["code"])
            ind.write_string(r, 1, period)
            if rng.random() < 0.05:
                pass  # blank value cell, as in the seeds ("N/A")
            elif pi["unit"] == "%":
                ind.write_number(r, 2, value / 100, pct)
            else:
                ind.write_number(r, 2, value, dec)
            if pi["numerator_name"] and value:
                denominator = rng.randint(50, 500)
                scale = 100 if pi["unit"] == "%" else 1
                # to 6 places, so the value agrees with its feeder data within rounding (the
                # reader refuses one that does not: agrees_with_feeder_data)
                ind.write_number(r, 3, round(value * denominator / scale, 6), dec)
                ind.write_number(r, 4, denominator)
            status = (
                "Data Only"
                if pi["gauge"] == "Data Only"
                else rng.choice(["On Target", "On Target", "Warning", "Off Target"])
            )
            ind.write_string(r, 5, status)
            ind.write_string(r, 6, f"{label}: {status} synthetic note {rng.randint(1, 999)}")
            ind.write_string(r, 7, "SYNTHETIC")
            r += 1
            rows += 1

    act = wb.add_worksheet(fmt.ACTIONS_SHEET)
    act.write_row(0, 0, fmt.ACTIONS.headers, bold)
    for i in range(1, 9):
        act.write_row(
            i,
            0,
            [
                f"SYN.A.{i:02d}",
                fmt.PERIOD_QUARTER,
                f"0{1 + i % 3}. Priority",
                f"Synthetic action {i}",
            ],
        )
        act.write_datetime(
            i, 4, __import__("datetime").datetime(quarter.start_year + 1, 3, 31), date_fmt
        )
        act.write_number(i, 5, min(1.0, quarter.quarter * 0.25), pct)
        act.write_row(i, 6, ["On Target", f"{label}: On Target synthetic comment", "SYNTHETIC"])
    risks = wb.add_worksheet(fmt.RISKS_SHEET)
    risks.write_row(0, 0, fmt.RISKS.headers, bold)
    for i in range(1, 4):
        risks.write_row(
            i,
            0,
            [
                f"SYN.RR.{i:02d}",
                fmt.PERIOD_QUARTER,
                f"Synthetic risk {i}",
                "Identification",
                "Control measures",
            ],
        )
        risks.write_number(i, 5, rng.choice([4, 6, 9, 12, 16]))
        risks.write_row(i, 6, ["Latest note", "SYNTHETIC"])
    wb.close()
    return rows


CATALOGUE = catalogue()


def jobs(out_dir: Path, n_councils: int, n_services: int, keys: list[str]) -> list[tuple]:
    chosen = councils()[:n_councils]
    return [
        (str(out_dir), c, s, k, zlib.crc32(f"{c}|{s}|{k}".encode()))
        for c in chosen
        for s in list(SERVICES)[:n_services]
        for k in keys
    ]


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--councils", type=int, default=32)
    parser.add_argument("--services", type=int, default=10)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument(
        "--last-year", type=int, default=2019, help="start year of the last financial year"
    )
    parser.add_argument("--quarters", nargs="*", help="only these partition keys")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    keys = args.quarters or [
        FinancialQuarter(y, q).key
        for y in range(args.last_year - args.years + 1, args.last_year + 1)
        for q in (1, 2, 3, 4)
    ]
    # The label sits beside the frameworks: the returns folder holds returns only (the
    # ingest rejects any other file in it).
    (args.out_dir / FRAMEWORKS_SUBDIR).mkdir(parents=True, exist_ok=True)
    (args.out_dir / FRAMEWORKS_SUBDIR / "SYNTHETIC_DATA_README.txt").write_text(
        "SYNTHETIC frameworks (here) and returns (the folder above) generated by "
        "scripts/generate_synthetic_returns.py for benchmarks. Not real data.\n"
    )
    # Targets for every year of the set and the one after (a benchmark adds its first quarter).
    first, last = (
        (args.last_year - args.years + 1, args.last_year)
        if not args.quarters
        else (
            min(FinancialQuarter.from_key(k).start_year for k in keys),
            max(FinancialQuarter.from_key(k).start_year for k in keys),
        )
    )
    frameworks = args.out_dir / FRAMEWORKS_SUBDIR
    services = list(SERVICES)[: args.services]
    for council in councils()[: args.councils]:
        years = range(first, last + 2)
        path = frameworks / ffmt.file_name(council)
        if not args.quarters or not path.exists():  # an added quarter keeps the framework
            write_framework_workbook(frameworks, council, services, years)
    todo = jobs(args.out_dir, args.councils, args.services, keys)
    t0 = time.monotonic()
    with Pool(args.workers) as pool:
        rows = sum(pool.imap_unordered(write_workbook, todo, chunksize=32))
    took = time.monotonic() - t0
    print(
        f"wrote {len(todo):,} synthetic workbooks ({rows:,} indicator rows) to {args.out_dir} in {took:.1f}s"
    )
    return {"workbooks": len(todo), "indicator_rows": rows, "seconds": took}


if __name__ == "__main__":
    main()
