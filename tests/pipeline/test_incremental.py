"""Incremental dbt builds: a quarterly load recomputes only the years it changed, and the
result is the same as a full rebuild.

* The planner (``orchestration/planning/incremental.py``) on small DuckDB databases: the first build,
  a changed dbt project and ``--full-refresh`` are full builds; otherwise only the financial
  years with files loaded since the last successful build form the window, and a build that
  failed (so was never logged) leaves its years for the next one.
* End to end on the seed returns: a resubmitted 2018/19 year-end return (sickness absence
  9.32 -> 9.50 days) is built incrementally; the 2019/20 value's trends, which compare with
  2018/19, follow it; and every mart is row-for-row what a full rebuild of the same raw
  tables gives. That run (a returns-only change, ``orchestration/planning/selection.py``) materialized
  only what is downstream of the returns: no LGBF, framework or reference model, no seed;
  and it rewrote only the reports from 2018/19 on.
"""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import openpyxl
import pytest

from orchestration import config, fingerprints
from orchestration.ops.cli import run
from orchestration.planning import incremental
from orchestration.returns import format as fmt
from orchestration.transform import artefacts
from tests.support.paths import SEED_RETURNS
from tests.support.seed_state import restore_seed_returns, table_checksums

T0 = datetime(2026, 1, 15, 6, 0)


def _raw(con, loads: list[tuple[str, datetime]]) -> None:
    """raw.return_files with one file per (financial year, loaded_at)."""
    con.execute("create schema raw")
    con.execute("create table raw.return_files (financial_year varchar, loaded_at timestamp)")
    con.executemany("insert into raw.return_files values (?, ?)", loads)


def _log(con, plan: incremental.BuildPlan, at: datetime) -> None:
    incremental.record_build(con, plan, at)


def test_first_build_and_a_changed_project_are_full_builds():
    con = duckdb.connect()
    _raw(con, [("2019/20", T0)])
    first = incremental.plan_build(con)
    assert (first.mode, first.reason) == ("full", "no earlier build")
    assert (first.dbt_args(), first.dbt_env()) == (["--full-refresh"], {})
    assert first.returns_loaded_until == T0

    stale = incremental.BuildPlan("full", "", "fingerprint of another dbt project", T0)
    _log(con, stale, T0 + timedelta(minutes=1))
    changed = incremental.plan_build(con)
    assert (changed.mode, changed.reason) == (
        "full",
        "the dbt project changed since the last build",
    )

    _log(con, changed, T0 + timedelta(minutes=2))
    assert incremental.plan_build(con).mode == "incremental"
    assert incremental.plan_build(con, full_refresh=True).mode == "full"


def test_the_window_is_the_years_loaded_since_the_last_successful_build():
    con = duckdb.connect()
    _raw(con, [("2015/16", T0), ("2019/20", T0)])
    _log(con, incremental.plan_build(con), T0 + timedelta(minutes=1))  # the first, full build

    nothing = incremental.plan_build(con)
    assert (nothing.mode, nothing.from_year, nothing.to_year) == ("incremental", None, None)
    assert (nothing.dbt_args(), nothing.dbt_env()) == ([], {"RETURNS_WINDOW": "0:-1"})

    # A quarterly load of 2020/21, and a resubmitted 2017/18 return.
    con.executemany(
        "insert into raw.return_files values (?, ?)",
        [("2020/21", T0 + timedelta(days=90)), ("2017/18", T0 + timedelta(days=90))],
    )
    plan = incremental.plan_build(con)
    assert (plan.mode, plan.from_year, plan.to_year) == ("incremental", 2017, 2020)
    assert plan.dbt_env() == {"RETURNS_WINDOW": "2017:2020"}

    # That build failed, so it was not logged; the next load (2021/22) adds to the window.
    con.execute("insert into raw.return_files values ('2021/22', ?)", [T0 + timedelta(days=180)])
    retry = incremental.plan_build(con)
    assert (retry.from_year, retry.to_year) == (2017, 2021)

    _log(con, retry, T0 + timedelta(days=181))
    done = incremental.plan_build(con)
    assert (done.from_year, done.to_year) == (None, None)


def test_the_project_fingerprint_follows_the_status_rules_and_the_targets(tmp_path, monkeypatch):
    """Editing a model or a seed (a target) changes the fingerprint; nothing else does."""
    copy = tmp_path / "dbt_project"
    shutil.copytree(config.DBT_PROJECT_DIR, copy, ignore=shutil.ignore_patterns("target", "logs"))
    monkeypatch.setattr(config, "DBT_PROJECT_DIR", copy)
    original = fingerprints.project_fingerprint()
    (copy / "target").mkdir(exist_ok=True)
    (copy / "target" / "run_results.json").write_text("{}")
    assert fingerprints.project_fingerprint() == original

    targets = copy / "seeds" / "councils.csv"
    targets.write_text(targets.read_text() + "\n")
    assert fingerprints.project_fingerprint() != original


# --- end to end on the seed returns -------------------------------------------------------

SICKNESS = "CS.CORP.SICKNESS"
FILE_2018_19 = fmt.file_name("Midlothian", "Children's Services", "2018-19-Q4")


@pytest.fixture(scope="module", autouse=True)
def seed_state_after_module(built_warehouse, instance):
    """Other test modules share the session warehouse: leave it loaded from raw/returns."""
    yield
    restore_seed_returns(instance)


def _resubmitted_2018_19(folder: Path, value: float) -> Path:
    shutil.copytree(SEED_RETURNS, folder)
    path = folder / FILE_2018_19
    wb = openpyxl.load_workbook(path)
    ws = wb[fmt.INDICATORS_SHEET]
    row = next(
        r
        for r in range(2, ws.max_row + 1)
        if ws.cell(r, 1).value == SICKNESS and ws.cell(r, 2).value == fmt.PERIOD_YEAR_END
    )
    ws.cell(row, 3).value = value
    wb.save(path)
    return path


def _sickness(con, period_key: str) -> tuple:
    return con.execute(
        """select value, short_trend_compared_with, long_trend_compared_with from marts.fct_indicator_value
           where indicator_code = ? and period_key = ?""",
        [SICKNESS, period_key],
    ).fetchone()


def _builds(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "select mode, from_year, to_year from meta.dbt_builds order by built_at"
        ).fetchall()


def _report_times() -> dict[str, int]:
    folder = config.output_dir() / "excel"
    return {p.name: p.stat().st_mtime_ns for p in folder.glob("*__performance-report.xlsx")}


def _report(period: str) -> str:
    return f"midlothian__childrens-services__{period}__performance-report.xlsx"


def test_a_resubmitted_year_is_built_incrementally_and_equals_a_full_rebuild(
    built_warehouse, instance, tmp_path, monkeypatch
):
    restore_seed_returns(instance, monkeypatch)
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        # As printed in the 2019/20 report: 11.02 days, against 9.32 in 2018/19.
        assert _sickness(con, "2019-20") == pytest.approx((11.02, 9.32, 11.08))
    builds_before = len(_builds(built_warehouse))

    returns = _resubmitted_2018_19(tmp_path / "returns", 9.50)
    monkeypatch.setenv("RETURNS_DIR", str(returns.parent))
    reports = _report_times()
    result = run(("2018-19-Q4", "2018-19-Q4"), instance=instance)
    assert result.success

    # Only what is downstream of the returns ran: their models, with their tests ...
    built = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert {
        "raw/return_files",
        "staging/stg_returns__indicator_values",
        "marts/fct_indicator_value",
        "marts/fct_service_pi_summary",
        "service_performance_reports",
        "published_warehouse",
    } <= built
    checked = {e.asset_key.to_user_string() for e in result.get_asset_check_evaluations()}
    assert "marts/fct_indicator_value" in checked
    # ... not the LGBF, framework or reference models, the seeds or the LGBF packs.
    assert not {k for k in built if "lgbf" in k or "framework" in k or k.startswith("reference/")}
    assert not {k for k in checked if "lgbf" in k or "framework" in k}
    # Reports only for Midlothian Children's Services from 2018-19 Q4 on (later trends
    # compare with it), the earlier periods' reports left as they were.
    rewritten = {name for name, t in _report_times().items() if t != reports.get(name)}
    assert rewritten == {name for name in reports if "__2018-19" in name or "__2019-20" in name}
    assert _report("2019-20") in rewritten

    # Incremental: only 2018/19 changed, so only 2018/19 to 2022/23 were recomputed ...
    assert _builds(built_warehouse)[builds_before:] == [("incremental", 2018, 2018)]
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        assert _sickness(con, "2018-19")[0] == pytest.approx(9.50)
        # ... and the later year's trends follow: short against 9.50, long the mean of 12.84 and 9.50.
        assert _sickness(con, "2019-20") == pytest.approx((11.02, 9.50, 11.17))
    incremental_marts = table_checksums(built_warehouse, "marts")

    assert run(("2018-19-Q4", "2018-19-Q4"), instance=instance, full_refresh=True).success

    assert _builds(built_warehouse)[-1] == ("full", None, None)
    # Three dbt builds or more in this session so far, and only the newest target folders kept.
    assert len(artefacts.dbt_run_folders()) == artefacts.KEEP_DBT_RUN_FOLDERS
    # Every mart, row for row (count and a hash of every whole row), as the full rebuild has it.
    assert table_checksums(built_warehouse, "marts") == incremental_marts
