"""The exceptions' rules, case by case, on a report's data as the query layer gives it
(:func:`orchestration.reports.queries.report_data`). The seeds never show an overdue action,
a risk whose score rose or a PI worse two periods running, so each kind gets its own case
here (the seed's own exceptions are checked in ``tests/pipeline/test_exceptions.py``)."""

from __future__ import annotations

from datetime import date

import pytest

from orchestration.reports.exceptions import KINDS, service_exceptions
from orchestration.reports.queries import Period

Q2 = Period(2016, 2)  # Q2 2016/17: 1 July to 30 September 2016
SERVICE = "Children's Services"


def _pi(code: str = "CS.S.02.04b", unit: str = "Number") -> dict:
    return {"indicator_code": code, "title": f"PI {code}", "unit": unit, "decimals": 0}


def _value(**over) -> dict:
    v = {
        "value": 17.0,
        "period_target": 20.0,
        "status": "On Target",
        "reported_status": "On Target",
        "status_agrees": True,
        "short_trend": "Improving",
        "feeder_check": None,
        "computed_value": None,
        "note": None,
    }
    return {**v, **over}


def _data(values=None, actions=(), risks=(), risks_before=None, pis=None) -> dict:
    return {
        "indicators": pis or [_pi()],
        "values": values or {},
        "previous_key": "2016-17-Q1",
        "actions": list(actions),
        "risks": list(risks),
        "risks_before": risks_before or {},
    }


def _kinds(data: dict) -> list[tuple[str, str]]:
    return [(r["kind"], r["code"]) for r in service_exceptions(data, SERVICE, Q2)]


def _action(status: str, due: date, progress: float | None = 50.0) -> dict:
    return {"action_code": "CS.S.01.01", "action": "Service re-design", "due_date": due,
            "progress_pct": progress, "status": status}  # fmt: skip


def test_an_action_due_by_the_periods_end_and_not_complete_is_overdue():
    rows = service_exceptions(_data(actions=[_action("On Target", date(2016, 9, 30))]), SERVICE, Q2)
    assert [(r["kind"], r["code"], r["detail"]) for r in rows] == [
        ("overdue", "CS.S.01.01", "due 30 September 2016, 50% complete")
    ]
    assert rows[0]["subject"] == ("action", "CS.S.01.01") and rows[0]["service"] == SERVICE


@pytest.mark.parametrize(
    "status, due",
    [("Complete", date(2016, 9, 30)), ("On Target", date(2016, 10, 1))],
    ids=["complete", "due after the period"],
)
def test_a_complete_action_or_one_due_later_is_not_overdue(status, due):
    assert _kinds(_data(actions=[_action(status, due)])) == []


def test_an_overdue_action_without_progress_says_so():
    (row,) = service_exceptions(
        _data(actions=[_action("Off Target", date(2016, 6, 30), None)]), SERVICE, Q2
    )
    assert row["detail"] == "due 30 June 2016, no progress given"


def _risk(score: float | None) -> dict:
    return {"risk_code": "CS.R.01", "title": "Budget pressures", "risk_score": score}


def test_a_risk_scored_higher_than_in_its_last_scored_period_rose():
    before = {"CS.R.01": {"period_key": "2016-17-Q1", "risk_score": 9.0}}
    (row,) = service_exceptions(_data(risks=[_risk(12.0)], risks_before=before), SERVICE, Q2)
    assert (row["kind"], row["value"], row["previous"]) == ("risk_rose", 12.0, 9.0)
    assert row["detail"] == "score 12, 9 in Q1 2016/17"


@pytest.mark.parametrize("score", [9.0, 6.0, None], ids=["same", "lower", "not scored"])
def test_a_risk_not_scored_higher_did_not_rise(score):
    before = {"CS.R.01": {"period_key": "2016-17-Q1", "risk_score": 9.0}}
    assert _kinds(_data(risks=[_risk(score)], risks_before=before)) == []


def test_a_risk_first_scored_this_period_did_not_rise():
    assert _kinds(_data(risks=[_risk(12.0)])) == []


def test_a_value_its_feeder_data_do_not_give_is_listed_with_what_they_give():
    values = {("CS.S.02.04b", "2016-17-Q2"): _value(feeder_check="disagrees", computed_value=4.5)}
    (row,) = service_exceptions(_data(values), SERVICE, Q2)
    assert (row["kind"], row["detail"]) == ("feeder", "the feeder data give 4.50")


def test_a_zero_denominator_is_listed_as_not_computable():
    values = {("CS.S.02.04b", "2016-17-Q2"): _value(feeder_check="not computable")}
    (row,) = service_exceptions(_data(values), SERVICE, Q2)
    assert row["detail"] == "the denominator is 0: the feeder data cannot give a value"


@pytest.mark.parametrize(
    "before, listed",
    [("Getting Worse", True), ("Improving", False), (None, False)],
    ids=["worse before too", "better before", "no period before"],
)
def test_worse_two_periods_running_needs_the_period_before_worse_too(before, listed):
    values = {("CS.S.02.04b", "2016-17-Q2"): _value(short_trend="Getting Worse")}
    if before:
        values[("CS.S.02.04b", "2016-17-Q1")] = _value(short_trend=before)
    assert (("worse_twice", "CS.S.02.04b") in _kinds(_data(values))) is listed


def test_off_target_and_warning_with_the_gap_to_target():
    values = {
        ("A.1", "2016-17-Q2"): _value(status="Off Target", value=11.02, period_target=9.0),
        ("A.2", "2016-17-Q2"): _value(status="Warning"),
        ("A.3", "2016-17-Q2"): _value(),
    }
    rows = service_exceptions(_data(values, pis=[_pi("A.1"), _pi("A.2"), _pi("A.3")]), SERVICE, Q2)
    assert [(r["kind"], r["code"]) for r in rows] == [("off_target", "A.1"), ("off_target", "A.2")]
    assert rows[0]["gap"] == pytest.approx(2.02)


def test_no_value_is_listed_with_its_note_and_nothing_else():
    values = {("CS.S.02.04b", "2016-17-Q2"): _value(value=None, status=None,
                                                    note="Data not available this quarter")}  # fmt: skip
    (row,) = service_exceptions(_data(values), SERVICE, Q2)
    assert (row["kind"], row["detail"]) == ("no_value", "Data not available this quarter")


def test_a_pi_not_in_the_periods_return_is_no_exception():
    values = {("CS.S.02.04b", "2016-17-Q1"): _value(status="Off Target")}
    assert _kinds(_data(values)) == []


def test_rows_come_in_the_order_of_the_kinds():
    values = {
        ("A.1", "2016-17-Q2"): _value(feeder_check="disagrees", computed_value=1.0),
        ("A.2", "2016-17-Q2"): _value(
            status="Off Target", status_agrees=False, reported_status="On Target"
        ),  # fmt: skip
    }
    data = _data(values, actions=[_action("Off Target", date(2016, 9, 1))],
                 pis=[_pi("A.1"), _pi("A.2")])  # fmt: skip
    order = [k.key for k in KINDS]
    kinds = [k for k, _ in _kinds(data)]
    assert kinds == ["off_target", "status_differs", "feeder", "overdue"]
    assert kinds == sorted(kinds, key=order.index)
