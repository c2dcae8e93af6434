"""A malformed return is rejected with a precise message and changes nothing in the warehouse.

The run itself goes on (the quarter's other returns would be loaded and published); its
``every_return_accepted`` check fails naming the cell, and the file goes to the quarantine
folder beside the returns folder.
"""

from __future__ import annotations

import shutil

import duckdb

from orchestration import settings
from orchestration.cli import rejected_returns, run
from tests.conftest import REPO
from tests.returns_factory import write_return
from tests.test_reliability import table_checksums


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
    marts_before = table_checksums(built_warehouse, "marts")
    raw_before = _raw_counts(settings.work_warehouse_path())

    result = run(("2019-20-Q3", "2019-20-Q3"), instance=instance)

    (message,) = rejected_returns(result)
    assert f"Rejected {bad.name}: moved to {tmp_path / 'quarantine'}" in message
    assert (
        "sheet 'Indicators', row 3, column C ('Value'): expected a number, got 'ninety eight'"
        in message
    )
    assert not bad.exists() and len(list((tmp_path / "quarantine").glob(f"*__{bad.name}"))) == 1
    assert table_checksums(built_warehouse, "marts") == marts_before
    assert _raw_counts(settings.work_warehouse_path()) == raw_before
