"""The one Python definition of the financial year (``orchestration.periods``): keys, labels,
dates, neighbours and the partitions; the reports' ``Period`` is a FinancialPeriod with a
report date. (dbt's twin, checked against this row for row: ``tests/pipeline/test_periods.py``.)"""

from __future__ import annotations

from datetime import date

import pytest

from orchestration.defs.partitions import financial_quarters
from orchestration.periods import (
    FIRST_YEAR,
    LAST_YEAR,
    FinancialPeriod,
    FinancialQuarter,
    all_quarters,
    fy_key,
    fy_label,
    parse_fy_label,
)
from orchestration.reports.queries import DEFAULT_WEEKS_AFTER_PERIOD_END, Period


def test_the_reports_periods_are_the_partitions_periods():
    assert issubclass(Period, FinancialPeriod)
    q2 = Period.from_key("2016-17-Q2")
    assert (q2.key, q2.label, q2.start_date, q2.end_date) == (
        "2016-17-Q2",
        "Q2 2016/17",
        date(2016, 7, 1),
        date(2016, 9, 30),
    )
    assert q2.end_date == FinancialQuarter.from_key("2016-17-Q2").end_date
    year = Period.from_key("2019-20")
    assert (year.key, year.label, year.start_date, year.end_date) == (
        "2019-20",
        "2019/20",
        date(2019, 4, 1),
        date(2020, 3, 31),
    )
    # The seed reports' dates: quarter end + 8 weeks by default, configurable.
    assert DEFAULT_WEEKS_AFTER_PERIOD_END == 8
    assert year.report_date() == date(2020, 5, 26)
    assert q2.report_date(4) == date(2016, 10, 28)


@pytest.mark.parametrize(
    "key, start, end",
    [
        ("2019-20-Q1", date(2019, 4, 1), date(2019, 6, 30)),
        ("2019-20-Q3", date(2019, 10, 1), date(2019, 12, 31)),
        ("2019-20-Q4", date(2020, 1, 1), date(2020, 3, 31)),
        ("2023-24-Q4", date(2024, 1, 1), date(2024, 3, 31)),  # a leap year's March
    ],
)
def test_a_quarter_runs_april_to_march(key, start, end):
    q = FinancialQuarter.from_key(key)
    assert (q.start_date, q.end_date, q.key) == (start, end, key)
    assert FinancialQuarter.containing(start) == q == FinancialQuarter.containing(end)


def test_neighbours_cross_the_year_end():
    q4 = FinancialQuarter(2019, 4)
    assert q4.next() == FinancialQuarter(2020, 1) and q4.next().key == "2020-21-Q1"
    assert FinancialQuarter(2020, 1).previous() == q4
    assert FinancialQuarter(2019, 2).next().previous() == FinancialQuarter(2019, 2)


@pytest.mark.parametrize(
    "key", ["2019-21-Q1", "2019-20-Q5", "2019/20-Q1", "2019-20", " 2019-20-Q1"]
)
def test_a_bad_quarter_key_is_refused_with_an_example(key):
    with pytest.raises(ValueError, match=r"e\.g\. 2019-20-Q3"):
        FinancialQuarter.from_key(key)


def test_a_period_is_a_quarter_or_a_year():
    assert FinancialPeriod.from_key("2019-20") == FinancialPeriod(2019, None)
    assert FinancialPeriod.from_key("2019-20-Q2").last_quarter == FinancialQuarter(2019, 2)
    assert FinancialPeriod(2019, None).last_quarter == FinancialQuarter(2019, 4)
    with pytest.raises(ValueError, match="2019-20 or 2019-20-Q3"):
        FinancialPeriod.from_key("2019-2020")


def test_years_across_the_century():
    assert (fy_label(2099), fy_key(2099)) == ("2099/00", "2099-00")
    assert parse_fy_label(" 2019/20 ") == 2019
    with pytest.raises(ValueError, match="2019/21"):
        parse_fy_label("2019/21")


def test_the_partitions_are_every_quarter_from_the_first_lgbf_year():
    keys = financial_quarters.get_partition_keys()
    assert keys == [q.key for q in all_quarters()]
    assert (keys[0], keys[-1]) == (f"{fy_key(FIRST_YEAR)}-Q1", f"{fy_key(LAST_YEAR)}-Q4")
    assert len(keys) == 4 * (LAST_YEAR - FIRST_YEAR + 1) == len(set(keys))
