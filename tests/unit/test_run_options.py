"""Run options: Dagster run config both ways, and part of what the change check compares."""

import pytest

from orchestration.planning import selection
from orchestration.planning.changes import Changes
from orchestration.planning.options import RunOptions, merge_run_config


def test_options_round_trip_through_run_config():
    options = RunOptions(report_periods="latest-year", lgbf_pack_councils="Fife, Angus")
    assert RunOptions.from_run_config(options.run_config()) == options
    assert RunOptions.from_run_config({}) == RunOptions()
    no_pdf = RunOptions(pdf_papers="none")
    assert RunOptions.from_run_config(no_pdf.run_config()) == no_pdf
    with pytest.raises(ValueError, match="latest, all, none"):
        RunOptions(pdf_papers="some")


def test_an_unknown_report_periods_value_is_refused_naming_the_accepted_ones():
    with pytest.raises(ValueError, match="run, latest-year"):
        RunOptions(report_periods="lastest-year")


def test_a_plan_carries_its_options_into_the_run_config_beside_the_reports_scope():
    options = RunOptions(report_periods="latest-year")
    plan = selection.plan(Changes(returns=["a.xlsx"]), options)
    config = plan.run_config({"loggers": {"file": {"config": {"path": "x"}}}})
    reports = config["ops"]["service_performance_reports"]["config"]
    assert reports == {
        "report_periods": "latest-year",
        "pdf_papers": "latest",
        "changed_returns": ["a.xlsx"],
    }
    assert config["loggers"] == {"file": {"config": {"path": "x"}}}
    # The defaults add nothing: a run with a subset of assets gets no config for the others.
    assert selection.plan(Changes(code=["x"])).run_config() == {}


def test_merge_keeps_every_assets_config():
    merged = merge_run_config(
        {"ops": {"a": {"config": {"x": 1}}}}, {"ops": {"a": {"config": {"y": 2}}, "b": {}}}
    )
    assert merged == {"ops": {"a": {"config": {"x": 1, "y": 2}}, "b": {}}}
