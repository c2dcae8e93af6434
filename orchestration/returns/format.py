"""The quarterly return format: sheet names, column headers and file naming.

This module is the single definition of the format; ``docs/return_format.md`` describes it
for the people who fill returns in, the reader validates against it and
``scripts/build_seed_returns.py`` writes the seed workbooks with it.
"""

from __future__ import annotations

import re

from orchestration.workbook.sheets import Column, SheetSpec, slug

METADATA_SHEET = "Metadata"
INDICATORS_SHEET = "Indicators"
ACTIONS_SHEET = "Actions"
RISKS_SHEET = "Risks"
NARRATIVE_SHEET = "Narrative"

# Metadata sheet: column A holds the field name, column B its value.
METADATA_FIELDS = (
    "Council",
    "Service",
    "Financial year",
    "Quarter",
    "Submitted by",
    "Submitted on",
)
METADATA_REQUIRED = ("Council", "Service", "Financial year", "Quarter")

# Period column values. A "Year end" row is the annual value (e.g. complaints received in the
# whole of 2019/20 = 43), distinct from the Q4 value (9); it may only appear in a Q4 return.
PERIOD_QUARTER = "Quarter"
PERIOD_YEAR_END = "Year end"
PERIODS = (PERIOD_QUARTER, PERIOD_YEAR_END)


INDICATORS = SheetSpec(
    INDICATORS_SHEET,
    (
        Column("PI Code"),
        Column("Period", required=False, kind="period"),
        Column("Value", kind="number"),
        Column("Numerator", kind="number"),
        Column("Denominator", kind="number"),
        Column("Status", required=False),
        Column("Note"),
        Column("Source", required=False),
    ),
)

ACTIONS = SheetSpec(
    ACTIONS_SHEET,
    (
        Column("Code"),
        Column("Period", required=False, kind="period"),
        Column("Priority", required=False),
        Column("Action"),
        Column("Due Date", kind="date"),
        Column("Progress %", kind="percent"),
        Column("Status", required=False),
        Column("Comment"),
        Column("Source", required=False),
    ),
)

RISKS = SheetSpec(
    RISKS_SHEET,
    (
        Column("Code"),
        Column("Period", required=False, kind="period"),
        Column("Title"),
        Column("Identification"),
        Column("Control Measures"),
        Column("Current Risk Score", kind="number"),
        Column("Latest Note"),
        Column("Related Action", required=False),
        Column("Source", required=False),
    ),
)

DATA_SHEETS = (INDICATORS, ACTIONS, RISKS)

# The report's narrative ("Successes and Challenges", "Challenges and Risks"): one paragraph
# a row, printed in row order under its heading. Optional: returns without it still load.
NARRATIVE = SheetSpec(
    NARRATIVE_SHEET,
    (
        Column("Heading"),
        Column("Period", required=False, kind="period"),
        Column("Text"),
        Column("Source", required=False),
    ),
)
OPTIONAL_SHEETS = (NARRATIVE,)

# <council>__<service>__<YYYY-YY>__Q<n>.xlsx, lower-case slugs, e.g.
# midlothian__childrens-services__2019-20__Q4.xlsx
FILE_NAME = re.compile(
    r"^(?P<council>[a-z0-9-]+)__(?P<service>[a-z0-9-]+)__(?P<fy>\d{4}-\d{2})__Q(?P<q>[1-4])\.xlsx$"
)


def file_name(council: str, service: str, partition_key: str) -> str:
    fy, q = partition_key.rsplit("-Q", 1)
    return f"{slug(council)}__{slug(service)}__{fy}__Q{q}.xlsx"
