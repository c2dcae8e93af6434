"""Everything a service report reads, in one place: queries taking council, service and date.

Each function takes a DuckDB connection whose ``marts``, ``reference`` and ``staging``
schemas hold the warehouse (the warehouse itself, or :func:`scoped_copy`'s in-memory copy of
one council-service, which a batch writer uses to avoid filtering the national marts for every
report). The SQL is fixed text with parameters: nothing is rewritten at run time.

"As known at the report date": the LGBF values come from the latest publication published on
or before the report date (:func:`lgbf_values`), and each indicator value, action and risk row
from the version of its return submitted on or before that date (:data:`KNOWN_ON`).
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb

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


# Which version of a return row a report dated $as_of prints (the ``*_history`` marts hold
# every version, with submitted_at and superseded_at; README "Reports"): per row key, of the
# versions submitted on or before the date the one loaded last (a resubmission is always
# loaded after what it replaces); when no version had been submitted by then (a backfill
# loads old quarters today), the first version loaded. A row that a resubmission
# submitted by then removed is left out (:data:`NOT_WITHDRAWN`).
KNOWN_ON = """qualify row_number() over (
        partition by {key}
        order by submitted_at::date <= $as_of desc,
            case when submitted_at::date <= $as_of
                then coalesce(replaced_at, 'infinity'::timestamp) end desc nulls last,
            coalesce(replaced_at, 'infinity'::timestamp)
    ) = 1"""
# (Had a resubmission submitted by then kept the row, that version would have been picked.)
NOT_WITHDRAWN = """coalesce(superseded_at::date > $as_of, true)"""


def fetch_dicts(con, sql: str, params: list | dict) -> list[dict]:
    """The rows of a query as dicts by column name."""
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def indicators(con, council: str, service: str, on: date) -> list[dict]:
    """The council's service PIs in print order: by section; in a section the PIs with no
    group first (they have no heading to go under; Midlothian's Q2 2016/17 balanced scorecard
    opens with two), then the groups in the Groups sheet's Print Order (groups without one
    after, by name); in a group by the PI's Print Order (PIs without one after), then code
    (from the council's framework; codes are unique only within a council), and which feeder datum
    prints first (``reference.feeder_order``; the numerator where it says nothing). Group and
    heading are those in force ``on`` the report period's last day (``dim_indicator_heading``)."""
    return fetch_dicts(
        con,
        """select i.indicator_code, i.title, i.section,
                  coalesce(h.priority_group, i.priority_group) as priority_group,
                  coalesce(h.heading, i.report_heading) as report_heading, i.print_order,
                  i.unit, i.decimals, i.direction, i.new_in, i.benchmark, i.numerator_name,
                  i.denominator_name, coalesce(f.first_feeder, 'numerator') as first_feeder
           from marts.dim_indicator i
           left join marts.dim_indicator_heading h
             on h.council = i.council and h.indicator_code = i.indicator_code
             and h.valid_from <= ? and (h.valid_to is null or h.valid_to > ?)
           left join reference.feeder_order f
             on f.council = i.council and f.indicator_code = i.indicator_code
           where i.council = ? and i.service = ? and i.source = 'service return'
           order by i.section, coalesce(h.priority_group, i.priority_group) is not null,
                    h.group_print_order nulls last, coalesce(h.priority_group, i.priority_group),
                    i.print_order nulls last, i.indicator_code""",
        [on, on, council, service],
    )


def indicator_values(
    con, council: str, service: str, period_keys: list[str], as_of: date
) -> list[dict]:
    """Values in these periods as known on ``as_of`` (:data:`KNOWN_ON`), with the status the
    return reported and, where the computed status differs, the documented reason
    (``reference.status_exceptions``)."""
    return fetch_dicts(
        con,
        """with known as (
               select * from marts.fct_indicator_value_history
               where council = $council and service = $service
                 and period_key in (select unnest($period_keys))
               """
        + KNOWN_ON.format(key="indicator_code, period_key")
        + """
           )
           select f.indicator_code, f.period_key, f.financial_year, f.quarter, f.value,
                  f.numerator, f.denominator, f.target, f.period_target, f.status,
                  f.reported_status, f.status_agrees, f.feeder_check, f.computed_value, f.note, f.short_trend, f.long_trend, x.reason as status_reason,
                  f.submitted_at, f.is_current
           from known f
           left join reference.status_exceptions x
             on x.council = f.council and x.indicator_code = f.indicator_code
             and x.financial_year = f.financial_year
             and x.quarter is not distinct from f.quarter
           where """
        + NOT_WITHDRAWN,
        {"council": council, "service": service, "period_keys": period_keys, "as_of": as_of},
    )


def pis_on_target(con, council: str, service: str, period_key: str) -> dict | None:
    """The warehouse's own count of service PIs on target beside the value the return gave."""
    rows = fetch_dicts(
        con,
        """select pis_on_target, pis_with_target, pct_on_target, reported_indicator_code,
                  reported_pct_on_target,
                  reported_on_target, reported_pis
           from marts.fct_service_pi_summary
           where council = ? and service = ? and period_key = ?""",
        [council, service, period_key],
    )
    return rows[0] if rows else None


def _period_as_known(
    con,
    table: str,
    code: str,
    columns: str,
    council: str,
    service: str,
    period_key: str,
    as_of: date,
) -> list[dict]:
    """``columns`` of a history mart's rows for one period as known on ``as_of``
    (:data:`KNOWN_ON`, one version per ``code``), in ``code`` order."""
    return fetch_dicts(
        con,
        f"""select {columns}
           from (select * from {table}
                 where council = $council and service = $service and period_key = $period_key
                 """
        + KNOWN_ON.format(key=code)
        + """)
           where """
        + NOT_WITHDRAWN
        + f"""
           order by {code}""",
        {"council": council, "service": service, "period_key": period_key, "as_of": as_of},
    )


def actions(con, council: str, service: str, period_key: str, as_of: date) -> list[dict]:
    """The period's actions as known on ``as_of`` (:data:`KNOWN_ON`)."""
    return _period_as_known(
        con,
        "marts.fct_action_progress_history",
        "action_code",
        "action_code, priority, action, due_date, progress_pct, status, reported_status, comment",
        council,
        service,
        period_key,
        as_of,
    )


def risks(con, council: str, service: str, period_key: str, as_of: date) -> list[dict]:
    """The period's risks as known on ``as_of`` (:data:`KNOWN_ON`)."""
    return _period_as_known(
        con,
        "marts.fct_risk_history",
        "risk_code",
        "risk_code, title, identification, control_measures, related_action, latest_note, "
        "risk_score, score_band",
        council,
        service,
        period_key,
        as_of,
    )


def narrative(con, council: str, service: str, period_key: str) -> list[dict]:
    return fetch_dicts(
        con,
        """select heading, text from marts.fct_report_narrative
           where council = ? and service = ? and period_key = ?
           order by paragraph_order""",
        [council, service, period_key],
    )


def lgbf_values(con, council: str, service: str, as_of: date, last_year: str) -> list[dict]:
    """The service's LGBF values for the council up to ``last_year``, as known on ``as_of``.

    Per indicator and year, the value is the most recently published figure on or before
    ``as_of`` (a council's own printed figures, transcribed with their report date, are
    evidence of what was published by then; on the same date an official release wins:
    staging's ``recency``). The rank and quartile are the benchmark as known on ``as_of``
    (``marts.fct_lgbf_benchmark_history``: only complete official releases are ranked), so a
    report never prints a rank that did not exist yet.
    """
    return fetch_dicts(
        con,
        """with known as (
               select v.indicator_code, v.financial_year,
                      arg_min(v.publication_id, (-epoch(p.published_on), p.recency)) as publication_id
               from marts.fct_lgbf_value v
               join staging.stg_lgbf__publications p using (publication_id)
               where v.council = ? and p.published_on <= ? and v.value is not null
                 and v.exclusion_reason is null  -- a series the Improvement Service drops
               group by all
           ),
           ranked as (  -- tied: another council holds the same rank (all councils' rows)
               select * from (
                   select council, indicator_code, financial_year, rank, quartile,
                          count(*) over (partition by indicator_code, period, rank) > 1 as tied
                   from marts.fct_lgbf_benchmark_history
                   where rank is not null and known_from <= ?
                     and (superseded_at is null or superseded_at > ?)
               ) where council = ?
           )
           select i.indicator_code, i.title, i.unit, i.print_order, k.financial_year, v.value,
                  r.rank, r.quartile, r.tied, k.publication_id, p.published_on, p.kind, p.source
           from known k
           join marts.fct_lgbf_value v
             on v.publication_id = k.publication_id and v.indicator_code = k.indicator_code
             and v.financial_year = k.financial_year and v.council = ?
           join staging.stg_lgbf__publications p on p.publication_id = k.publication_id
           join marts.dim_indicator i on i.indicator_code = k.indicator_code and i.council = ?
           left join ranked r
             on r.indicator_code = k.indicator_code and r.financial_year = k.financial_year
           where i.service = ? and i.source = 'LGBF' and k.financial_year <= ?
           order by i.print_order nulls last, i.indicator_code, k.financial_year""",
        [council, as_of, as_of, as_of, council, council, council, service, last_year],
    )


def lgbf_held(con, council: str, service: str, as_of: date) -> dict:
    """What the title page says of the LGBF when the report prints no LGBF figure: how many
    LGBF indicators the council's framework gives the service, and the latest publication
    held on ``as_of`` (its kind, source and date; None when none was)."""
    (n_indicators,) = con.execute(
        """select count(*) from marts.dim_indicator
           where council = ? and service = ? and source = 'LGBF'""",
        [council, service],
    ).fetchone()
    latest = con.execute(
        """select kind, source, published_on from staging.stg_lgbf__publications
           where published_on <= ? order by kind = 'official' desc, published_on desc limit 1""",
        [as_of],
    ).fetchone()
    return {"lgbf_indicators": n_indicators, "latest_publication": latest}


def report_periods(con) -> list[tuple[str, str, str]]:
    """(council, service, period_key) for every period that has indicator values."""
    return [
        tuple(r)
        for r in con.execute(
            """select distinct council, service, period_key from marts.fct_indicator_value
               where value is not null order by all"""
        ).fetchall()
    ]


# What a report reads, per table: (schema.table, filter). ``scoped_copy`` copies these rows.
# What a ScopedCopy copies of each table: the rows of the council-services in its
# ``report_scope`` table (and, for the catalogue, the LGBF reference's rows, which have no council).
SCOPED_TABLES = (
    ("marts.dim_indicator", "council in (select council from report_scope) or council is null"),
    ("marts.dim_indicator_heading", "(council, service) in (from report_scope)"),
    ("marts.fct_indicator_value", "(council, service) in (from report_scope)"),
    ("marts.fct_indicator_value_history", "(council, service) in (from report_scope)"),
    ("marts.fct_action_progress_history", "(council, service) in (from report_scope)"),
    ("marts.fct_risk_history", "(council, service) in (from report_scope)"),
    ("marts.fct_service_pi_summary", "(council, service) in (from report_scope)"),
    ("marts.fct_action_progress", "(council, service) in (from report_scope)"),
    ("marts.fct_risk", "(council, service) in (from report_scope)"),
    ("marts.fct_report_narrative", "(council, service) in (from report_scope)"),
    ("marts.fct_lgbf_value", "council in (select council from report_scope)"),
    ("marts.fct_lgbf_benchmark", "council in (select council from report_scope)"),
    # every council's: a rank is tied when another council holds it (about 26,000 rows)
    ("marts.fct_lgbf_benchmark_history", "true"),
    ("staging.stg_lgbf__publications", "true"),
    ("marts.dim_period", "true"),
    ("staging.stg_frameworks__services", "council in (select council from report_scope)"),
    ("staging.stg_returns__files", "council in (select council from report_scope)"),
    ("reference.status_exceptions", "true"),
    ("reference.feeder_order", "council in (select council from report_scope)"),
)


class ScopedCopy:
    """An in-memory database holding a few council-services' report rows under the same
    schema and table names as the warehouse, so the queries above (each of which names its
    council and service) run on it unchanged.

    A national warehouse holds millions of indicator values; copying a few council-services'
    rows at once and querying those for each of their reports is far cheaper than filtering
    the whole mart for every report. A copy costs about as much for sixteen council-services
    as for one, which matters when each has one report to write (a quarter added).
    """

    def __init__(self, warehouse: str):
        self.con = duckdb.connect(config={"memory_limit": "512MB"})
        self.con.execute(f"attach '{warehouse}' as wh (read_only)")
        for schema in sorted({t.split(".")[0] for t, _ in SCOPED_TABLES}):
            self.con.execute(f"create schema {schema}")

    def load(self, council_services: list[tuple[str, str]]) -> None:
        """Replace the copy with the rows of these (council, service) pairs."""
        self.con.execute("create or replace table report_scope (council varchar, service varchar)")
        self.con.executemany("insert into report_scope values (?, ?)", council_services)
        for table, where in SCOPED_TABLES:
            self.con.execute(
                f"create or replace table memory.{table} as select * from wh.{table} where {where}"
            )

    def close(self) -> None:
        self.con.close()


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
                  b.publication, b.published_on, p.kind, p.source
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
