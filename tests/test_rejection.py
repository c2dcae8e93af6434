"""A malformed return stops the load with a precise message and changes nothing."""

from __future__ import annotations

import shutil

import duckdb

from orchestration import settings
from orchestration.cli import run
from orchestration.returns.reader import sha256_of
from tests.conftest import REPO
from tests.returns_factory import write_return


def _raw_counts(path):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(
            """select (select count(*) from raw.return_indicator_values),
                      (select sum(hash(indicator_code, value)) from raw.return_indicator_values)"""
        ).fetchone()


def test_malformed_return_is_rejected_and_warehouse_unchanged(
    built_warehouse, instance, tmp_path, monkeypatch
):
    returns = tmp_path / "returns"
    shutil.copytree(REPO / "raw" / "returns", returns)
    # A resubmitted Q3 2019/20 return with text typed into a value cell.
    bad = write_return(
        returns / "midlothian__childrens-services__2019-20__Q3.xlsx",
        indicators=[
            ("CS.CORP.SICKNESS", "Quarter", 7.82, None, None, None, ""),
            ("CS.CORP.INVOICES", "Quarter", "ninety eight", None, None, None, ""),
        ],
    )
    monkeypatch.setenv("RETURNS_DIR", str(returns))
    published_before = sha256_of(built_warehouse)
    raw_before = _raw_counts(settings.work_warehouse_path())

    result = run(("2019-20-Q3", "2019-20-Q3"), instance=instance)

    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    message = failure.step_failure_data.error.message + str(
        failure.step_failure_data.user_failure_data
    )
    assert bad.name in message
    assert (
        "sheet 'Indicators', row 3, column C ('Value'): expected a number, got 'ninety eight'"
        in message
    )
    assert sha256_of(built_warehouse) == published_before
    assert _raw_counts(settings.work_warehouse_path()) == raw_before
