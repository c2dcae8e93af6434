"""One declaration of each return rule, and a pipeline that always recovers from a bad return.

* The reader's rules are the dbt tests on the staging models: every error-severity test dbt
  runs on ``stg_returns__*`` (read from the manifest, i.e. what dbt really enforces) is
  either checked by the reader on a named cell or documented as guaranteed by construction.
* Defence in depth: the reader is made to forget one rule dbt still enforces (the risk score
  is required). A return with a blank score then passes the reader and fails the dbt test;
  the run fails naming the file, this run's load is undone (the raw tables and the published
  warehouse and files are exactly as before), the file is quarantined with a report, and the
  next run publishes the run's good file without it.
* The landing sensor asks again for the good files of a quarter whose failed run quarantined
  a bad one (the run key follows the files the published warehouse does not hold), and asks
  for nothing after a successful run (the first ``make dev`` after ``make run``).
"""

from __future__ import annotations

import logging
import shutil

import openpyxl
import pytest

from orchestration.defs.automation.returns_sensor import evaluate
from orchestration.fingerprints import sha256_of
from orchestration.ops.cli import failure_descriptions, run
from orchestration.returns import format as fmt
from orchestration.warehouse.published import input_sha256s
from orchestration.workbook import rules
from tests.test_reliability import (
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


# --- one declaration ----------------------------------------------------------------------


def test_every_dbt_test_on_return_data_is_a_reader_rule(manifest):
    import json

    nodes = json.loads(manifest.read_text())["nodes"].values()
    enforced = {
        (n["attached_node"].rsplit(".", 1)[-1], n["column_name"], n["test_metadata"]["name"])
        for n in nodes
        if n["resource_type"] == "test"
        and (n.get("attached_node") or "").rsplit(".", 1)[-1] in rules.MODELS
        and n["config"]["severity"].lower() == "error"
    }
    assert len(enforced) >= 20
    declared = {}
    for rule in rules.all_tests():
        assert isinstance(rule, rules.Rule), f"a test the reader cannot check: {rule}"
        declared[(rule.model, rule.column, rule.test)] = rule
    assert enforced == set(declared)
    for rule in declared.values():
        # Checked on a cell (or a row key), or guaranteed by how the reader builds the row.
        assert rule.field or rule.key or rule.guaranteed_by, rule.name
    # The rules this issue asked for, each read from the schema files.
    by_name = {r.name: r for r in rules.rules()}
    assert by_name["relationships on stg_returns__indicator_values.council"].seed == "councils"
    assert by_name["not_null on stg_returns__risks.risk_score"].field == "Current Risk Score"
    assert by_name["not_null on stg_returns__actions.action"].field == "Action"
    progress = by_name["accepted_range on stg_returns__actions.progress_pct"]
    assert (progress.min_value, progress.max_value) == (0, 100)


@pytest.mark.parametrize(
    "rule_name, typed, canonical",
    [
        ("in_vocabulary on stg_returns__indicator_values.reported_status", "Green", "On Target"),
        ("in_vocabulary on stg_returns__indicator_values.reported_status", " amber", "Warning"),
        ("in_vocabulary on stg_returns__indicator_values.reported_status", "RED", "Off Target"),
        (
            "in_vocabulary on stg_returns__indicator_values.reported_status",
            "off target",
            "Off Target",
        ),
        ("in_vocabulary on stg_returns__actions.reported_status", "Completed", "Complete"),
        (
            "relationships on stg_returns__indicator_values.council",
            "Argyll and Bute",
            "Argyll & Bute",
        ),
        ("relationships on stg_returns__indicator_values.council", "midlothian", "Midlothian"),
    ],
)
def test_documented_spellings_become_the_warehouse_words(rule_name, typed, canonical):
    (rule,) = [r for r in rules.rules() if r.name == rule_name]
    problems = []
    assert rules.check(rule, typed.strip(), problems.append) == canonical
    assert problems == []


def test_anything_else_is_refused_with_the_choices():
    (rule,) = [
        r for r in rules.rules() if r.column == "reported_status" and r.sheet == "Indicators"
    ]
    problems = []
    rules.check(rule, "Purple", problems.append)
    assert problems == [
        "'Purple' is not an accepted Status: use one of On Target, Warning, Off Target, Data Only "
        "(also accepted: Green = On Target, Amber = Warning, Red = Off Target), or leave it blank"
    ]


# --- the landing sensor -------------------------------------------------------------------


def test_first_tick_after_a_run_requests_nothing(built_warehouse):
    requests, _, _ = evaluate(SEED_RETURNS, None, LOG)
    assert input_sha256s("returns") >= {sha256_of(p) for p in SEED_RETURNS.glob("*.xlsx")}
    assert requests == []


def test_good_files_of_a_failed_run_are_requested_again(tmp_path):
    folder = tmp_path / "returns"
    folder.mkdir()
    good = folder / "east-lothian__childrens-services__2019-20__Q4.xlsx"
    bad = folder / Q4_FILE
    shutil.copy(SEED_RETURNS / Q4_FILE, good)
    shutil.copy(SEED_RETURNS / Q4_FILE, bad)
    wb = openpyxl.load_workbook(bad)
    wb[fmt.INDICATORS_SHEET]["C2"] = 1  # other bytes: another file's content
    wb.save(bad)
    first, cursor, _ = evaluate(folder, None, LOG, published=set())
    assert [(r.partition_key, r.run_key) for r in first] == [
        (Q4, f"{Q4}:" + "+".join(sorted([sha256_of(good), sha256_of(bad)])))
    ]
    # That run failed and undid its load, and quarantined the bad file: nothing is published.
    bad.unlink()
    again, cursor, _ = evaluate(folder, cursor, LOG, published=set())
    assert [(r.partition_key, r.run_key) for r in again] == [(Q4, f"{Q4}:{sha256_of(good)}")]
    # Asked once: the next tick does not ask again while that run goes on.
    assert evaluate(folder, cursor, LOG, published=set())[0] == []
    # Once published, nothing more.
    assert evaluate(folder, cursor, LOG, published={sha256_of(good)})[0] == []


def test_a_browser_second_download_is_sent_to_its_quarter_to_be_quarantined(tmp_path):
    folder = tmp_path / "returns"
    folder.mkdir()
    copy = folder / "midlothian__childrens-services__2016-17__Q2 (1).xlsx"
    shutil.copy(
        SEED_RETURNS / fmt.file_name("Midlothian", "Children's Services", "2016-17-Q2"), copy
    )
    requests, cursor, _ = evaluate(folder, None, LOG, published=set())
    assert [r.partition_key for r in requests] == ["2016-17-Q2"]
    assert requests[0].tags["returns/files"] == copy.name


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
