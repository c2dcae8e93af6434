"""Pentana's vocabulary is declared once, in dbt seeds, and everything else is held to it.

The seeds (dbt_project/seeds/pentana_*.csv) are the declaration; the dbt tests on the marts
accept their words (in_vocabulary); the reports colour and mark exactly those words; the
workbook readers accept exactly those words and their other spellings.
"""

from __future__ import annotations

import yaml

from orchestration import vocabulary
from orchestration.config import DBT_PROJECT_DIR
from orchestration.frameworks.format import DEFAULT_LONG_TREND_PERIODS
from orchestration.reports import cells
from orchestration.workbook import rules

MARTS = DBT_PROJECT_DIR / "models" / "marts"


def _accepted(model: str, column: str) -> set[str]:
    """The words a mart column's in_vocabulary test accepts, as dbt would run it."""
    doc = yaml.safe_load((MARTS / f"{model}.yml").read_text(encoding="utf-8"))
    (node,) = [m for m in doc["models"] if m["name"] == model]
    (col,) = [c for c in node["columns"] if c["name"] == column]
    (test,) = [t["in_vocabulary"] for t in col["data_tests"] if "in_vocabulary" in t]
    args = test["arguments"]
    seed = rules._REF.search(args["to"]).group(1)
    return set(vocabulary.words(seed, args["field"], args.get("used_for")))


def test_the_report_colours_and_marks_exactly_the_statuses_the_warehouse_accepts():
    accepted = _accepted("fct_indicator_value", "status")
    assert accepted == {"On Target", "Warning", "Off Target", "Data Only"}
    assert accepted == _accepted("fct_indicator_value", "status_today")
    assert set(cells.STATUS_COLOURS) == accepted
    assert set(cells.STATUS_SYMBOLS) == accepted


def test_the_report_marks_exactly_the_trends_the_warehouse_accepts():
    for model, column in [
        ("fct_indicator_value", "short_trend"),
        ("fct_indicator_value", "long_trend"),
        ("fct_lgbf_benchmark", "trend"),
    ]:
        assert _accepted(model, column) == set(vocabulary.trends()), (model, column)
    assert set(cells.TREND_ARROWS) == set(vocabulary.trends())
    assert set(cells.TREND_COLOURS) == set(vocabulary.trends())


def _rule(test: str, field: str, framework: bool = False) -> rules.Rule:
    found = rules.framework_rules() if framework else rules.rules()
    (rule,) = [r for r in found if r.test == test and r.field == field]
    return rule


def test_a_return_status_is_a_vocabulary_word_or_its_rag_spelling():
    status = [r for r in rules.rules() if r.test == "in_vocabulary" and r.model.endswith("values")]
    (rule,) = status
    assert set(rule.values) == set(vocabulary.statuses())
    assert rule.canonical["green"] == "On Target"
    assert rule.canonical["amber"] == "Warning"
    assert rule.canonical["off target"] == "Off Target"
    assert "completed" not in rule.canonical  # an action's word, not an indicator's
    problems = []
    assert rules.check(rule, "Red", problems.append) == "Off Target"
    rules.check(rule, "Purple", problems.append)
    assert problems == [
        "'Purple' is not an accepted Status: use one of On Target, Warning, Off Target, "
        "Data Only (also accepted: Green = On Target, Amber = Warning, Red = Off Target), "
        "or leave it blank"
    ]


def test_an_action_status_accepts_complete_but_not_data_only():
    (rule,) = [
        r for r in rules.rules() if r.test == "in_vocabulary" and r.model.endswith("actions")
    ]
    assert rule.canonical["completed"] == "Complete"
    assert "data only" not in rule.canonical


def test_a_framework_gauge_is_a_seed_gauge_or_its_other_spelling():
    rule = _rule("in_vocabulary", "Gauge", framework=True)
    assert rule.values == tuple(vocabulary.gauges())
    assert rule.canonical["higher is better"] == "Aim to Maximise"
    assert rule.canonical["goldilocks"] == "Goldilocks"
    assert set(vocabulary.gauges().values()) == {
        "higher_is_better",
        "lower_is_better",
        "goldilocks",
        "data_only",
    }  # fmt: skip  (the directions the status and trend macros handle)


def test_the_longest_long_trend_is_one_dbt_variable():
    longest = vocabulary.dbt_var("long_trend_max_periods")
    rule = _rule("accepted_range", "Long Trend Periods", framework=True)
    assert (rule.min_value, rule.max_value) == (1, longest)
    assert DEFAULT_LONG_TREND_PERIODS == longest
    sql = (MARTS / "fct_indicator_value_history.sql").read_text(encoding="utf-8")
    assert "window_reach=var('long_trend_max_periods')" in sql
    assert "range(1, {{ var('long_trend_max_periods') }} + 1)" in sql


def test_the_reports_key_explains_every_status_and_trend_in_the_seeds_order():
    assert tuple(vocabulary.key_texts(vocabulary.STATUSES)) == vocabulary.statuses()
    assert tuple(vocabulary.key_texts(vocabulary.TRENDS)) == vocabulary.trends()
    assert vocabulary.key_texts(vocabulary.STATUSES)["Warning"] == (
        "misses its target by no more than its tolerance"
    )
