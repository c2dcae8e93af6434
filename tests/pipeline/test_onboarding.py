"""docs/onboarding.md followed literally, for a council the project has never seen, on fresh
landing folders: a framework workbook with the guide's columns only, ``make run``'s command,
the template it writes filled in and saved into the returns folder, the command again, and
the report where the guide says it is, with every PI under its group, the groups in the
Groups sheet's Print Order and each documented default honoured.

Clackmannanshire is a real council (``dbt_project/seeds/councils.csv``); its "Waste
Services" framework and return here are SYNTHETIC test data.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import openpyxl
import pytest

from orchestration.frameworks import format as ffmt
from orchestration.periods import FinancialQuarter
from tests.support.paths import REPO

GUIDE = REPO / "docs" / "onboarding.md"
COUNCIL, SERVICE = "Clackmannanshire", "Waste Services"
STREETS, BINS = "A. Street cleaning", "B. Bin collections"  # name order is not print order
QUARTER = FinancialQuarter.containing(date.today()).previous()  # what a first return owes
# PI code -> (title, group, unit, gauge, annual target, the value the officer enters).
# Codes in the workbook out of order: a group prints its PIs by code.
PIS = {
    "WS.02": ("Missed bin complaints", BINS, "count", "Aim to Minimise", 50, 40),
    "WS.01": ("% of bins collected on the scheduled day", BINS, "%", "Aim to Maximise", 98, 97),
    "WS.03": ("Streets graded clean (%)", STREETS, "%", "Aim to Maximise", None, 91),
}
# What each PI is judged, with only the required columns: no amber threshold, so a miss
# is Off Target; no target, Data Only.
EXPECTED = {"WS.01": "Off Target", "WS.02": "On Target", "WS.03": "Data Only"}


def guide_columns() -> dict[str, list[str]]:
    """Step 2's sheets and the columns it names for each, in the guide's order."""
    step = GUIDE.read_text(encoding="utf-8").split("2. **Write the framework workbook**")[1]
    step = step.split("3. **Run the pipeline")[0]
    sheets = {}
    for bullet in re.split(r"\n\s*\* ", step)[1:]:
        sheet, rest = bullet.split(":", 1)
        sheets[sheet.strip("` ")] = re.findall(r"`([^`]+)`", rest)
    return sheets


def test_the_guide_names_every_required_column_of_the_format():
    named = guide_columns()
    for spec in ffmt.DATA_SHEETS:
        required = [c.header for c in spec.columns if c.required]
        if required and spec.name in named:
            assert set(required) <= set(named[spec.name]), spec.name
    assert set(named) >= {"Metadata", "Services", "Groups", "Indicators", "Targets", "Risk Bands"}


def _framework(path: Path) -> None:
    """Step 2: the guide's sheets and columns, nothing else."""
    columns = guide_columns()
    rows = {
        "Services": [{"Service": SERVICE}],
        "Groups": [
            {"Service": SERVICE, "Group": STREETS, "Print Order": 2},
            {"Service": SERVICE, "Group": BINS, "Print Order": 1},
        ],
        "Indicators": [
            {"PI Code": code, "Title": t, "Service": SERVICE, "Unit": u, "Gauge": g, "Group": grp}
            for code, (t, grp, u, g, _, _) in PIS.items()
        ],
        "Targets": [
            {
                "Service": SERVICE,
                "PI Code": code,
                "Financial Year": QUARTER.financial_year,
                "Annual Target": target,
            }
            for code, (_, _, _, _, target, _) in PIS.items()
        ],  # fmt: skip
        "Risk Bands": [
            {"Band": "Low", "Min Score": 1, "Max Score": 4},
            {"Band": "Medium", "Min Score": 5, "Max Score": 12},
            {"Band": "High", "Min Score": 15, "Max Score": 25},
        ],
    }
    wb = openpyxl.Workbook()
    meta = wb.active
    meta.title = "Metadata"
    meta.append(["Council", COUNCIL])
    for sheet, data in rows.items():
        ws = wb.create_sheet(sheet)
        headers = [c for c in columns[sheet] if any(c in r for r in data)]
        ws.append(headers)
        for r in data:
            ws.append([r.get(h) for h in headers])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def _make_run(env: dict) -> subprocess.CompletedProcess:
    """What `make run` runs (the Makefile's run target)."""
    return subprocess.run(
        [sys.executable, "-m", "orchestration.ops.cli", "run"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def onboarded(tmp_path_factory):
    root = tmp_path_factory.mktemp("onboarding")
    raw = root / "raw"
    shutil.copytree(REPO / "raw" / "lgbf", raw / "lgbf")  # the national LGBF, as shipped
    (raw / "returns").mkdir()
    env = {
        **os.environ,
        "RAW_DIR": str(raw),
        "OUTPUT_DIR": str(root / "output"),
        "DAGSTER_HOME": str(root / "dagster_home"),
    }
    for name in ("RETURNS_DIR", "FRAMEWORKS_DIR", "QUARANTINE_DIR", "LGBF_LANDING_DIR",
                 "WAREHOUSE_PATH", "DUCKDB_PATH"):  # fmt: skip
        env.pop(name, None)
    # 1. The council's name and its file-name form.
    slug = COUNCIL.lower().replace(" ", "-")
    # 2. The framework workbook.
    _framework(raw / "frameworks" / f"{slug}.xlsx")
    # 3. Run: the framework loads and the template of the return owed is written.
    first = _make_run(env)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    service_slug = SERVICE.lower().replace(" ", "-")
    fy, q = QUARTER.key.rsplit("-", 1)
    template = root / "output" / "templates" / f"{slug}__{service_slug}__{fy}__{q}.xlsx"
    assert template.exists(), sorted(p.name for p in (root / "output" / "templates").iterdir())
    # 4. Fill in the Values and Submitted by; save under its own name into raw/returns/.
    wb = openpyxl.load_workbook(template)
    ws = wb["Indicators"]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        code = row[header.index("PI Code")].value
        if code in PIS and row[header.index("Period")].value == "Quarter":
            value = PIS[code][5]
            row[header.index("Value")].value = value / 100 if PIS[code][2] == "%" else value
    meta = wb["Metadata"]
    for row in meta.iter_rows(min_row=2):
        if row[0].value == "Submitted by":
            row[1].value = "A. Officer (synthetic test data)"
    wb.save(raw / "returns" / template.name)
    # 5. Run again.
    second = _make_run(env)
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    return root


def test_the_report_is_where_the_guide_says_with_every_pi_under_its_group_in_print_order(
    onboarded,
):
    report = (
        onboarded
        / "output"
        / "excel"
        / (f"clackmannanshire__waste-services__{QUARTER.key}__performance-report.xlsx")
    )
    ws = openpyxl.load_workbook(report)["PI Summary"]
    rows = [[c for c in r if c is not None] for r in ws.iter_rows(min_row=6, values_only=True)]
    printed = [r[0] if len(r) == 1 else r[1] for r in rows if r]
    titles = {code: t for code, (t, *_) in PIS.items()}
    # A blank Section is the PI summary; groups by their Print Order (B before A), each PI
    # under its group's name (no Heading given), PIs in a group by code (no Print Order).
    assert printed[:5] == [BINS, titles["WS.01"], titles["WS.02"], STREETS, titles["WS.03"]]
    status = {r[1]: r[3] for r in rows if len(r) > 3 and r[1] in titles.values()}
    assert status == {titles[c]: s for c, s in EXPECTED.items()}
    # No Benchmark given: no Benchmark column; no New In: no "New for" in any cell.
    header = [c for c in next(ws.iter_rows(min_row=5, max_row=5, values_only=True)) if c]
    assert "Benchmark" not in header and header[:3] == ["Priorities", "Indicator", QUARTER.label]
    assert not any("New for" in str(c) for r in rows for c in r)


def test_the_templates_of_the_next_quarter_are_written_after_the_load(onboarded):
    fy, q = QUARTER.next().key.rsplit("-", 1)
    assert (
        onboarded / "output" / "templates" / f"clackmannanshire__waste-services__{fy}__{q}.xlsx"
    ).exists()


# Each optional column of docs/framework_format.md left out: the default the page documents,
# as the warehouse holds it (staging.stg_frameworks__indicators, one row per PI).
DEFAULTS = [
    ("Section", "section", "PI summary"),
    ("Report Heading", "report_heading", None),
    ("Print Order", "print_order", None),
    ("New In", "new_in", None),
    ("Benchmark", "benchmark", None),
    ("Amber Threshold", "amber_threshold", None),
    ("Red Threshold", "red_threshold", None),
    ("Threshold Type", "threshold_type", "Absolute"),
    ("Trend Type", "trend_type", "Ongoing"),
    ("Long Trend Periods", "long_trend_periods", 4),
    ("Cumulative", "is_cumulative", False),
    ("Target Phasing", "target_phasing", "flat"),
    ("Current Code", "current_code", "<its own code>"),
    ("Effective From", "effective_from", date(1900, 1, 1)),
    ("LGBF Code", "lgbf_code", None),
    ("Decimals", "decimals", None),
]


@pytest.mark.parametrize("column, field, default", DEFAULTS, ids=[d[0] for d in DEFAULTS])
def test_a_column_left_out_takes_its_documented_default(onboarded, column, field, default):
    assert f"| {column} | no |" in (REPO / "docs" / "framework_format.md").read_text(
        encoding="utf-8"
    )
    with duckdb.connect(str(onboarded / "output" / "warehouse.duckdb"), read_only=True) as con:
        held = dict(
            con.execute(
                f"select indicator_code, {field} from staging.stg_frameworks__indicators "
                "where council = ?",
                [COUNCIL],
            ).fetchall()
        )
    assert set(held) == set(PIS)
    for code, value in held.items():
        assert value == (code if default == "<its own code>" else default), code
