"""What a quarter's return template holds, read from the published warehouse.

For one council, service and quarter: the PIs of the council's framework in force at the
quarter's end (its own codes, not LGBF indicators, not renamed codes), each with the year's
annual target and the quarter's target where the framework profiles one (as the framework
gives them: the phasing rules stay in ``fct_indicator_value``), and the last value returned
before the quarter; the actions still open at their last report, with their due date and last
progress; the risks with their last score. Fixed SQL with parameters, one query per section
for a batch of templates (:class:`TemplateJob`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from orchestration.periods import FinancialQuarter
from orchestration.reports.queries import by_job


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
    framework is in force at that quarter's end, looked up once per quarter owed (nearly every
    service owes the same one): once per service was 9 of the 22 s of the national set's 320
    templates."""
    latest = dict(
        ((c, s), FinancialQuarter.from_key(k))
        for c, s, k in con.execute(
            "select council, service, max(partition_key) from staging.stg_returns__files group by all"
        ).fetchall()
    )
    just_ended = FinancialQuarter.containing(today).previous()
    owed = {
        (c, s): latest[(c, s)].next() if (c, s) in latest else just_ended
        for c, s in council_services(con, None)
    }
    in_force = {q: set(council_services(con, q)) for q in set(owed.values())}
    return [(c, s, q) for (c, s), q in owed.items() if (c, s) in in_force[q]]


# Templates whose rows are read at once: each section is one query for the whole batch (the
# jobs passed as one list parameter, as the reports' queries take theirs). Measured on the
# synthetic national warehouse: three queries per template were 28 ms a template. A batch's
# rows are a few hundred per template.
TEMPLATES_PER_QUERY = 200


@dataclass(frozen=True)
class TemplateJob:
    """One template a batch query answers for: whose, and for which quarter."""

    council: str
    service: str
    quarter: FinancialQuarter

    def row(self, job: int) -> dict:
        q = self.quarter
        return {
            "job": job,
            "council": self.council,
            "service": self.service,
            "start_date": q.start_date,
            "end_date": q.end_date,
            "financial_year": q.financial_year,
            "quarter": q.quarter,
        }


def indicators(con, jobs: list[TemplateJob]) -> list[list[dict]]:
    """Per template, the PIs in force at its quarter's end, each with its targets for the
    quarter's year and its last value before the quarter."""
    return by_job(
        con,
        """, in_force as (
               select j.job, i.*
               from j
               join staging.stg_frameworks__indicators i
                 on i.council = j.council and i.service = j.service
                 and i.effective_from <= j.end_date
                 and (i.effective_to is null or i.effective_to > j.end_date)
                 and i.section is distinct from 'LGBF'  -- LGBF values come from the LGBF
                 and coalesce(nullif(i.current_code, ''), i.indicator_code) = i.indicator_code
           ),
           -- The service's latest financial year with returns before the quarter: a PI it did
           -- not report that year, with no target for the quarter's year and in the framework
           -- since before then, is retired (Midlothian's 2016/17 codes; the framework format
           -- has no end date), so the template leaves it out.
           latest_year as (
               select j.job, j.council, j.service,
                      max(f.financial_year) as financial_year, max(f.period_end) as period_end
               from j
               left join marts.fct_indicator_value f
                 on f.council = j.council and f.service = j.service
                 and f.period_end < j.start_date
               group by all
           ),
           reported as (
               select distinct y.job, f.indicator_code
               from latest_year y
               join marts.fct_indicator_value f
                 on f.council = y.council and f.service = y.service
                 and f.financial_year = y.financial_year
           ),
           last_value as (
               -- the latest value of a quarter or a year end (balanced scorecard PIs report
               -- yearly); a quarter wins over the year end on the same day
               select j.job, f.indicator_code,
                      arg_max(f.value, (f.period_end, f.period_type = 'quarter')) as last_value,
                      arg_max(f.period_key, (f.period_end, f.period_type = 'quarter'))
                          as last_period
               from j
               join marts.fct_indicator_value f
                 on f.council = j.council and f.service = j.service
                 and f.period_end < j.start_date
               where f.value is not null
               group by all
           )
           select i.job, i.indicator_code, i.title, i.unit, i.decimals, i.min_value,
                  i.max_value, i.gauge, i.priority_group,
                  i.print_order, i.numerator_name, i.denominator_name,
                  t.annual_target,
                  list_value(t.q1_target, t.q2_target, t.q3_target, t.q4_target)[j.quarter]
                      as quarter_target,
                  v.last_value, v.last_period
           from in_force i
           join j on j.job = i.job
           join latest_year y on y.job = i.job
           left join staging.stg_frameworks__targets t
             on t.council = i.council and t.indicator_code = i.indicator_code
             and t.financial_year = j.financial_year
           left join last_value v on v.job = i.job and v.indicator_code = i.indicator_code
           left join reported r on r.job = i.job and r.indicator_code = i.indicator_code
           where y.financial_year is null  -- no return yet: all
              or r.indicator_code is not null
              or t.annual_target is not null
              or i.effective_from > y.period_end
           order by i.job, i.section, i.print_order nulls last, i.indicator_code""",
        jobs,
    )


def _last_before(con, table: str, code: str, columns: str, jobs: list[TemplateJob]) -> list:
    """Per template, ``columns`` of each ``code``'s last row in ``table`` before its quarter."""
    return by_job(
        con,
        f""", last as (
               select j.job, f.*, row_number() over (
                   partition by j.job, f.{code}
                   order by f.financial_year desc, f.quarter desc nulls last
               ) as n
               from j
               join {table} f
                 on f.council = j.council and f.service = j.service
                 and (f.financial_year < j.financial_year
                      or (f.financial_year = j.financial_year and f.quarter < j.quarter))
           )
           select job, {columns}
           from last where n = 1
           order by job, {code}""",
        jobs,
    )


def actions(con, jobs: list[TemplateJob]) -> list[list[dict]]:
    """Per template, the actions still open at the service's latest return before the
    quarter: those that return reports, unless complete (an action it no longer reports has
    ended, whatever its last report said: Midlothian's 2016/17 actions are not due in
    2020/21)."""
    out = []
    for last in _last_before(
        con,
        "marts.fct_action_progress",
        "action_code",
        "action_code, priority, action, due_date, progress_pct, status, period_key",
        jobs,
    ):
        latest = max((a["period_key"] for a in last), key=_period_order, default=None)
        out.append(
            [a for a in last if a["period_key"] == latest and (a["progress_pct"] or 0) < 100]
        )
    return out


def _period_order(period_key: str) -> tuple[str, str]:
    """``2019-20-Q4`` / ``2019-20`` in time order (a year end after its Q4)."""
    return (period_key[:7], period_key[8:] or "Q5")


def risks(con, jobs: list[TemplateJob]) -> list[list[dict]]:
    """Per template, each risk's last entry before the quarter, with its score."""
    return _last_before(
        con,
        "marts.fct_risk",
        "risk_code",
        "risk_code, title, identification, control_measures, related_action, risk_score, "
        "score_band, period_key",
        jobs,
    )


def read_all(con, jobs: list[TemplateJob]) -> Iterator[TemplateContent]:
    """Each job's template content, in ``jobs`` order, ``TEMPLATES_PER_QUERY`` at a time."""
    for start in range(0, len(jobs), TEMPLATES_PER_QUERY):
        chunk = jobs[start : start + TEMPLATES_PER_QUERY]
        for j, pis, open_actions, last_risks in zip(
            chunk, indicators(con, chunk), actions(con, chunk), risks(con, chunk)
        ):
            yield TemplateContent(j.council, j.service, j.quarter, pis, open_actions, last_risks)


def read(con, council: str, service: str, quarter: FinancialQuarter) -> TemplateContent:
    """One template's content (a batch of one)."""
    return next(read_all(con, [TemplateJob(council, service, quarter)]))
