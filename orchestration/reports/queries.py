"""Everything a service report reads, in one place: queries taking council, service and date.

Each function takes a DuckDB connection to the warehouse (its ``marts``, ``reference`` and
``staging`` schemas); the report sections take a list of :class:`ReportJob` and answer for
all of them in one query. The SQL is fixed text with parameters: nothing is rewritten at run
time.

"As known at the report date": the LGBF values come from the latest publication published on
or before the report date (:func:`lgbf_values`), and each indicator value, action and risk row
from the version of its return submitted on or before that date (:data:`KNOWN_ON`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from orchestration.periods import FinancialPeriod

# Default report date of a period: its end plus this many weeks (returns are due, checked
# and compiled into the report in that time; the 2016/17 Q2 report cites an 18 October board).
# A run option: ReportsConfig.weeks_after_period_end on the reports asset, --weeks-after-end
# on the CLI's report command.
DEFAULT_WEEKS_AFTER_PERIOD_END = 8


class Period(FinancialPeriod):
    """A report's period (a quarter, or the year end): :class:`FinancialPeriod`, with the
    report's default date."""

    def report_date(self, weeks_after_end: int = DEFAULT_WEEKS_AFTER_PERIOD_END) -> date:
        """The period's end plus ``weeks_after_end`` weeks (a run option: the reports asset's
        config, the CLI's ``--weeks-after-end``)."""
        return self.end_date + timedelta(weeks=weeks_after_end)


def parse_as_of(text: str | None) -> date | None:
    """``--as-of`` / the reports' ``as_of`` option: ``YYYY-MM-DD``, ``today``, or None."""
    if not text:
        return None
    return date.today() if text.strip().lower() == "today" else date.fromisoformat(text.strip())


def comparison_periods(period: Period) -> list[Period]:
    """The reports' value columns: a quarter's report shows the previous year, the same
    quarter last year and this year's quarters to date; the annual report the two previous
    years, the four quarters and the year."""
    y = period.fy_start_year
    if period.quarter is None:
        return [
            Period(y - 2, None),
            Period(y - 1, None),
            *(Period(y, q) for q in (1, 2, 3, 4)),
            period,
        ]
    return [
        Period(y - 1, None),
        Period(y - 1, period.quarter),
        *(Period(y, q) for q in range(1, period.quarter + 1)),
    ]


# Which version of a return row a report dated as_of prints (the ``*_history`` marts hold
# every version, with submitted_at and superseded_at; README "Reports"): per report and row
# key, of the versions submitted on or before the date the one loaded last (a resubmission is
# always loaded after what it replaces); when no version had been submitted by then (a
# backfill loads old quarters today), the first version loaded. A row that a resubmission
# submitted by then removed is left out (:data:`NOT_WITHDRAWN`). ``{key}`` is the row key,
# and ``j.as_of`` the report's date (the queries below join their rows to the reports).
KNOWN_ON = """qualify row_number() over (
        partition by j.job, {key}
        order by submitted_at::date <= j.as_of desc,
            case when submitted_at::date <= j.as_of
                then coalesce(replaced_at, 'infinity'::timestamp) end desc nulls last,
            coalesce(replaced_at, 'infinity'::timestamp)
    ) = 1"""
# (Had a resubmission submitted by then kept the row, that version would have been picked.)
NOT_WITHDRAWN = """coalesce(superseded_at::date > as_of, true)"""

# The reports a query answers for, one row each (:class:`ReportJob`), passed as one list
# parameter: every section is one query for a whole batch of reports, not one per report.
# Measured on the synthetic national set: seven queries per report were 29 ms of its 73.
JOBS = """with j as (select unnest($jobs, recursive := true))
"""


@dataclass(frozen=True)
class ReportJob:
    """One report a batch query answers for: whose, which period, as known on which date."""

    council: str
    service: str
    period: Period
    as_of: date
    keys: tuple[str, ...] | None = None  # the periods whose values it reads; None: the report's

    def row(self, job: int) -> dict:
        p = self.period
        return {
            "job": job,
            "council": self.council,
            "service": self.service,
            "period_key": p.key,
            "period_keys": list(self.keys or (c.key for c in comparison_periods(p))),
            "on_date": p.end_date,  # group and heading: those in force on the period's last day
            "as_of": self.as_of,
            # the LGBF years a report prints: up to the year before the period's
            "last_year": Period(p.fy_start_year - 1, None).financial_year,
        }


def fetch_dicts(con, sql: str, params: list | dict) -> list[dict]:
    """The rows of a query as dicts by column name."""
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def by_job(con, sql: str, jobs: list) -> list[list[dict]]:
    """A batch query's rows, per job in ``jobs`` order (each row's ``job`` removed): a
    report's (:class:`ReportJob`) or a return template's; each job gives its parameter row
    with ``row(job)``."""
    out: list[list[dict]] = [[] for _ in jobs]
    if jobs:
        for row in fetch_dicts(con, JOBS + sql, {"jobs": [j.row(i) for i, j in enumerate(jobs)]}):
            out[row.pop("job")].append(row)
    return out


def indicators(con, jobs: list[ReportJob]) -> list[list[dict]]:
    """Per report, the council's service PIs in print order, whichever sections a table
    prints (a section's PIs keep this order among themselves): the PIs with no group first
    (they have no heading to go under; Midlothian's Q2 2016/17 service priority table opens
    with two balanced scorecard PIs), then the groups in the Groups sheet's Print Order
    (groups without one after, by name); in a group by the PI's Print Order (PIs without one
    after), then code (from the council's framework; codes are unique only within a council),
    and which feeder datum prints first (``reference.feeder_order``; the numerator where it
    says nothing). Group and heading, and the title and feeder names, are those in force on
    the report period's last day (``dim_indicator_heading``)."""
    return by_job(
        con,
        """select j.job, i.indicator_code, coalesce(h.title, i.title) as title, i.section,
                  coalesce(h.priority_group, i.priority_group) as priority_group,
                  coalesce(h.heading, i.report_heading) as report_heading, i.print_order,
                  i.unit, i.decimals, i.direction, i.new_in, i.benchmark,
                  coalesce(h.numerator_name, i.numerator_name) as numerator_name,
                  coalesce(h.denominator_name, i.denominator_name) as denominator_name,
                  coalesce(f.first_feeder, 'numerator') as first_feeder
           from j
           join marts.dim_indicator i
             on i.council = j.council and i.service = j.service and i.source = 'service return'
           left join marts.dim_indicator_heading h
             on h.council = i.council and h.indicator_code = i.indicator_code
             and h.valid_from <= j.on_date and (h.valid_to is null or h.valid_to > j.on_date)
           left join reference.feeder_order f
             on f.council = i.council and f.indicator_code = i.indicator_code
           order by j.job, coalesce(h.priority_group, i.priority_group) is not null,
                    h.group_print_order nulls last, coalesce(h.priority_group, i.priority_group),
                    i.print_order nulls last, i.indicator_code""",
        jobs,
    )


def report_titles(con, jobs: list[ReportJob]) -> list[dict[str, str]]:
    """Per report, each sheet's title pattern (``{service}``, ``{year}``) in force on the
    report period's last day: the council's own (``reference.report_titles``) or else every
    council's."""
    rows = by_job(
        con,
        """select j.job, t.sheet, t.title
           from j
           join reference.report_titles t
             on (t.council = j.council or t.council is null)
             and coalesce(t.effective_from, date '1900-01-01') <= j.on_date
           qualify row_number() over (
               partition by j.job, t.sheet order by t.council nulls last,
                   t.effective_from desc nulls last
           ) = 1""",
        jobs,
    )
    return [{r["sheet"]: r["title"] for r in job_rows} for job_rows in rows]


def indicator_values(con, jobs: list[ReportJob]) -> list[list[dict]]:
    """Per report, the values in its comparison periods and the period before its own
    (``marts.dim_period.previous_period_key``) as known on its date
    (:data:`KNOWN_ON`), with the status the return reported and, where the computed status
    differs, the documented reason (``reference.status_exceptions``)."""
    return by_job(
        con,
        """, wanted as (
               select job, council, service, as_of, unnest(period_keys) as period_key from j
               union  -- and the period before the report's (its exceptions compare with it)
               select j.job, j.council, j.service, j.as_of, p.previous_period_key
               from j join marts.dim_period p on p.period_key = j.period_key
               where p.previous_period_key is not null
           ),
           known as (
               select j.job, j.as_of, f.*
               from wanted j
               join marts.fct_indicator_value_history f
                 on f.council = j.council and f.service = j.service
                 and f.period_key = j.period_key
               """
        + KNOWN_ON.format(key="f.indicator_code, f.period_key")
        + """
           )
           select f.job, f.indicator_code, f.period_key, f.financial_year, f.quarter, f.value,
                  f.numerator, f.denominator, f.target, f.period_target, f.status,
                  f.reported_status, f.status_agrees, f.feeder_check, f.computed_value, f.note,
                  f.short_trend, f.long_trend, x.reason as status_reason,
                  f.submitted_at, f.is_current
           from known f
           left join reference.status_exceptions x
             on x.council = f.council and x.indicator_code = f.indicator_code
             and x.financial_year = f.financial_year
             and x.quarter is not distinct from f.quarter
           where """
        + NOT_WITHDRAWN.replace("as_of", "f.as_of")
        + """
           order by f.job""",
        jobs,
    )


def pis_on_target(con, jobs: list[ReportJob]) -> list[dict | None]:
    """Per report, the warehouse's own count of service PIs on target beside the value the
    return gave (None without one)."""
    rows = by_job(
        con,
        """select j.job, s.pis_on_target, s.pis_with_target, s.pct_on_target,
                  s.reported_indicator_code, s.reported_pct_on_target,
                  s.reported_on_target, s.reported_pis
           from j
           join marts.fct_service_pi_summary s
             on s.council = j.council and s.service = j.service and s.period_key = j.period_key""",
        jobs,
    )
    return [r[0] if r else None for r in rows]


def _period_as_known(con, table: str, code: str, columns: str, jobs) -> list[list[dict]]:
    """Per report, ``columns`` of a history mart's rows for its period as known on its date
    (:data:`KNOWN_ON`, one version per ``code``), in ``code`` order."""
    return by_job(
        con,
        f"""select job, {columns}
           from (select j.job, j.as_of, t.*
                 from j
                 join {table} t
                   on t.council = j.council and t.service = j.service
                   and t.period_key = j.period_key
                 """
        + KNOWN_ON.format(key=f"t.{code}")
        + """)
           where """
        + NOT_WITHDRAWN
        + f"""
           order by job, {code}""",
        jobs,
    )


def actions(con, jobs: list[ReportJob]) -> list[list[dict]]:
    """Per report, its period's actions as known on its date (:data:`KNOWN_ON`)."""
    return _period_as_known(
        con,
        "marts.fct_action_progress_history",
        "action_code",
        "action_code, priority, action, due_date, progress_pct, status, reported_status, comment",
        jobs,
    )


def risks(con, jobs: list[ReportJob]) -> list[list[dict]]:
    """Per report, its period's risks as known on its date (:data:`KNOWN_ON`)."""
    return _period_as_known(
        con,
        "marts.fct_risk_history",
        "risk_code",
        "risk_code, title, identification, control_measures, related_action, latest_note, "
        "risk_score, score_band",
        jobs,
    )


def previous_keys(con, jobs: list[ReportJob]) -> list[str | None]:
    """Per report, the period before its own (``marts.dim_period.previous_period_key``)."""
    rows = by_job(
        con,
        """select j.job, p.previous_period_key
           from j join marts.dim_period p on p.period_key = j.period_key""",
        jobs,
    )
    return [r[0]["previous_period_key"] if r else None for r in rows]


def risks_before(con, jobs: list[ReportJob]) -> list[dict[str, dict]]:
    """Per report, each risk's score in the latest earlier period that scored it, as known on
    the report's date (:data:`KNOWN_ON`): risk code -> its ``period_key`` and ``risk_score``."""
    rows = by_job(
        con,
        """, known as (
               select j.job, j.as_of, h.*, p.end_date
               from j
               join marts.fct_risk_history h
                 on h.council = j.council and h.service = j.service
               join marts.dim_period p on p.period_key = h.period_key
               where p.end_date < j.on_date  -- the period's end
               """
        + KNOWN_ON.format(key="h.risk_code, h.period_key")
        + """
           )
           select job, risk_code, period_key, risk_score from known
           where """
        + NOT_WITHDRAWN
        + """ and risk_score is not null
           qualify row_number() over (partition by job, risk_code order by end_date desc) = 1""",
        jobs,
    )
    return [{r["risk_code"]: r for r in job_rows} for job_rows in rows]


def narrative(con, jobs: list[ReportJob]) -> list[list[dict]]:
    return by_job(
        con,
        """select j.job, n.heading, n.text
           from j
           join marts.fct_report_narrative n
             on n.council = j.council and n.service = j.service and n.period_key = j.period_key
           order by j.job, n.paragraph_order""",
        jobs,
    )


def lgbf_values(con, jobs: list[ReportJob]) -> list[list[dict]]:
    """Per report, the service's LGBF values for the council up to the year before its
    period's, as known on its date.

    Per indicator and year, the value is the most recently published figure on or before
    that date (a council's own printed figures, transcribed with their report date, are
    evidence of what was published by then; on the same date an official release wins:
    staging's ``recency``). The rank and quartile are the benchmark as known on that date
    (``marts.fct_lgbf_benchmark_history``: only complete official releases are ranked), so a
    report never prints a rank that did not exist yet.
    """
    return by_job(
        con,
        """, known as (
               select j.job, v.indicator_code, v.financial_year,
                      arg_min(v.publication_id, (-epoch(p.published_on), p.recency)) as publication_id
               from j
               join marts.fct_lgbf_value v on v.council = j.council
               join staging.stg_lgbf__publications p using (publication_id)
               where p.published_on <= j.as_of and v.value is not null
                 and v.exclusion_reason is null  -- a series the Improvement Service drops
               group by all
           ),
           ranked as (
               select j.job, b.indicator_code, b.financial_year, b.period, b.rank, b.quartile
               from j
               join marts.fct_lgbf_benchmark_history b on b.council = j.council
               where b.rank is not null and b.known_from <= j.as_of
                 and (b.superseded_at is null or b.superseded_at > j.as_of)
           ),
           tied as (  -- tied: another council holds the same rank, as known on the date
               select r.job, r.indicator_code, r.financial_year, count(*) > 1 as tied
               from ranked r
               join j on j.job = r.job
               join marts.fct_lgbf_benchmark_history b
                 on b.indicator_code = r.indicator_code and b.period = r.period
                 and b.rank = r.rank and b.known_from <= j.as_of
                 and (b.superseded_at is null or b.superseded_at > j.as_of)
               group by all
           )
           select k.job, i.indicator_code, i.title, i.unit, i.print_order, k.financial_year,
                  v.value, r.rank, r.quartile, t.tied, k.publication_id, p.published_on, p.kind, p.source
           from known k
           join j on j.job = k.job
           join marts.fct_lgbf_value v
             on v.publication_id = k.publication_id and v.indicator_code = k.indicator_code
             and v.financial_year = k.financial_year and v.council = j.council
           join staging.stg_lgbf__publications p on p.publication_id = k.publication_id
           join marts.dim_indicator i on i.indicator_code = k.indicator_code and i.council = j.council
           left join ranked r
             on r.job = k.job and r.indicator_code = k.indicator_code
             and r.financial_year = k.financial_year
           left join tied t
             on t.job = k.job and t.indicator_code = k.indicator_code
             and t.financial_year = k.financial_year
           where i.service = j.service and i.source = 'LGBF' and k.financial_year <= j.last_year
           order by k.job, i.print_order nulls last, i.indicator_code, k.financial_year""",
        jobs,
    )


def lgbf_held(con, jobs: list[ReportJob]) -> list[dict]:
    """Per report, what its title page says of the LGBF when it prints no LGBF figure: how
    many LGBF indicators the council's framework gives the service, and the latest
    publication held on its date (kind, source and date; None when none was)."""
    rows = by_job(
        con,
        """select j.job,
                  (select count(*) from marts.dim_indicator i
                   where i.council = j.council and i.service = j.service
                     and i.source = 'LGBF') as lgbf_indicators,
                  p.kind, p.source, p.published_on
           from j
           left join lateral (
               select kind, source, published_on from staging.stg_lgbf__publications
               where published_on <= j.as_of
               order by kind = 'official' desc, published_on desc
               limit 1
           ) as p on true""",
        jobs,
    )
    return [
        {
            "lgbf_indicators": r["lgbf_indicators"],
            "latest_publication": (r["kind"], r["source"], r["published_on"])
            if r["kind"]
            else None,
        }
        for (r,) in rows
    ]


def report_data(con, jobs: list[ReportJob]) -> list[dict]:
    """Everything each report of ``jobs`` prints, in ``jobs`` order: one query per section
    for the whole batch."""
    sections = {
        "indicators": indicators(con, jobs),
        "titles": report_titles(con, jobs),
        "values": [
            {(v["indicator_code"], v["period_key"]): v for v in rows}
            for rows in indicator_values(con, jobs)
        ],
        "pis_on_target": pis_on_target(con, jobs),
        "previous_key": previous_keys(con, jobs),
        "actions": actions(con, jobs),
        "risks": risks(con, jobs),
        "risks_before": risks_before(con, jobs),
        "narrative": narrative(con, jobs),
        "lgbf": lgbf_values(con, jobs),
        "lgbf_held": lgbf_held(con, jobs),
    }
    return [{name: rows[i] for name, rows in sections.items()} for i in range(len(jobs))]


def report_periods(con) -> list[tuple[str, str, str]]:
    """(council, service, period_key) for every period that has indicator values."""
    return [
        tuple(r)
        for r in con.execute(
            """select distinct council, service, period_key from marts.fct_indicator_value
               where value is not null order by all"""
        ).fetchall()
    ]


def publication_name(kind: str, source: str | None, published_on) -> str:
    """How a report names an LGBF publication: by its release, never by its hash. (A
    transcription's ``source`` names the seed file and lines: too long for a page header.)"""
    if kind == "official":
        return f"LGBF, {published_on:%B %Y} release"
    return "LGBF figures as printed in a council report (transcribed)"


# One row per LGBF code (``lgbf_titles``): the council's own catalogue entry where its
# framework lists the indicator, else the LGBF reference's, else another council's entry (a
# code's title is the same everywhere; joining dim_indicator on the code alone would repeat
# the row for every council whose framework lists it). Takes the council as its parameter.
LGBF_TITLES = """with lgbf_titles as (
    select indicator_code, title, service, unit, print_order
    from marts.dim_indicator
    where source in ('LGBF', 'LGBF reference')
    qualify row_number() over (
        partition by indicator_code
        order by council is not distinct from ? desc, council is null desc, council
    ) = 1
)
"""


def lgbf_series(con, council: str) -> list[dict]:
    """Every LGBF indicator-year for the council from the latest publication
    (``marts.fct_lgbf_benchmark``), with the indicator's title, unit and the publication's name."""
    return fetch_dicts(
        con,
        LGBF_TITLES
        + """select b.indicator_code, coalesce(i.title, b.indicator_code) as title,
                  i.service as domain, coalesce(i.unit, 'number') as unit, b.direction,
                  b.period as financial_year, b.value, b.previous_value, b.trend, b.rank,
                  b.n_ranked,
                  b.quartile, b.family_group, b.family_group_average, b.scotland_value,
                  b.publication, b.published_on, p.kind, p.source,
                  -- tied: another council holds the same rank in the same year
                  (select count(*) from marts.fct_lgbf_benchmark o
                   where o.indicator_code = b.indicator_code and o.period = b.period
                     and o.rank = b.rank) > 1 as tied
           from marts.fct_lgbf_benchmark b
           left join lgbf_titles i using (indicator_code)
           left join staging.stg_lgbf__publications p on p.publication_id = b.publication
           where b.council = ?
           order by i.print_order nulls last, b.indicator_code, b.period""",
        [council, council],
    )


def lgbf_revisions(con, council: str) -> list[dict]:
    """The council's figures the latest official LGBF release revised against the one before
    (``marts.fct_lgbf_revision``)."""
    return fetch_dicts(
        con,
        LGBF_TITLES
        + """select r.indicator_code, coalesce(i.title, r.indicator_code) as title,
                  coalesce(i.unit, 'number') as unit, r.period, r.previous_release_name,
                  r.previous_value, r.release_name, r.value, r.previous_rank, r.rank, r.change
           from marts.fct_lgbf_revision r
           left join lgbf_titles i using (indicator_code)
           where r.council = ? and r.change <> 'unchanged' and r.previous_publication_id is not null
             and r.publication_id = (select publication_id from staging.stg_lgbf__publications
                                     where kind = 'official' order by recency limit 1)
           order by i.print_order nulls last, r.indicator_code, r.period""",
        [council, council],
    )


def family_groups(con, council: str) -> dict[str, dict]:
    """The council's LGBF family groups by basis, with their member councils."""
    out = {}
    for basis, column, label in (
        ("people", "people_services_family_group", "people services, grouped by deprivation"),
        ("other", "other_services_family_group", "other services, grouped by population density"),
    ):
        rows = con.execute(
            f"""select g.{column}, list(m.council order by m.council)
                from marts.dim_council g join marts.dim_council m on m.{column} = g.{column}
                where g.council = ? group by all""",
            [council],
        ).fetchall()
        if rows:
            out[basis] = {"group": rows[0][0], "label": label, "members": rows[0][1]}
    return out


def lgbf_printed_otherwise(con, council: str) -> list[dict]:
    """The council's LGBF figures that one of its own reports printed otherwise than the
    release the pack serves (``marts.fct_lgbf_benchmark``): per indicator, year and report
    (a transcription, kind ``transcribed``), both figures and both releases.

    A service report prints the figures as published at its date, so the same year can read
    differently there and in the pack; this names each such figure and where each comes
    from. A report's figure is the pack's when it is the pack's figure rounded as reports
    print it (to whole units, one or two decimals: the 2019/20 report's £3,880.00 is the
    release's £3,880.04), so rounding alone is never called a revision.
    """
    return fetch_dicts(
        con,
        LGBF_TITLES
        + """select b.indicator_code, coalesce(i.title, b.indicator_code) as title,
                  coalesce(i.unit, 'number') as unit, b.period,
                  p.release_name as report_release_name, p.published_on as report_published_on,
                  v.value as report_value, b.release_name, b.published_on, b.value
           from marts.fct_lgbf_benchmark b
           join marts.fct_lgbf_value v
             on v.council = b.council and v.indicator_code = b.indicator_code
             and v.period = b.period and v.publication_id <> b.publication
           join staging.stg_lgbf__publications p on p.publication_id = v.publication_id
           left join lgbf_titles i on i.indicator_code = b.indicator_code
           where b.council = ? and p.kind = 'transcribed' and v.value is not null
             and b.value is not null
             and least(abs(round(b.value, 0) - v.value), abs(round(b.value, 1) - v.value),
                       abs(round(b.value, 2) - v.value)) > 1e-9
           order by i.print_order nulls last, b.indicator_code, b.period, p.published_on""",
        [council, council],
    )
