"""Return templates: a quarter's pre-filled return, checked against the seed reports, protected
but for the input cells, validated by Excel with the return rules' own values, and - filled in
and saved into the returns folder - loaded by the landing sensor and the ingest unchanged."""

from __future__ import annotations

import csv
import dataclasses
import logging
from datetime import date

import dagster as dg
import duckdb
import openpyxl
import pytest
from openpyxl.worksheet.cell_range import MultiCellRange

from orchestration import config
from orchestration.defs.automation.returns_sensor import evaluate
from orchestration.defs.ingest.frameworks import frameworks
from orchestration.defs.ingest.returns import quarterly_returns
from orchestration.defs.publish import templates as template_assets
from orchestration.ops.cli import main
from orchestration.periods import FinancialQuarter
from orchestration.returns import format as fmt
from orchestration.templates import content
from orchestration.templates.writer import (
    PARALLEL_FROM,
    accepted_statuses,
    template_name,
    write_template,
    write_templates,
)
from tests.support.paths import REPO, seed_line
from tests.support.warehouse import warehouse_at

A = "000_09dcfc9c775a2e22.txt"  # the 2019/20 annual report
COUNCIL, SERVICE = "Midlothian", "Children's Services"
Q4 = FinancialQuarter(2019, 4)
NEXT = FinancialQuarter(2020, 1)  # the quarter after the seed reports
LOG = logging.getLogger("tests.templates")


def _template(warehouse, quarter, folder):
    return write_template(content.read(warehouse, COUNCIL, SERVICE, quarter), folder)


def _rows(ws) -> list[dict]:
    rows = list(ws.iter_rows())
    headers = [c.value for c in rows[0]]
    return [{h: c for h, c in zip(headers, row)} for row in rows[1:]]


def _indicator_rows(ws) -> dict[tuple, dict]:
    return {(r["PI Code"].value, r["Period"].value): r for r in _rows(ws) if r["PI Code"].value}


def _transcribed(code: str, fy: str, quarter: str) -> dict:
    with open(REPO / "raw" / "transcription" / "indicator_values.csv", encoding="utf-8") as f:
        return next(
            r
            for r in csv.DictReader(f)
            if (r["indicator_code"], r["financial_year"], r["quarter"]) == (code, fy, quarter)
        )


def test_a_template_lists_the_pis_in_force_and_the_actions_still_open(warehouse, tmp_path):
    """2020-21-Q1: the PIs the service's 2019/20 returns report (not the codes retired after
    2016/17, which the framework still holds), and no action: none is open at the latest
    return (the seven 2019/20 actions are complete; the ten 2016/17 ones ended long before)."""
    wb = openpyxl.load_workbook(_template(warehouse, NEXT, tmp_path))
    codes = {code for code, _ in _indicator_rows(wb[fmt.INDICATORS_SHEET])}
    reported = {
        r[0]
        for r in warehouse.execute(
            """select distinct indicator_code from marts.fct_indicator_value
               where council = ? and financial_year = '2019/20'""",
            [COUNCIL],
        ).fetchall()
    }
    assert codes == reported and len(codes) == 52
    assert "BS.CS.01" not in codes  # a 2016/17 balanced scorecard PI
    assert not any(a["Code"].value for a in _rows(wb[fmt.ACTIONS_SHEET]))
    # A blank reference cell says why: the framework holds no 2020/21 targets (the seeds
    # print 2016/17's and 2019/20's); a yearly PI shows its last year-end value.
    rows = _indicator_rows(wb[fmt.INDICATORS_SHEET])
    assert {r["Annual Target"].value for r in rows.values()} == {"none for 2020/21"}
    scorecard = rows[("BS.CSPC.04", fmt.PERIOD_QUARTER)]
    assert isinstance(scorecard["Last Value"].value, (int, float))
    assert scorecard["Last Period"].value == "2019-20"


def test_a_template_holds_the_framework_targets_and_last_values(warehouse, tmp_path):
    path = _template(warehouse, Q4, tmp_path)
    assert path.name == "midlothian__childrens-services__2019-20__Q4.xlsx"
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == "Instructions"
    meta = {r[0]: r[1] for r in wb[fmt.METADATA_SHEET].iter_rows(min_row=2, values_only=True)}
    assert meta["Council"] == COUNCIL and meta["Financial year"] == "2019/20"
    assert meta["Quarter"] == "Q4"

    rows = _indicator_rows(wb[fmt.INDICATORS_SHEET])
    sickness = rows[("CS.CORP.SICKNESS", fmt.PERIOD_QUARTER)]
    # The 2019/20 report prints the target 9.00 and the Q3 value 7.82 on line 77.
    assert "9.00" in seed_line(A, 77) and "7.82" in seed_line(A, 77)
    assert sickness["Annual Target"].value == pytest.approx(9.0)
    assert sickness["Last Value"].value == pytest.approx(7.82)
    assert sickness["Last Period"].value == "2019-20-Q3"
    assert _transcribed("CS.CORP.SICKNESS", "2019/20", "3")["value_printed"] == "7.82"
    # Q4 asks for the year-end value on its own row.
    assert ("CS.CORP.SICKNESS", fmt.PERIOD_YEAR_END) in rows
    # A percentage PI shows its last value as a percentage.
    invoices = rows[("CS.CORP.INVOICES", fmt.PERIOD_QUARTER)]
    printed = _transcribed("CS.CORP.INVOICES", "2019/20", "3")["value_printed"]
    assert invoices["Last Value"].value == pytest.approx(float(printed.rstrip("%")) / 100)
    assert "%" in invoices["Last Value"].number_format
    # Only the framework's own PIs: no LGBF indicator, no renamed code.
    codes = {code for code, _ in rows}
    assert "CHN8a" not in codes and "BS.CS.04" not in codes and "BS.CSPC.04" in codes


def test_only_the_input_cells_are_open_and_excel_validates_them(warehouse, tmp_path):
    wb = openpyxl.load_workbook(_template(warehouse, Q4, tmp_path))
    for sheet in wb.worksheets:
        assert sheet.protection.sheet and not sheet.protection.password, sheet.title
    ws = wb[fmt.INDICATORS_SHEET]
    row = _indicator_rows(ws)[("CS.CORP.SICKNESS", fmt.PERIOD_QUARTER)]
    for locked in ("PI Code", "Title", "Annual Target", "Last Value"):
        assert row[locked].protection.locked, locked
    for open_ in ("Value", "Numerator", "Denominator", "Status", "Note"):
        assert not row[open_].protection.locked, open_

    validations = {
        str(dv.sqref): (dv.type, dv.formula1, dv.formula2)
        for dv in ws.data_validations.dataValidation
    }
    status_col = row["Status"].column_letter
    (status,) = [v for ref, v in validations.items() if ref.startswith(f"{status_col}2:")]
    # The drop-down is the return rules' list (read from the dbt tests), not a second copy.
    assert status[0] == "list"
    assert status[1] == '"' + ",".join(accepted_statuses(fmt.INDICATORS_SHEET)) + '"'
    # in the vocabulary seed's order (dbt_project/seeds/pentana_statuses.csv), RAG first
    assert accepted_statuses(fmt.INDICATORS_SHEET) == [
        "On Target",
        "Warning",
        "Off Target",
        "Data Only",
    ]
    invoices = _indicator_rows(ws)[("CS.CORP.INVOICES", fmt.PERIOD_QUARTER)]["Value"]
    # one validation per rule, over every Value cell it checks
    (invoice_rule,) = [
        v for ref, v in validations.items() if invoices.coordinate in MultiCellRange(ref)
    ]
    assert invoice_rule == ("decimal", "0", "1")  # 0% to 100%
    risks = wb[fmt.RISKS_SHEET].data_validations.dataValidation
    (risk_score,) = [(dv.type, dv.formula1, dv.formula2) for dv in risks if dv.type == "whole"]
    assert risk_score[1:] == ("1", "25")  # the risk rule's range


def test_a_filled_in_template_loads_through_the_sensor_and_the_ingest(
    warehouse, tmp_path, monkeypatch
):
    path = _template(warehouse, NEXT, tmp_path / "templates")
    wb = openpyxl.load_workbook(path)
    ind = _indicator_rows(wb[fmt.INDICATORS_SHEET])
    sickness = ind[("CS.CORP.SICKNESS", fmt.PERIOD_QUARTER)]
    sickness["Value"].value = 2.5
    sickness["Numerator"].value = 330.5
    sickness["Denominator"].value = 132.2
    sickness["Status"].value = "Warning"
    sickness["Note"].value = "Q1 20/21: Warning (a test entry)"
    ind[("CS.CORP.INVOICES", fmt.PERIOD_QUARTER)]["Value"].value = 0.975  # typed as 97.5%
    actions = _rows(wb[fmt.ACTIONS_SHEET])
    # No action is open at the 2019/20 return (all seven complete): a new one, in an empty row.
    assert actions and not any(a["Code"].value for a in actions)
    new = actions[0]
    new["Code"].value, new["Period"].value = "CS.ACT.NEW", fmt.PERIOD_QUARTER
    new["Action"].value, new["Due Date"].value = "A test action", date(2021, 3, 31)
    new["Progress %"].value = 0.6
    new["Status"].value = "On Target"
    wb[fmt.METADATA_SHEET]["B6"] = "A. Officer (test)"
    returns = tmp_path / "returns"
    returns.mkdir()
    filled = returns / path.name
    wb.save(filled)
    assert filled.name == fmt.file_name(COUNCIL, SERVICE, NEXT.key)

    requests, _, _ = evaluate(returns, None, LOG, published=set())
    assert [r.partition_key for r in requests] == [NEXT.key]

    monkeypatch.setenv("RETURNS_DIR", str(returns))
    monkeypatch.setenv("QUARANTINE_DIR", str(tmp_path / "quarantine"))
    db = tmp_path / "wh.duckdb"
    resources = {"warehouse": warehouse_at(db)}
    assert dg.materialize([frameworks], resources=resources).success
    result = dg.materialize([quarterly_returns], partition_key=NEXT.key, resources=resources)
    assert result.success
    assert not (tmp_path / "quarantine").exists() or not any((tmp_path / "quarantine").iterdir())
    with duckdb.connect(str(db), read_only=True) as con:
        loaded = {
            r[0]: r[1:]
            for r in con.execute(
                """select indicator_code, value, value_is_percent, numerator, reported_status
                   from raw.return_indicator_values where period = 'quarter'"""
            ).fetchall()
        }
        progress = con.execute("select progress_pct from raw.return_actions").fetchall()
    assert loaded["CS.CORP.SICKNESS"] == (2.5, False, 330.5, "Warning")
    assert loaded["CS.CORP.INVOICES"][:2] == (pytest.approx(97.5), True)
    assert len(loaded) == sum(1 for _, period in ind if period == fmt.PERIOD_QUARTER)
    assert (pytest.approx(60.0),) in progress


def test_make_templates_writes_the_quarter_with_readable_progress(built_warehouse, capsys):
    """`make templates QUARTER=...` runs `python -m orchestration.ops.cli templates`: the job
    writes the quarter's template, the terminal gets a few lines (the full log goes to a file)."""
    assert main(["templates", "--quarter", NEXT.key]) == 0
    out = capsys.readouterr().out
    written = config.output_dir() / "templates" / "midlothian__childrens-services__2020-21__Q1.xlsx"
    assert written.exists()
    assert "Full log:" in out and "DEBUG" not in out


def test_a_next_quarter_template_as_written_last_time_is_kept(warehouse, tmp_path, monkeypatch):
    """A second run with nothing changed writes no template; one removed since is written
    again, and its workbook is the same as before."""
    monkeypatch.setattr(template_assets, "templates_dir", lambda: tmp_path)
    written, kept = template_assets.write_next_templates(warehouse, date(2020, 7, 1))
    assert written and not kept
    first = {p.name: _cells(p) for p in written}
    again, kept = template_assets.write_next_templates(warehouse, date(2020, 7, 1))
    assert not again and kept == written
    written[0].unlink()
    again, kept = template_assets.write_next_templates(warehouse, date(2020, 7, 1))
    assert again == written[:1] and kept == written[1:]
    assert _cells(again[0]) == first[again[0].name]


def _cells(path) -> dict:
    wb = openpyxl.load_workbook(path)
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb}


def test_many_templates_are_written_on_every_core_as_one_process_writes_them(warehouse, tmp_path):
    """From ``PARALLEL_FROM`` templates the writer hands them to a worker per core: each file
    holds what the same template written in this process holds, under its own name."""
    one = content.read(warehouse, COUNCIL, SERVICE, FinancialQuarter(2019, 4))
    many = [dataclasses.replace(one, service=f"service-{i:02d}") for i in range(PARALLEL_FROM)]
    paths = write_templates(many, tmp_path / "pool")
    assert [p.name for p in paths] == [template_name(c) for c in many]
    alone = write_template(many[-1], tmp_path / "alone")
    pooled = openpyxl.load_workbook(paths[-1])
    single = openpyxl.load_workbook(alone)
    assert pooled.sheetnames == single.sheetnames
    for name in single.sheetnames:
        assert list(pooled[name].values) == list(single[name].values), name
    assert len(_indicator_rows(single[fmt.INDICATORS_SHEET])) > 10
