"""What a quarter's return template holds, read from the published warehouse.

For one council, service and quarter: the PIs of the council's framework in force at the
quarter's end (its own codes, not LGBF indicators, not renamed codes), each with the year's
annual target and the quarter's target where the framework profiles one (as the framework
gives them: the phasing rules stay in ``fct_indicator_value``), and the last value returned
before the quarter; the actions still open at their last report, with their due date and last
progress; the risks with their last score. Fixed SQL with parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from orchestration.periods import FinancialQuarter
from orchestration.reports.queries import fetch_dicts


@dataclass
class TemplateContent:
    council: str
    service: str
    quarter: FinancialQuarter
    indicators: list[dict]
    actions: list[dict]
    risks: list[dict]


def council_services(con, quarter: FinancialQuarter | None) -> list[tuple[str, str]]:
    """(council, service) of every framework in force at the quarter's end (None: today)."""
    on = quarter.end_date if quarter else date(9999, 12, 30)
    return [
        tuple(r)
        for r in con.execute(
            """select distinct council, service from staging.stg_frameworks__indicators
               where effective_from <= ? and (effective_to is null or effective_to > ?)
                 and section is distinct from 'LGBF'
               order by all""",
            [on, on],
        ).fetchall()
    ]


def next_quarters(con, today: date) -> list[tuple[str, str, FinancialQuarter]]:
    """(council, service, quarter) of the return each council-service owes next: the quarter
    after its latest loaded return; with none loaded yet, the latest quarter ended by
    ``today`` (a council just onboarded reports on the quarter just gone). Only services whose
    framework is in force at that quarter's end."""
    latest = dict(
        ((c, s), FinancialQuarter.from_key(k))
        for c, s, k in con.execute(
            "select council, service, max(partition_key) from staging.stg_returns__files group by all"
        ).fetchall()
    )
    just_ended = FinancialQuarter.containing(today).previous()
    due = []
    for council, service in council_services(con, None):
        quarter = latest[(council, service)].next() if (council, service) in latest else just_ended
        if (council, service) in council_services(con, quarter):
            due.append((council, service, quarter))
    return due


def indicators(con, council: str, service: str, quarter: FinancialQuarter) -> list[dict]:
    return fetch_dicts(
        con,
        """with in_force as (
               select * from staging.stg_frameworks__indicators
               where council = $council and service = $service
                 and effective_from <= $end and (effective_to is null or effective_to > $end)
                 and section is distinct from 'LGBF'  -- LGBF values come from the LGBF
                 and coalesce(nullif(current_code, ''), indicator_code) = indicator_code
           ),
           -- The service's latest financial year with returns before the quarter: a PI it did
           -- not report that year, with no target for the quarter's year and in the framework
           -- since before then, is retired (Midlothian's 2016/17 codes; the framework format
           -- has no end date), so the template leaves it out.
           latest_year as (
               select max(financial_year) as financial_year, max(period_end) as period_end
               from marts.fct_indicator_value
               where council = $council and service = $service and period_end < $start
           ),
           reported as (
               select distinct indicator_code from marts.fct_indicator_value
               where council = $council and service = $service
                 and financial_year = (select financial_year from latest_year)
           ),
           last_value as (
               -- the latest value of a quarter or a year end (balanced scorecard PIs report
               -- yearly); a quarter wins over the year end on the same day
               select indicator_code,
                      arg_max(value, (period_end, period_type = 'quarter')) as last_value,
                      arg_max(period_key, (period_end, period_type = 'quarter')) as last_period
               from marts.fct_indicator_value
               where council = $council and service = $service and period_end < $start
                 and value is not null
               group by indicator_code
           )
           select i.indicator_code, i.title, i.unit, i.decimals, i.min_value, i.max_value,
                  i.gauge, i.priority_group,
                  i.print_order, i.numerator_name, i.denominator_name,
                  t.annual_target,
                  list_value(t.q1_target, t.q2_target, t.q3_target, t.q4_target)[$q]
                      as quarter_target,
                  v.last_value, v.last_period
           from in_force i
           left join staging.stg_frameworks__targets t
             on t.council = i.council and t.indicator_code = i.indicator_code
             and t.financial_year = $fy
           left join last_value v on v.indicator_code = i.indicator_code
           where (select financial_year from latest_year) is null  -- no return yet: all
              or i.indicator_code in (from reported)
              or t.annual_target is not null
              or i.effective_from > (select period_end from latest_year)
           order by i.section, i.print_order nulls last, i.indicator_code""",
        {
            "council": council,
            "service": service,
            "start": quarter.start_date,
            "end": quarter.end_date,
            "fy": quarter.financial_year,
            "q": quarter.quarter,
        },
    )


def _last_before(con, table: str, code: str, columns: str, council, service, quarter) -> list:
    """``columns`` of each ``code``'s last row in ``table`` before the quarter."""
    return fetch_dicts(
        con,
        f"""with last as (
               select *, row_number() over (
                   partition by {code} order by financial_year desc, quarter desc nulls last
               ) as n
               from {table}
               where council = ? and service = ?
                 and (financial_year < ? or (financial_year = ? and quarter < ?))
           )
           select {columns}
           from last where n = 1
           order by {code}""",
        [council, service, quarter.financial_year, quarter.financial_year, quarter.quarter],
    )


def actions(con, council: str, service: str, quarter: FinancialQuarter) -> list[dict]:
    """The actions still open at the service's latest return before the quarter: those that
    return reports, unless complete (an action it no longer reports has ended, whatever its
    last report said: Midlothian's 2016/17 actions are not due in 2020/21)."""
    last = _last_before(
        con,
        "marts.fct_action_progress",
        "action_code",
        "action_code, priority, action, due_date, progress_pct, status, period_key",
        council,
        service,
        quarter,
    )
    latest = max((a["period_key"] for a in last), key=_period_order, default=None)
    return [a for a in last if a["period_key"] == latest and (a["progress_pct"] or 0) < 100]


def _period_order(period_key: str) -> tuple[str, str]:
    """``2019-20-Q4`` / ``2019-20`` in time order (a year end after its Q4)."""
    return (period_key[:7], period_key[8:] or "Q5")


def risks(con, council: str, service: str, quarter: FinancialQuarter) -> list[dict]:
    """Each risk's last entry before the quarter, with its score."""
    return _last_before(
        con,
        "marts.fct_risk",
        "risk_code",
        "risk_code, title, identification, control_measures, related_action, risk_score, "
        "score_band, period_key",
        council,
        service,
        quarter,
    )


def read(con, council: str, service: str, quarter: FinancialQuarter) -> TemplateContent:
    return TemplateContent(
        council,
        service,
        quarter,
        indicators(con, council, service, quarter),
        actions(con, council, service, quarter),
        risks(con, council, service, quarter),
    )
