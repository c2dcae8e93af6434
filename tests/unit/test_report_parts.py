"""The pieces the service report and the LGBF pack are written from, on their own: which
feeder data a PI prints and in which order, the footnotes a row adds, the pack's publication
line, pages and latest figures. (The whole workbooks against the seeds:
``tests/pipeline/test_excel_reports.py``, ``tests/pipeline/test_lgbf.py``.)"""

from __future__ import annotations

from datetime import date

from orchestration.reports import lgbf_pack, service_report
from orchestration.reports.queries import Period
from orchestration.reports.service_report import (
    NO_TARGET,
    feeders,
    pi_summary_mismatch,
    printed_status,
    status_footnote,
)

PI = {
    "indicator_code": "CS.CORP.PIS_ON_TARGET",
    "title": "% of PIs on target",
    "numerator_name": "PIs on target",
    "denominator_name": None,
    "first_feeder": "numerator",
}
Q4 = Period.from_key("2019-20-Q4")


def test_feeders_print_named_in_the_councils_order_and_only_when_held():
    held = {"numerator": 27, "denominator": 6}
    assert feeders(PI, held) == [("PIs on target", 27), ("Denominator", 6)]
    assert feeders({**PI, "first_feeder": "denominator"}, held) == [
        ("Denominator", 6),
        ("PIs on target", 27),
    ]
    assert feeders(PI, {"numerator": None, "denominator": 6}) == [("Denominator", 6)]
    assert feeders(PI, {}) == []


def _summary(pct: float, reported_pis=None, reported_on_target=None) -> dict:
    return {
        "reported_indicator_code": PI["indicator_code"],
        "pis_on_target": 9,
        "pis_with_target": 12,
        "pct_on_target": pct,
        "reported_pis": reported_pis,
        "reported_on_target": reported_on_target,
    }


def test_the_share_on_target_is_footnoted_only_when_the_warehouse_counts_another():
    assert pi_summary_mismatch(PI, {"value": 75.0}, _summary(75.0), Q4) is None
    assert pi_summary_mismatch(PI, {"value": 75.004}, _summary(75.0), Q4) is None  # 2 places
    assert pi_summary_mismatch(PI, {"value": None}, _summary(75.0), Q4) is None
    assert (
        pi_summary_mismatch({**PI, "indicator_code": "X"}, {"value": 80}, _summary(75), Q4) is None
    )
    assert pi_summary_mismatch(PI, {"value": 80.0}, None, Q4) is None
    assert pi_summary_mismatch(PI, {"value": 80.0}, _summary(75.0, 10, 8), Q4) == (
        "% of PIs on target: the service reported 80% (8 of 10), but 9 of the 12 service PIs "
        "with a target in this report are on target in Q4 2019/20 (75%)."
    )
    assert "80%, but 9" in pi_summary_mismatch(PI, {"value": 80.0}, _summary(75.0), Q4)


def test_a_status_the_service_reported_otherwise_is_footnoted_with_its_reason():
    assert status_footnote(PI, {"status": "On Target", "reported_status": "On Target"}) is None
    assert status_footnote(PI, {"status": "On Target", "reported_status": None}) is None
    assert status_footnote(PI, {"status": None, "reported_status": "Warning"}) is None
    row = {
        "status": "Data Only",
        "reported_status": "On Target",
        "status_reason": None,
        "target": None,
    }
    assert status_footnote(PI, row) == (
        f"% of PIs on target: shown as Data Only because {NO_TARGET}; the service reported it "
        "as On Target."
    )
    row = {**row, "status": "Warning", "status_reason": "it is within the amber threshold."}
    assert status_footnote(PI, row) == (
        "% of PIs on target: shown as Warning because it is within the amber threshold; the "
        "service reported it as On Target."
    )


def test_the_tables_and_the_dashboard_print_one_status_rule():
    """A row shows the computed status, and the service's beside it only where it differs;
    the dashboard counts the same two."""
    assert printed_status({"status": "Data Only", "reported_status": "Off Target"}) == (
        "Data Only",
        "Off Target",
    )
    assert printed_status({"status": "On Target", "reported_status": "On Target"}) == (
        "On Target",
        None,
    )
    assert printed_status({"status": "On Target", "reported_status": None}) == ("On Target", None)
    assert printed_status({}) == (None, None)
    assert service_report.action_status({"reported_status": None}) == (
        service_report.NO_ACTION_STATUS
    )


def test_the_pack_names_every_publication_by_release_and_date():
    jan20 = {"published_on": date(2020, 1, 31), "kind": "official", "source": "x.xlsx"}
    seed = {"published_on": date(2020, 5, 26), "kind": "transcribed", "source": "000.txt l.268"}
    assert lgbf_pack.publication_line([jan20, jan20]) == (
        "LGBF, January 2020 release, published 31 January 2020"
    )
    assert lgbf_pack.publication_line([seed, jan20]) == (
        "LGBF, January 2020 release, published 31 January 2020; LGBF figures as printed in a "
        "council report (transcribed), published 26 May 2020"
    )
    assert lgbf_pack.publication_line([]) == "No LGBF publication held"


def test_charts_go_two_to_a_page():
    assert [lgbf_pack.chart_pages(n) for n in (0, 1, 2, 3, 81)] == [0, 1, 1, 2, 41]


def test_an_indicators_latest_figures_are_its_latest_year_with_a_value():
    years = [{"financial_year": y, "value": v} for y, v in (("2017/18", 1.0), ("2018/19", None))]
    assert lgbf_pack.latest_with_a_value(years)["financial_year"] == "2017/18"
    assert lgbf_pack.latest_with_a_value(years[1:])["financial_year"] == "2018/19"


def test_the_summary_table_has_a_width_for_every_heading():
    assert len({h for h, _ in lgbf_pack.SUMMARY_COLUMNS}) == len(lgbf_pack.SUMMARY_COLUMNS) == 15
    assert lgbf_pack.LAST_COLUMN == 14 and all(w > 0 for _, w in lgbf_pack.SUMMARY_COLUMNS)


JAN20 = ("official", "x.xlsx", date(2020, 1, 31))


def test_the_title_page_names_the_lgbf_release_or_says_why_it_prints_none():
    line = service_report.lgbf_title_line
    assert line([], {"lgbf_indicators": 0, "latest_publication": JAN20}) == (
        "the service has no LGBF indicators (the release held: LGBF, January 2020 release, "
        "published 31 January 2020)."
    )
    assert line([], {"lgbf_indicators": 0, "latest_publication": None}) == (
        "the service has no LGBF indicators."
    )
    assert line([], {"lgbf_indicators": 5, "latest_publication": JAN20}) == (
        "no LGBF figures for the service's indicators in LGBF, January 2020 release, published "
        "31 January 2020."
    )
    assert line([], {"lgbf_indicators": 5, "latest_publication": None}) == (
        "no LGBF publication held for that date."
    )
    held = [{"published_on": JAN20[2], "kind": "official", "source": "x.xlsx"}]
    assert line(held, {}) == (
        "LGBF as published by then: LGBF, January 2020 release, published 31 January 2020."
    )


def test_a_footnote_ends_with_one_full_stop():
    row = {"status": "On Target", "reported_status": "Off Target", "target": 90,
           "status_reason": "the value and the note disagree."}  # fmt: skip
    assert status_footnote(PI, row).endswith("reported it as Off Target.")
    assert ".." not in status_footnote({**PI, "title": "A 4 week period."}, row)


def test_latest_year_keeps_the_latest_financial_years_quarters_and_year_end():
    periods = [
        ("Midlothian", "Children's Services", "2018-19"),
        ("Midlothian", "Children's Services", "2019-20-Q1"),
        ("Midlothian", "Children's Services", "2019-20"),
        ("Fife", "Education", "2019-20-Q4"),
    ]
    assert service_report.latest_year(periods) == periods[1:]
    assert service_report.latest_year([]) == []
