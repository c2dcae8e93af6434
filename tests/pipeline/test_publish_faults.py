"""Faults at publish: the output folder's disk full, or the folder read-only, while a run
publishes.

Each test loads a corrected return (2019-20-Q2 sickness changed) with ``python -m
orchestration.ops.cli run`` (what ``make run`` runs) in a child process on the session's
warehouse and Dagster instance, with every write of a published output failing:

* **disk full**: ``PIPELINE_FAIL_AT=publish:ENOSPC`` (``orchestration/faults.py``) makes each
  writer (the warehouse copy, each Excel workbook, each Parquet file) fail with
  ``OSError(ENOSPC)`` where a full disk fails it, after its temporary file is written and
  before the rename. No size-limited file system here: mounting one needs privileges a test
  machine may not give;
* **read-only**: as a user other than root, the output folder and its ``excel/`` and
  ``parquet/`` are made read-only (``chmod a-w``) for the run; as root, whom permissions do not
  stop (CI runs as root), ``PIPELINE_FAIL_AT=publish:EROFS`` injects the read-only file
  system's error instead.

Then: the run fails, and the CLI says why in exactly one line naming the folder (``Cannot
publish to <output folder>: no space left on device``), with no stack trace; the last
published warehouse, reports and Parquet are byte-identical, no temporary file is left, and
each still opens (the DuckDB file, a Parquet file, a report workbook) with the old value; and
the next run, with space, publishes the new value to all three.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import openpyxl
import pytest

from orchestration import config
from orchestration.fingerprints import sha256_of
from orchestration.ops.cli import run
from tests.support.paths import REPO
from tests.support.seed_state import (
    Q2,
    SICKNESS,
    corrected_return,
    published_checksums,
    published_value,
    restore_seed_returns,
)

REPORT = f"midlothian__childrens-services__{Q2}__performance-report.xlsx"


@pytest.fixture(scope="module", autouse=True)
def seed_state_after_module(built_warehouse, instance):
    """Other test modules share the session warehouse: leave it loaded from raw/returns."""
    yield
    restore_seed_returns(instance)


@contextlib.contextmanager
def _read_only_output() -> Iterator[tuple[dict[str, str], str]]:
    """The environment for a run whose output folder is read-only, and the reason it gives."""
    if os.geteuid() == 0:  # root writes into a folder with no write bit: inject the error
        yield {"PIPELINE_FAIL_AT": "publish:EROFS"}, "read-only file system"
        return
    out = config.output_dir()
    folders = [out, out / "excel", out / "parquet"]
    modes = {f: f.stat().st_mode for f in folders}
    for folder in folders:
        folder.chmod(modes[folder] & ~0o222)
    try:
        yield {}, "permission denied"
    finally:
        for folder in folders:
            folder.chmod(modes[folder])


def _cli_run(returns: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "orchestration.ops.cli", "run", "--from", Q2, "--to", Q2],
        cwd=REPO,
        env={**os.environ, "RETURNS_DIR": str(returns), "PYTHONUNBUFFERED": "1", **env},
        capture_output=True,
        text=True,
        timeout=900,
    )


def _parquet_value(code: str, period_key: str) -> float:
    path = config.output_dir() / "parquet" / "fct_indicator_value.parquet"
    with duckdb.connect() as con:
        return con.execute(
            "select value from read_parquet(?) where indicator_code = ? and period_key = ?",
            [str(path), code, period_key],
        ).fetchone()[0]


def _report_opens() -> int:
    """The Q2 report opens as a workbook; how many rows its PI Summary has."""
    book = openpyxl.load_workbook(config.output_dir() / "excel" / REPORT, read_only=True)
    try:
        return len(list(book["PI Summary"].iter_rows(values_only=True)))
    finally:
        book.close()


def _temporary_files() -> list[Path]:
    out = config.output_dir()
    return [p for folder in (out, out / "excel", out / "parquet") for p in folder.glob(".*tmp*")]


@contextlib.contextmanager
def _full_disk() -> Iterator[tuple[dict[str, str], str]]:
    """The environment for a run whose output folder's disk is full, and the reason it gives."""
    yield {"PIPELINE_FAIL_AT": "publish:ENOSPC"}, "no space left on device"


def _fails_then_publishes(fault, tmp_path, monkeypatch, instance, value: float) -> None:
    corrected = corrected_return(tmp_path / "returns", value)
    before = published_checksums()
    old = published_value(SICKNESS, Q2)
    assert old != pytest.approx(value) and _parquet_value(SICKNESS, Q2) == pytest.approx(old)
    report_rows = _report_opens()

    with fault() as (env, reason):
        failed = _cli_run(corrected.parent, env)

    output = failed.stdout + failed.stderr
    assert failed.returncode == 1, output
    line = f"Cannot publish to {config.output_dir()}: {reason}"
    assert [x for x in failed.stderr.splitlines() if "Cannot publish" in x] == [line], output
    assert "Traceback" not in output
    print(f"\nthe failed run said: {line}")
    # The last publish, whole: byte-identical, no temporary copy beside it, and it opens.
    assert published_checksums() == before
    assert _temporary_files() == []
    assert published_value(SICKNESS, Q2) == pytest.approx(old)
    assert _parquet_value(SICKNESS, Q2) == pytest.approx(old)
    assert _report_opens() == report_rows

    # The next run, with space, publishes the change to the warehouse, Parquet and reports.
    monkeypatch.setenv("RETURNS_DIR", str(corrected.parent))
    assert run((Q2, Q2), instance=instance).success
    assert published_value(SICKNESS, Q2) == pytest.approx(value)
    assert _parquet_value(SICKNESS, Q2) == pytest.approx(value)
    assert sha256_of(config.output_dir() / "excel" / REPORT) != before[f"excel/{REPORT}"]
    assert _report_opens() == report_rows
    assert _temporary_files() == []


@pytest.mark.parametrize(
    "fault, value", [(_full_disk, 4.15), (_read_only_output, 4.05)], ids=["full_disk", "read_only"]
)
def test_a_publish_fault_fails_in_one_line_and_keeps_the_last_publish(
    built_warehouse, instance, tmp_path, monkeypatch, fault, value
):
    """A full disk, and a read-only output folder, at publish time."""
    try:
        _fails_then_publishes(fault, tmp_path, monkeypatch, instance, value)
    finally:
        monkeypatch.undo()
        restore_seed_returns(instance)
