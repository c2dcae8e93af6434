"""The bench's "in proportion" for one quarter: each volume step's share of the full build is
the part of its work the quarter brings (``scripts/benchmark.py``, :func:`in_proportion`)."""

from __future__ import annotations

import pytest

from scripts.benchmark import in_proportion

# make bench's full build of 2026-12-08 (seconds per step; 10 years = 40 quarters, 1,600
# latest-year reports) and its added quarter (320 reports, 41.17 s), floor 14.73 s
FULL = {
    "quarterly_returns": 67.53,
    "warehouse_dbt_models": 41.8,
    "service_performance_reports": 45.47,
    "next_quarter_templates": 5.58,  # not a volume step: no share
}


def test_the_reports_share_is_the_quarters_reports_among_the_full_builds():
    out = in_proportion(FULL, floor=14.73, quarters=40, reports=1600, quarter_reports=320,
                        seconds=41.17)  # fmt: skip

    reading_dbt = (67.53 + 41.8) / 40
    assert out["share_seconds"] == {
        "reading_and_dbt": round(reading_dbt, 2),
        "reports": round(45.47 / 5, 2),  # one period of the five the full build wrote
    }
    assert out["in_proportion_seconds"] == pytest.approx(14.73 + reading_dbt + 45.47 / 5, abs=0.01)
    assert out["ratio_to_proportion"] == round(41.17 / (14.73 + reading_dbt + 45.47 / 5), 2)
    # as earlier stops counted it: the reports at one quarter in 40, too
    assert out["ratio_with_reports_at_one_in_quarters"] == round(
        41.17 / (14.73 + (67.53 + 41.8 + 45.47) / 40), 2
    )


def test_a_full_build_of_every_period_gives_the_reports_one_quarter_in_forty():
    # every period's reports, 10 years x 5 periods x 320 council-services, and a quarter's 400
    # on average (its own 320, and every fourth quarter the year end's 320): one in forty,
    # so the two figures agree
    out = in_proportion(FULL, floor=14.73, quarters=40, reports=16000, quarter_reports=400,
                        seconds=41.17)  # fmt: skip

    assert out["ratio_to_proportion"] == out["ratio_with_reports_at_one_in_quarters"]
