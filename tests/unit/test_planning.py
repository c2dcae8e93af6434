"""What a run builds (``orchestration.planning``), decided from what changed, on a small
asset graph with the code location's ingest groups, and on an in-memory warehouse for the
full-or-incremental decision. (The same decisions on the real code location and warehouse:
``tests/pipeline/test_nothing_changed.py``, ``tests/pipeline/test_incremental.py``.)"""

from __future__ import annotations

from datetime import datetime

import dagster as dg
import duckdb
import pytest

from orchestration.periods import FinancialQuarter
from orchestration.planning import selection
from orchestration.planning.changes import Changes
from orchestration.planning.incremental import plan_build, record_build
from orchestration.planning.options import REPORTS_ASSET, RunOptions


@dg.asset(group_name=selection.RETURNS_INGEST)
def returns_ingest(): ...


@dg.asset(group_name=selection.LGBF_INGEST)
def lgbf_ingest(): ...


@dg.asset(group_name=selection.FRAMEWORKS_INGEST)
def frameworks(): ...


@dg.asset(deps=[returns_ingest, frameworks])
def fct_indicator_value(): ...


@dg.asset(deps=[lgbf_ingest])
def fct_lgbf_benchmark(): ...


@dg.asset(name=REPORTS_ASSET, deps=[fct_indicator_value, fct_lgbf_benchmark])
def reports(): ...


@dg.asset(deps=[fct_indicator_value])
def return_templates(): ...


GRAPH = [
    returns_ingest,
    lgbf_ingest,
    frameworks,
    fct_indicator_value,
    fct_lgbf_benchmark,
    reports,
    return_templates,
]


def _built(plan: selection.RunPlan) -> set[str]:
    return {key.to_user_string() for key in plan.asset_keys(GRAPH)}


def test_nothing_changed_builds_nothing():
    plan = selection.plan(Changes())
    assert plan.nothing and plan.asset_keys(GRAPH) == []
    assert plan.reason == "nothing changed since the last successful publish"


@pytest.mark.parametrize("changes", [Changes(code=["code changed"]), Changes(outputs=["excel/"])])
def test_code_or_missing_outputs_build_everything_but_the_templates(changes):
    plan = selection.plan(changes)
    assert _built(plan) == {a.key.to_user_string() for a in GRAPH} - {"return_templates"}
    assert plan.changed_returns == [] and plan.changed_frameworks == []


def test_new_returns_build_downstream_of_the_returns_only_and_narrow_the_reports():
    files = ["midlothian__childrens-services__2019-20__Q4.xlsx"]
    plan = selection.plan(Changes(returns=files))
    assert _built(plan) == {"returns_ingest", "fct_indicator_value", REPORTS_ASSET}
    assert plan.run_config()["ops"][REPORTS_ASSET]["config"] == {"changed_returns": files}
    assert plan.tags() == {selection.PLAN_TAG: "1 new or resubmitted return(s)"}


def test_a_framework_change_narrows_the_reports_to_its_council():
    plan = selection.plan(Changes(frameworks=["midlothian.xlsx"]))
    assert _built(plan) == {"frameworks", "fct_indicator_value", REPORTS_ASSET}
    assert plan.run_config()["ops"][REPORTS_ASSET]["config"] == {
        "changed_frameworks": ["midlothian.xlsx"]
    }


def test_an_lgbf_change_writes_every_report():
    plan = selection.plan(Changes(returns=["a.xlsx"], lgbf=["lgbf__2020-01-31__abc.xlsx"]))
    assert _built(plan) == {
        "returns_ingest",
        "lgbf_ingest",
        "fct_indicator_value",
        "fct_lgbf_benchmark",
        REPORTS_ASSET,
    }
    assert plan.changed_returns == [] and "ops" not in plan.run_config()


def test_run_options_other_than_the_defaults_reach_the_run_config():
    assert selection.plan(Changes(code=["x"])).run_config() == {}
    asked = RunOptions(report_periods="latest-year")
    assert selection.plan(Changes(code=["x"]), asked).run_config() == asked.run_config() != {}


def test_a_runs_quarters_come_from_its_partition_tags():
    assert selection.run_quarters({}) is None
    assert selection.run_quarters({"dagster/partition": "2019-20-Q4"}) == (
        FinancialQuarter(2019, 4),
        FinancialQuarter(2019, 4),
    )
    span = {
        "dagster/asset_partition_range_start": "2015-16-Q2",
        "dagster/asset_partition_range_end": "2019-20-Q4",
    }
    assert selection.run_quarters(span) == (FinancialQuarter(2015, 2), FinancialQuarter(2019, 4))


# --- full or incremental ------------------------------------------------------------------


@pytest.fixture
def con():
    """The raw tables the build plan reads, with the columns it reads."""
    with duckdb.connect(":memory:") as con:
        con.execute("create schema raw")
        con.execute("create table raw.return_files (financial_year varchar, loaded_at timestamp)")
        con.execute(
            "create table raw.framework_files "
            "(source_file varchar, source_sha256 varchar, loaded_at timestamp)"
        )
        con.execute(
            "insert into raw.framework_files values ('midlothian.xlsx', 'aa', '2024-01-01')"
        )
        yield con


def _load(con, financial_year: str, at: str) -> None:
    con.execute("insert into raw.return_files values (?, ?)", [financial_year, at])


def test_the_first_build_is_full_and_a_later_one_recomputes_only_the_years_loaded_since(con):
    _load(con, "2018-19", "2024-01-02")
    first = plan_build(con)
    assert (first.mode, first.reason, first.dbt_args()) == (
        "full",
        "no earlier build",
        ["--full-refresh"],
    )
    record_build(con, first, datetime(2024, 1, 3))

    kept = plan_build(con)
    assert (kept.mode, kept.from_year, kept.dbt_env()) == (
        "incremental",
        None,
        {"RETURNS_WINDOW": "0:-1"},
    )

    _load(con, "2019-20", "2024-02-01")
    _load(con, "2016-17", "2024-02-02")  # a resubmission of an older year
    window = plan_build(con)
    assert (window.mode, window.from_year, window.to_year) == ("incremental", 2016, 2019)
    assert window.dbt_env() == {"RETURNS_WINDOW": "2016:2019"}
    assert window.returns_loaded_until == datetime(2024, 2, 2)


def test_a_framework_load_or_a_full_refresh_makes_the_build_full(con):
    _load(con, "2019-20", "2024-01-02")
    record_build(con, plan_build(con), datetime(2024, 1, 3))
    assert plan_build(con, full_refresh=True).reason == "asked for"
    con.execute("insert into raw.framework_files values ('midlothian.xlsx', 'bb', '2024-03-01')")
    changed = plan_build(con)
    assert (changed.mode, changed.reason) == (
        "full",
        "the dbt project changed since the last build",
    )
