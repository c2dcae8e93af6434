"""A council's service the code has never seen, added the way a performance team adds one:
a framework workbook in the framework folder and return workbooks in the returns folder.

East Lothian is a real council (``dbt_project/seeds/councils.csv``); its "Housing Services"
framework and returns here are SYNTHETIC test data, small enough that every expected status
and trend follows by hand from the inputs (each case says how). Used by the backfill test in
``tests/pipeline/test_operations.py``, which folds this tenant into its pipeline run.
"""

from __future__ import annotations

from pathlib import Path

from orchestration.frameworks import format as ffmt
from orchestration.returns import format as fmt
from tests.support import framework_factory as ff
from tests.support.returns_factory import write_return

COUNCIL = "East Lothian"
SERVICE = "Housing Services"
QUARTERS = ("2019-20-Q1", "2019-20-Q2")
REPORT = f"east-lothian__housing-services__{QUARTERS[-1]}__performance-report.xlsx"
LETS, RESOLVE = "01. Homes are let quickly", "02. Repairs are done right first time"

# PI code -> (title, group, unit, gauge, settings, 2019/20 target, Q1 value, Q2 value)
PIS = {
    "HS.RELET": (
        "Average days to re-let empty homes",
        LETS,
        "days",
        "Aim to Minimise",
        {"Amber Threshold": 1},
        9,
        10.5,
        9.5,
    ),
    "HS.VOIDS": (
        "Empty homes as % of stock",
        LETS,
        "%",
        "Goldilocks",
        {"Goldilocks Lower": 2, "Goldilocks Upper": 4, "Amber Threshold": 0.5},
        None,
        3,
        4.4,
    ),
    "HS.LETS": ("Number of homes let", LETS, "count", "Data Only", {}, None, 120, 110),
    "HS.EMERGENCY": (
        "% of emergency repairs completed within 4 hours",
        RESOLVE,
        "%",
        "Aim to Maximise",
        {"Amber Threshold": 5, "Threshold Type": "%"},
        80,
        77,
        75.5,
    ),
    "HS.NONURGENT": (
        "Average days to complete non-emergency repairs",
        RESOLVE,
        "days",
        "Aim to Minimise",
        {"Amber Threshold": 1, "Red Threshold": 3},
        10,
        10.8,
        12,
    ),
}

# What the inputs imply, per PI and quarter: (status, short trend in Q2 against Q1).
EXPECTED_STATUS = {
    # 10.5 days misses 9 by 1.5, more than the amber threshold of 1: Off Target;
    # 9.5 misses it by 0.5, within it: Warning; fewer days than in Q1: Improving.
    ("HS.RELET", "2019-20-Q1"): "Off Target",
    ("HS.RELET", "2019-20-Q2"): "Warning",
    # the amber threshold is 5% of the target 80, i.e. 4 points: 77 misses by 3 (Warning),
    # 75.5 by 4.5 (Off Target; an absolute threshold of 5 would have said Warning).
    ("HS.EMERGENCY", "2019-20-Q1"): "Warning",
    ("HS.EMERGENCY", "2019-20-Q2"): "Off Target",
    # two thresholds, amber 1 and red 3 days over the target of 10: 10.8 misses by 0.8, under
    # the amber threshold, so it is On Target; 12 misses by 2, between them: Warning.
    ("HS.NONURGENT", "2019-20-Q1"): "On Target",
    ("HS.NONURGENT", "2019-20-Q2"): "Warning",
    # Goldilocks band 2-4: 3 lies in it (On Target), 4.4 lies 0.4 above it, within 0.5 (Warning).
    ("HS.VOIDS", "2019-20-Q1"): "On Target",
    ("HS.VOIDS", "2019-20-Q2"): "Warning",
    ("HS.LETS", "2019-20-Q1"): "Data Only",
    ("HS.LETS", "2019-20-Q2"): "Data Only",
}
EXPECTED_TREND = {
    "HS.RELET": "Improving",  # 9.5 < 10.5 days, lower is better
    "HS.EMERGENCY": "Getting Worse",  # 75.5 < 77%, higher is better
    "HS.NONURGENT": "Getting Worse",  # 12 > 10.8 days, lower is better
    "HS.VOIDS": "Getting Worse",  # 4.4 is further than 3 from the band's centre, 3
    "HS.LETS": None,  # Data Only PIs have no trend
}


def framework_sheets() -> dict[str, list[dict]]:
    indicators, targets = [], []
    for order, (code, (title, group, unit, gauge, settings, target, *_)) in enumerate(
        PIS.items(), start=1
    ):
        indicators.append(
            {
                "PI Code": code,
                "Title": title,
                "Service": SERVICE,
                "Group": group,
                "Section": "PI summary",
                "Print Order": order,
                "Unit": unit,
                "Gauge": gauge,
                **settings,
                "Source": "synthetic test data (tests/new_tenant.py)",
            }
        )
        if target is not None:
            targets.append(
                {
                    "Service": SERVICE,
                    "PI Code": code,
                    "Financial Year": "2019/20",
                    "Annual Target": target,
                }
            )
    return {
        ffmt.SERVICES.name: [{"Service": SERVICE, "Description": "synthetic test data"}],
        ffmt.GROUPS.name: [
            {"Service": SERVICE, "Group": LETS, "Print Order": 1},
            {"Service": SERVICE, "Group": RESOLVE, "Print Order": 2},
        ],
        ffmt.INDICATORS.name: indicators,
        ffmt.TARGETS.name: targets,
        ffmt.RISK_BANDS.name: [
            {"Band": "Low", "Min Score": 1, "Max Score": 6},
            {"Band": "High", "Min Score": 8, "Max Score": 25},
        ],
    }


def drop_into(frameworks: Path, returns: Path) -> None:
    """Write the framework workbook and one return per quarter into the landing folders."""
    ff.write(
        frameworks,
        {"Council": COUNCIL, "Maintained by": "synthetic test data (tests/new_tenant.py)"},
        framework_sheets(),
    )
    for i, key in enumerate(QUARTERS):
        fy, q = key.rsplit("-Q", 1)
        write_return(
            returns / fmt.file_name(COUNCIL, SERVICE, key),
            council=COUNCIL,
            service=SERVICE,
            financial_year=f"{fy[:4]}/{fy[-2:]}",
            quarter=f"Q{q}",
            # the last two fields of a PI are its Q1 and Q2 values
            indicators=[
                (code, "Quarter", pi[-2 + i], None, None, None, None) for code, pi in PIS.items()
            ],
        )
