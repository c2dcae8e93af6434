"""One financial-period definition, and the report date as a run option (the Python
definition on its own: ``tests/unit/test_periods.py``).

* dbt: ``macros/periods.sql`` is the one definition; ``marts.dim_period`` and the facts'
  ``period_key`` / ``period_end`` agree with the Python one, row for row.
* The default report date (period end + 8 weeks) is configurable: the reports asset's
  ``ReportsConfig`` and the CLI's ``--weeks-after-end``.
"""

from __future__ import annotations

import openpyxl

from orchestration.defs.publish.outputs import ReportsConfig
from orchestration.ops.cli import main
from orchestration.periods import FinancialPeriod, FinancialQuarter, fy_key
from orchestration.reports.queries import DEFAULT_WEEKS_AFTER_PERIOD_END


def test_dbt_periods_are_the_python_periods(warehouse):
    rows = warehouse.execute(
        """select period_key, financial_year, fy_start_year, quarter, label, start_date,
                  end_date, previous_period_key, same_period_last_year_key
           from marts.dim_period"""
    ).fetchall()
    assert rows
    for key, fy, y, q, label, start, end, previous, same_last_year in rows:
        p = FinancialPeriod(y, q)
        assert (key, fy, label, start, end) == (
            p.key,
            p.financial_year,
            p.label,
            p.start_date,
            p.end_date,
        )
        expected_previous = fy_key(y - 1) if q is None else FinancialQuarter(y, q).previous().key
        assert previous == expected_previous
        assert same_last_year == FinancialPeriod(y - 1, q).key
    facts = warehouse.execute(
        """select distinct p.fy_start_year, p.quarter, f.period_key, f.period_end
           from marts.fct_indicator_value f join marts.dim_period p using (period_key)"""
    ).fetchall()
    for y, q, key, end in facts:
        assert (key, end) == (FinancialPeriod(y, q).key, FinancialPeriod(y, q).end_date)


def test_the_report_date_is_a_run_option(built_warehouse, tmp_path):
    fields = ReportsConfig.model_fields
    assert fields["weeks_after_period_end"].default == DEFAULT_WEEKS_AFTER_PERIOD_END
    assert fields["weeks_after_period_end"].description
    assert (
        main(["report", "--period", "2016-17-Q2", "--weeks-after-end", "4", "--out", str(tmp_path)])
        == 0
    )
    (book,) = tmp_path.glob("*.xlsx")
    assert openpyxl.load_workbook(book).properties.description.startswith(
        "Data as at 28 October 2016"
    )
