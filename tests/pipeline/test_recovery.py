"""A pipeline that always recovers from a bad return.

(The reader's rules and the dbt tests they come from: ``tests/integration/test_return_rules.py``;
the landing sensor's decisions on a folder: ``tests/unit/test_landing_sensor.py``.)

* Defence in depth: the reader is made to forget one rule dbt still enforces (the risk score
  is required). A return with a blank score then passes the reader and fails the dbt test;
  the run fails naming the file, this run's load is undone (the raw tables and the published
  warehouse and files are exactly as before), the file is quarantined with a report, and the
  next run publishes the run's good file without it.
* The landing sensor asks for nothing after a successful run (the first ``make dev`` after
  ``make run``).
"""

from __future__ import annotations

import logging

import openpyxl
import pytest

from orchestration.defs.automation.returns_sensor import evaluate
from orchestration.fingerprints import sha256_of
from orchestration.ops.cli import failure_descriptions, run
from orchestration.returns import format as fmt
from orchestration.warehouse.published import input_sha256s
from orchestration.workbook import rules
from tests.support.seed_state import (
    SEED_RETURNS,
    SICKNESS,
    assert_unchanged,
    corrected_return,
    published_value,
    restore_seed_returns,
    snapshot,
)

Q4 = "2019-20-Q4"
Q4_FILE = fmt.file_name("Midlothian", "Children's Services", Q4)
RISK_TEST = "not_null_stg_returns__risks_risk_score"
LOG_TABLE = "raw.return_ingest_log"
LOG = logging.getLogger("tests.sensor")


# --- the landing sensor after a run -----------------------------------------------------


def test_first_tick_after_a_run_requests_nothing(built_warehouse):
    requests, _, _ = evaluate(SEED_RETURNS, None, LOG)
    assert input_sha256s("returns") >= {sha256_of(p) for p in SEED_RETURNS.glob("*.xlsx")}
    assert requests == []


# --- defence in depth ---------------------------------------------------------------------


def _blank_risk_score(path) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb[fmt.RISKS_SHEET]
    header = [c.value for c in ws[1]]
    ws.cell(2, header.index("Current Risk Score") + 1).value = None
    wb.save(path)


def test_a_rule_only_dbt_knows_undoes_the_load_and_the_next_run_publishes(
    built_warehouse, instance, tmp_path, monkeypatch
):
    known = rules.rules()
    forgotten = [r for r in known if r.test == "not_null" and r.column == "risk_score"]
    assert len(forgotten) == 1
    every = rules.rules  # the framework reader asks for the framework models' rules
    monkeypatch.setattr(
        rules, "rules", lambda *models: tuple(r for r in every(*models) if r not in forgotten)
    )

    landing, quarantine = tmp_path / "returns", tmp_path / "quarantine"
    good = corrected_return(landing, 4.25)  # 2019-20-Q2 resubmitted: sickness 4.30 -> 4.25
    bad = landing / Q4_FILE
    _blank_risk_score(bad)
    monkeypatch.setenv("RETURNS_DIR", str(landing))
    monkeypatch.setenv("QUARANTINE_DIR", str(quarantine))
    try:
        before = snapshot()  # the published warehouse and files, and the raw tables
        failed = run(("2019-20-Q2", Q4), instance=instance)
        assert not failed.success
        (text,) = failure_descriptions(failed)
        assert (
            RISK_TEST in text and f"Rows failing come from {Q4_FILE}: moved to {quarantine}" in text
        )
        assert "Traceback" not in text
        # The run's whole load was undone and nothing was published (the ingest log alone
        # records what happened).
        after = snapshot()
        assert after.pop(LOG_TABLE)[0] > before.pop(LOG_TABLE)[0]  # (rows, hash)
        assert assert_unchanged(before, after) > 10
        (moved,) = quarantine.glob(f"*__{Q4_FILE}")
        assert not bad.exists() and moved.with_name(moved.name + ".txt").exists()
        report = moved.with_name(moved.name + ".txt").read_text(encoding="utf-8")
        assert f"dbt test {RISK_TEST}" in report

        # The next run loads the good file again and publishes without the bad one.
        assert run(("2019-20-Q2", Q4), instance=instance).success
        assert published_value(SICKNESS, "2019-20-Q2") == pytest.approx(4.25)
        assert sha256_of(good) in input_sha256s("returns")
        assert sha256_of(moved) not in input_sha256s("returns")
    finally:
        monkeypatch.undo()
        restore_seed_returns(instance)
