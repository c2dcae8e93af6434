"""What a failed dbt build tells the operator and the officer (``orchestration.transform.recovery``):
the run's failure names each failed test, each traced file and where it went, and what was
undone; the report beside a quarantined file names the tests its rows fail. (The whole
recovery on the session warehouse: ``tests/pipeline/test_recovery.py``.)"""

from __future__ import annotations

from pathlib import Path

from orchestration.transform.recovery import FailedTest, failure_description, quarantine_reason

Q4 = "midlothian__childrens-services__2019-20__Q4.xlsx"
Q2 = "midlothian__childrens-services__2019-20__Q2.xlsx"
RISK = FailedTest("not_null_stg_returns__risks_risk_score", "Got 1 result", {(Q4, "b4")})


def test_a_traced_file_is_named_with_where_it_went_and_the_load_undone():
    moved = {Q4: Path("/q/20240101__" + Q4)}
    text = failure_description([RISK], {(Q4, "b4")}, {(Q2, "a2"), (Q4, "b4")}, moved)
    assert text.splitlines() == [
        "The dbt build failed:",
        "  - not_null_stg_returns__risks_risk_score: Got 1 result",
        f"Rows failing come from {Q4}: moved to /q/20240101__{Q4}.",
        "Undone: this run's load of 2 file(s) and 0 earlier load(s) traced to the failure; the "
        "raw tables are as they were before them. The published warehouse was not changed; the "
        "next run loads the other files again and publishes without the quarantined ones.",
    ]


def test_an_earlier_load_traced_but_gone_from_the_folder_is_said_so():
    text = failure_description([RISK], {(Q4, "b4")}, set(), {})
    assert f"Rows failing come from {Q4}: no longer in the returns folder." in text
    assert "this run's load of 0 file(s) and 1 earlier load(s)" in text


def test_nothing_traced_and_nothing_loaded_undoes_nothing():
    model = FailedTest("fct_indicator_value", "Binder Error")
    assert failure_description([model], set(), set(), {}).splitlines() == [
        "The dbt build failed:",
        "  - fct_indicator_value: Binder Error",
        "No return file could be traced from the failing rows; nothing was undone.",
    ]
    assert "(no test or model result)" in failure_description([], set(), set(), {})


def test_the_quarantine_report_names_every_test_the_file_fails():
    other = FailedTest("relationships_stg_returns__risks_council", "Got 2 results", {(Q4, "b4")})
    assert quarantine_reason(Q4, [RISK, other]).splitlines() == [
        f"Return {Q4} rejected after loading: its rows fail the warehouse's data test(s) below, "
        "which the return reader does not check yet.",
        "  - dbt test not_null_stg_returns__risks_risk_score: Got 1 result",
        "  - dbt test relationships_stg_returns__risks_council: Got 2 results",
        "The load was undone: the warehouse holds what it held before this file.",
    ]
