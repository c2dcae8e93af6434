"""Which service reports a run rewrites after each kind of change (orchestration/planning/selection.py
plans it, the reports asset applies it), on the warehouse the session's run built from raw/.
"""

from __future__ import annotations

from types import SimpleNamespace

from orchestration.defs.publish.outputs import periods_in_scope, report_scope
from orchestration.planning import selection
from orchestration.planning.changes import Changes
from orchestration.reports.service_report import report_periods

FRAMEWORK = "midlothian.xlsx"  # raw/frameworks/
RETURN_2019_20_Q2 = "midlothian__childrens-services__2019-20__Q2.xlsx"
# A report of a council with no change (periods are (council, service, period, ...)).
OTHER = ("East Lothian", "Housing Services", "2019-20")

_NO_QUARTERS = SimpleNamespace(run=SimpleNamespace(tags={}))  # a run without partition tags


def _reports_config(plan: selection.RunPlan) -> dict:
    return plan.run_config()["ops"][selection.REPORTS_ASSET]["config"]


def test_a_framework_change_rewrites_every_report_of_its_council_only(warehouse):
    plan = selection.plan(Changes(frameworks=[FRAMEWORK]))
    config = _reports_config(plan)
    assert config == {"changed_frameworks": [FRAMEWORK]}

    periods = report_periods(warehouse)
    midlothian = [p for p in periods if p[0] == "Midlothian"]
    assert len(midlothian) == 11  # every period of the seed returns
    scope = report_scope(warehouse, [], config["changed_frameworks"])
    assert periods_in_scope(_NO_QUARTERS, [*periods, OTHER], scope) == midlothian


def test_a_resubmitted_return_rewrites_its_service_from_its_quarter_on(warehouse):
    plan = selection.plan(Changes(returns=[RETURN_2019_20_Q2]))
    config = _reports_config(plan)
    assert config == {"changed_returns": [RETURN_2019_20_Q2]}

    scope = report_scope(warehouse, config["changed_returns"], [])
    written = periods_in_scope(_NO_QUARTERS, [*report_periods(warehouse), OTHER], scope)
    # later periods' trends compare with the resubmitted quarter
    assert [p[2] for p in written] == ["2019-20", "2019-20-Q2", "2019-20-Q3", "2019-20-Q4"]


def test_an_lgbf_change_rewrites_every_report():
    """Every report prints the LGBF benchmarks: a new release reaches them all."""
    plan = selection.plan(Changes(lgbf=["new-release.xlsx"], frameworks=[FRAMEWORK]))
    assert "ops" not in plan.run_config()
    assert periods_in_scope(_NO_QUARTERS, [OTHER], None) == [OTHER]
