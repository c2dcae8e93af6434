"""An incremental build's data tests read the years it loaded; a full build's read every row.

``dbt_project/macros/returns_window.sql`` (``default__get_where_subquery``): the tests on the
return staging views and the incremental marts take the build's ``RETURNS_WINDOW``. Here a
2016/17 return row is given a status that is not in the vocabulary, in a copy of the
warehouse the session's pipeline run built, and the vocabulary test on
``stg_returns__indicator_values`` is run as three builds would run it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration import config

SELECT = "stg_returns__indicator_values,test_name:in_vocabulary"


@pytest.fixture(scope="module")
def bad_2016_row(built_warehouse, manifest, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("window")
    warehouse = tmp / "warehouse.duckdb"
    shutil.copyfile(built_warehouse, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        (changed,) = con.execute(
            """update raw.return_indicator_values set reported_status = 'Not a status'
            where rowid = (select min(rowid) from raw.return_indicator_values
                           where financial_year = '2016/17')"""
        ).fetchone()
    assert changed == 1
    target = tmp / "target"
    target.mkdir()
    shutil.copyfile(
        Path(manifest).with_name("partial_parse.msgpack"), target / "partial_parse.msgpack"
    )
    return warehouse, target


def _failures(warehouse: Path, target: Path, window: str | None) -> int:
    """Failing rows of the vocabulary test, run as a build with ``window`` runs it."""
    env = {**os.environ, "DUCKDB_PATH": str(warehouse), "DBT_LOG_PATH": str(target)}
    env.pop("RETURNS_WINDOW", None)
    if window is not None:
        env["RETURNS_WINDOW"] = window
    dbt = Path(sys.executable).with_name("dbt")
    proc = subprocess.run(
        [str(dbt), "test", "--select", SELECT, "--target-path", str(target)],
        cwd=config.DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    results = json.loads((target / "run_results.json").read_text())["results"]
    # (the project's on-run-end hook reports as an operation beside it)
    (result,) = [r for r in results if r["unique_id"].startswith("test.")]
    assert result["status"] in ("pass", "fail"), proc.stdout[-3000:]
    return result["failures"]


def test_a_full_build_tests_every_year(bad_2016_row):
    assert _failures(*bad_2016_row, window=None) == 1


def test_an_incremental_build_tests_the_years_it_loaded(bad_2016_row):
    assert _failures(*bad_2016_row, window="2016:2016") == 1
    # 2016/17 was tested by the build that loaded it; a 2019/20 build does not read it again
    assert _failures(*bad_2016_row, window="2019:2019") == 0
