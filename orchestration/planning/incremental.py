"""Which part of the warehouse a dbt build must recompute: everything, or a window of years.

The return facts (``fct_indicator_value``, ``fct_action_progress``, ``fct_risk``,
``fct_service_pi_summary``) are dbt incremental models by financial year (see
``dbt_project/macros/returns_window.sql``). Before each build this module compares the raw
tables with the log of successful builds in ``meta.dbt_builds``:

* **full**: no successful build yet, the dbt project (models, macros, seeds: status rules)
  or a council's framework (indicators, settings, targets: ``raw.framework_files``) changed
  since the last one, or a full refresh was asked for
  (``python -m orchestration.ops.cli run --full-refresh``; ``make rebuild``). dbt runs with
  ``--full-refresh``.
* **incremental**: only the financial years with returns loaded (new or resubmitted) since
  the last successful build are passed to dbt, as ``RETURNS_WINDOW=<from>:<to>`` in its
  environment; with none, the facts are left as they are.

The window comes from what actually changed in ``raw.return_files``, not from the run's
partitions, so a quarter loaded by a run whose dbt step then failed is still picked up by
the next build; so are the years of a load undone after a failed build
(``raw.return_ingest_log``, see ``orchestration/transform/recovery.py``). A build is logged only when it succeeded and covered every incremental
model; anything less leaves the log alone, and the next build recomputes more, never less.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from orchestration.fingerprints import project_fingerprint

BUILD_LOG_DDL = """
    create table if not exists meta.dbt_builds (
        built_at timestamp, mode varchar, from_year integer, to_year integer,
        returns_loaded_until timestamp, project_fingerprint varchar)"""

FULL_REFRESH_TAG = "warehouse/full_refresh"


@dataclass(frozen=True)
class BuildPlan:
    mode: str  # "full" or "incremental"
    reason: str
    fingerprint: str
    returns_loaded_until: datetime | None  # newest raw.return_files.loaded_at the build includes
    from_year: int | None = None  # financial years (start year: 2019 = 2019/20) to recompute
    to_year: int | None = None

    def dbt_args(self) -> list[str]:
        return ["--full-refresh"] if self.mode == "full" else []

    def dbt_env(self) -> dict[str, str]:
        """The environment dbt needs: ``RETURNS_WINDOW`` (unset: every year, as in a full build)."""
        if self.mode == "full":
            return {}
        if self.from_year is None:
            return {"RETURNS_WINDOW": "0:-1"}  # nothing changed: no year falls in this window
        return {"RETURNS_WINDOW": f"{self.from_year}:{self.to_year}"}

    def describe(self) -> str:
        if self.mode == "full":
            return f"full rebuild ({self.reason})"
        if self.from_year is None:
            return "incremental: no returns changed since the last build; the return facts are kept"
        return (
            f"incremental: returns changed in financial years {self.from_year} to {self.to_year} "
            f"(start years); recomputing those and the four years after"
        )


def plan_build(con, full_refresh: bool = False) -> BuildPlan:
    """Decide full or incremental from the raw tables and ``meta.dbt_builds`` (read only)."""
    fingerprint = project_fingerprint()
    tables = {
        r[0]
        for r in con.execute(
            "select schema_name || '.' || table_name from duckdb_tables()"
        ).fetchall()
    }
    if "raw.framework_files" in tables:
        # A framework load (a new threshold, target or PI) changes statuses already built.
        loads = con.execute(
            "select string_agg(source_sha256 || '@' || loaded_at, ',' order by source_file, loaded_at) "
            "from raw.framework_files"
        ).fetchone()[0]
        fingerprint = hashlib.sha256(f"{fingerprint}|{loads}".encode()).hexdigest()
    last = None
    if "meta.dbt_builds" in tables:
        last = con.execute("""
            select returns_loaded_until, project_fingerprint from meta.dbt_builds
            order by built_at desc limit 1""").fetchone()
    since = last[0] if last else None
    loaded_until, changed = None, (None, None)
    if "raw.return_files" in tables:
        # The newest load, and the financial years of every file loaded since the last build
        # (resubmissions, which replace rows, included).
        # Years whose loads were undone since (orchestration/transform/recovery.py): the failed build
        # left their rows in the marts, and the restored raw rows keep their old loaded_at.
        undone = (
            """union all select financial_year, null from raw.return_ingest_log
               where outcome = 'undone' and financial_year is not null and (? is null or logged_at > ?)"""
            if "raw.return_ingest_log" in tables
            else ""
        )
        loaded_until, *changed = con.execute(
            f"""
            with changes as (
                select financial_year, loaded_at from raw.return_files
                where ? is null or loaded_at > ?
                {undone}
            )
            select (select max(loaded_at) from raw.return_files),
                   min(cast(left(financial_year, 4) as integer)),
                   max(cast(left(financial_year, 4) as integer))
            from changes""",
            [since] * (4 if undone else 2),
        ).fetchone()

    def full(reason: str) -> BuildPlan:
        return BuildPlan("full", reason, fingerprint, loaded_until)

    if full_refresh:
        return full("asked for")
    if last is None:
        return full("no earlier build")
    if last[1] != fingerprint:
        return full("the dbt project changed since the last build")
    return BuildPlan(
        "incremental",
        "returns loaded since the last build",
        fingerprint,
        loaded_until,
        changed[0],
        changed[1],
    )


def record_build(con, plan: BuildPlan, built_at: datetime) -> None:
    """Log a successful build that covered every incremental model."""
    con.execute("create schema if not exists meta")
    con.execute(BUILD_LOG_DDL)
    con.execute(
        "insert into meta.dbt_builds values (?, ?, ?, ?, ?, ?)",
        [
            built_at,
            plan.mode,
            plan.from_year,
            plan.to_year,
            plan.returns_loaded_until,
            plan.fingerprint,
        ],
    )
