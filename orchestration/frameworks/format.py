"""The framework workbook format: one workbook per council, maintained by its performance team.

This module is the single definition of the sheets and columns; ``docs/framework_format.md``
describes them for the performance officer, :mod:`orchestration.frameworks.reader` reads them
and ``scripts/build_framework.py`` writes Midlothian's from the seed transcription. The
accepted words (gauge, trend type, ...) are declared once, as the dbt tests on the
``stg_frameworks__*`` models, and read by the reader through
:mod:`orchestration.workbook.rules`.
"""

from __future__ import annotations

from orchestration import vocabulary
from orchestration.workbook.sheets import Column, SheetSpec, slug

METADATA_SHEET = "Metadata"
METADATA_FIELDS = ("Council", "Maintained by", "Updated on")

SERVICES = SheetSpec(
    "Services",
    (
        Column("Service"),
        Column("Description", required=False),
        Column("Effective From", required=False, kind="date"),
    ),
)

GROUPS = SheetSpec(
    "Groups",
    (
        Column("Service"),
        Column("Group"),
        Column("Heading", required=False),
        Column("Print Order", required=False, kind="number"),
        Column("Effective From", required=False, kind="date"),
        Column("Source", required=False),
    ),
)

INDICATORS = SheetSpec(
    "Indicators",
    (
        Column("PI Code"),
        Column("Title"),
        Column("Service"),
        Column("Group", required=False),
        Column("Report Heading", required=False),
        Column("Section", required=False),
        Column("Print Order", required=False, kind="number"),
        Column("New In", required=False),
        Column("Benchmark", required=False),
        Column("Unit"),
        Column("Decimals", required=False, kind="number"),
        Column("Gauge"),
        Column("Goldilocks Lower", required=False, kind="number"),
        Column("Goldilocks Upper", required=False, kind="number"),
        Column("Amber Threshold", required=False, kind="number"),
        Column("Red Threshold", required=False, kind="number"),
        Column("Threshold Type", required=False),
        Column("Trend Type", required=False),
        Column("Long Trend Periods", required=False, kind="number"),
        Column("Cumulative", required=False),
        Column("Target Phasing", required=False),
        Column("Numerator", required=False),
        Column("Denominator", required=False),
        Column("Current Code", required=False),
        Column("Aliases", required=False),
        Column("LGBF Code", required=False),
        Column("Min Value", required=False, kind="number"),
        Column("Max Value", required=False, kind="number"),
        Column("Effective From", required=False, kind="date"),
        Column("Source", required=False),
    ),
)

TARGETS = SheetSpec(
    "Targets",
    (
        Column("Service"),
        Column("PI Code"),
        Column("Financial Year"),
        Column("Annual Target", kind="number"),
        Column("Q1 Target", required=False, kind="number"),
        Column("Q2 Target", required=False, kind="number"),
        Column("Q3 Target", required=False, kind="number"),
        Column("Q4 Target", required=False, kind="number"),
        Column("Source", required=False),
    ),
)

RISK_BANDS = SheetSpec(
    "Risk Bands",
    (
        Column("Band"),
        Column("Min Score", kind="number"),
        Column("Max Score", kind="number"),
    ),
)

DATA_SHEETS = (SERVICES, GROUPS, INDICATORS, TARGETS, RISK_BANDS)

# Blank settings take Pentana's own defaults (two-state status, Ongoing trend over the longest
# long trend, the annual target in every period, in force always): applied in one place, the
# staging model dbt_project/models/staging/frameworks/stg_frameworks__indicators.sql. Pentana's
# words (gauges, phasings) are the dbt seeds dbt_project/seeds/pentana_*.csv
# (orchestration/vocabulary.py). scripts/build_framework.py writes the long-trend default out.
DEFAULT_LONG_TREND_PERIODS = vocabulary.dbt_var("long_trend_max_periods")


def file_name(council: str) -> str:
    """``Midlothian`` -> ``midlothian.xlsx``: one framework workbook per council."""
    return f"{slug(council)}.xlsx"
