"""The raw layer of the working DuckDB warehouse, written by the Python ingest assets.

dbt reads these tables as sources (``dbt_project/models/staging/__sources.yml``). Each row
keeps its lineage: source file, its sha256, sheet and row, and when it was loaded.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from orchestration.returns import format as fmt
from orchestration.returns.reader import ParsedReturn

LINEAGE = "source_file varchar, source_sha256 varchar, source_sheet varchar, source_row integer, loaded_at timestamp"
RETURN_KEYS = "partition_key varchar, council varchar, service varchar, financial_year varchar, file_quarter integer, period varchar"

DDL = {
    "return_files": """
        partition_key varchar, council varchar, service varchar, financial_year varchar,
        file_quarter integer, submitted_by varchar, submitted_on varchar,
        source_file varchar, source_sha256 varchar, loaded_at timestamp,
        indicator_rows integer, action_rows integer, risk_rows integer""",
    "return_indicator_values": f"""{RETURN_KEYS}, indicator_code varchar, value double,
        value_is_percent boolean, numerator double, denominator double,
        reported_status varchar, note varchar, source_ref varchar, {LINEAGE}""",
    "return_actions": f"""{RETURN_KEYS}, action_code varchar, priority varchar, action varchar,
        due_date date, progress_pct double, reported_status varchar, comment varchar,
        source_ref varchar, {LINEAGE}""",
    "return_risks": f"""{RETURN_KEYS}, risk_code varchar, title varchar, identification varchar,
        control_measures varchar, risk_score double, latest_note varchar, source_ref varchar,
        {LINEAGE}, related_action varchar""",
    "return_narrative": f"""{RETURN_KEYS}, heading varchar, text varchar, source_ref varchar,
        {LINEAGE}""",
}
# Columns added after a table was first created: added in place to an existing warehouse.
ADDED_COLUMNS = {"return_risks": {"related_action": "varchar"}}
RAW_TABLES = tuple(DDL)

# What each run did with each return file: loaded, rejected by the reader, or undone because
# a dbt test failed on its rows. The undo reads it to find the run's files; the build planner
# reads it to recompute the years an undone load touched.
INGEST_LOG = """run_id varchar, logged_at timestamp, outcome varchar, source_file varchar,
    source_sha256 varchar, partition_key varchar, council varchar, service varchar,
    financial_year varchar, message varchar"""


def ensure_raw_schema(con) -> None:
    con.execute("create schema if not exists raw")
    for table, columns in DDL.items():
        con.execute(f"create table if not exists raw.{table} ({columns})")
    ensure_audit_schema(con)
    for table, added in ADDED_COLUMNS.items():
        for suffix in ("", "_replaced"):
            for column, kind in added.items():
                con.execute(
                    f"alter table raw.{table}{suffix} add column if not exists {column} {kind}"
                )


def _base(ret: ParsedReturn, rec: dict, loaded_at: datetime) -> dict:
    return {
        "partition_key": ret.partition_key,
        "council": ret.council,
        "service": ret.service,
        "financial_year": ret.quarter.financial_year,
        "file_quarter": ret.quarter.quarter,
        "period": "year" if rec.get("Period") == fmt.PERIOD_YEAR_END else "quarter",
    }


def _lineage(ret: ParsedReturn, rec: dict, loaded_at: datetime) -> dict:
    return {
        "source_file": ret.path.name,
        "source_sha256": ret.sha256,
        "source_sheet": rec["sheet"],
        "source_row": rec["row"],
        "loaded_at": loaded_at,
    }


def frames(
    returns: list[ParsedReturn], loaded_at: datetime | None = None
) -> dict[str, pd.DataFrame]:
    """One DataFrame per raw table, columns in DDL order."""
    loaded_at = loaded_at or datetime.now(UTC).replace(tzinfo=None)
    rows: dict[str, list[dict]] = {t: [] for t in RAW_TABLES}
    for ret in returns:
        rows["return_files"].append(
            {
                "partition_key": ret.partition_key,
                "council": ret.council,
                "service": ret.service,
                "financial_year": ret.quarter.financial_year,
                "file_quarter": ret.quarter.quarter,
                "submitted_by": ret.submitted_by,
                "submitted_on": ret.submitted_on,
                "source_file": ret.path.name,
                "source_sha256": ret.sha256,
                "loaded_at": loaded_at,
                "indicator_rows": len(ret.indicators),
                "action_rows": len(ret.actions),
                "risk_rows": len(ret.risks),
            }
        )
        for rec in ret.indicators:
            value, value_is_percent = rec["Value"]
            rows["return_indicator_values"].append(
                {
                    **_base(ret, rec, loaded_at),
                    "indicator_code": rec["PI Code"],
                    "value": value,
                    "value_is_percent": value_is_percent,
                    "numerator": rec["Numerator"][0],
                    "denominator": rec["Denominator"][0],
                    "reported_status": rec.get("Status") or None,
                    "note": rec["Note"] or None,
                    "source_ref": rec.get("Source") or None,
                    **_lineage(ret, rec, loaded_at),
                }
            )
        for rec in ret.actions:
            rows["return_actions"].append(
                {
                    **_base(ret, rec, loaded_at),
                    "action_code": rec["Code"],
                    "priority": rec.get("Priority") or None,
                    "action": rec["Action"] or None,
                    "due_date": rec["Due Date"],
                    "progress_pct": rec["Progress %"][0],
                    "reported_status": rec.get("Status") or None,
                    "comment": rec["Comment"] or None,
                    "source_ref": rec.get("Source") or None,
                    **_lineage(ret, rec, loaded_at),
                }
            )
        for rec in ret.risks:
            rows["return_risks"].append(
                {
                    **_base(ret, rec, loaded_at),
                    "risk_code": rec["Code"],
                    "title": rec["Title"] or None,
                    "identification": rec["Identification"] or None,
                    "control_measures": rec["Control Measures"] or None,
                    "risk_score": rec["Current Risk Score"][0],
                    "latest_note": rec["Latest Note"] or None,
                    "source_ref": rec.get("Source") or None,
                    **_lineage(ret, rec, loaded_at),
                    "related_action": rec.get("Related Action") or None,
                }
            )
        for rec in ret.narrative:
            rows["return_narrative"].append(
                {
                    **_base(ret, rec, loaded_at),
                    "heading": rec["Heading"] or None,
                    "text": rec["Text"],
                    "source_ref": rec.get("Source") or None,
                    **_lineage(ret, rec, loaded_at),
                }
            )
    return {t: pd.DataFrame(r) for t, r in rows.items()}


AUDITED_TABLES = ("return_indicator_values", "return_actions", "return_risks", "return_narrative")


def ensure_audit_schema(con) -> None:
    """``raw.<table>_replaced``: every row a resubmission replaced, with when and by what."""
    for table in AUDITED_TABLES:
        con.execute(
            f"""create table if not exists raw.{table}_replaced as
                select *, null::timestamp as replaced_at, null::varchar as replaced_by_sha256
                from raw.{table} limit 0"""
        )
    con.execute(
        """create table if not exists raw.return_files_replaced as
           select *, null::timestamp as replaced_at, null::varchar as replaced_by_sha256
           from raw.return_files limit 0"""
    )
    con.execute(f"create table if not exists raw.return_ingest_log ({INGEST_LOG})")


def loaded_files(con, partition_keys: list[str]) -> dict[str, str]:
    """source_file -> sha256 of what is loaded now for these partitions."""
    ensure_raw_schema(con)
    return dict(
        con.execute(
            "select source_file, source_sha256 from raw.return_files where partition_key in (select unnest(?))",
            [list(partition_keys)],
        ).fetchall()
    )


def write_returns(con, returns: list[ParsedReturn], now: datetime) -> dict[str, int]:
    """Replace what was loaded for these returns' council, service and quarter with their rows.

    The replaced rows move to the ``*_replaced`` audit tables (with replaced_at and the new
    file's sha256), so a correction never destroys the figures it corrected. Other councils,
    services and quarters are untouched. The caller owns the transaction. Set-based, so a
    batch of thousands of files is a handful of statements.
    """
    data = frames(returns, now)
    keys = pd.DataFrame(
        [(r.partition_key, r.council, r.service, r.sha256) for r in returns],
        columns=["partition_key", "council", "service", "replaced_by_sha256"],
    )
    con.register("incoming_keys", keys)
    for table in (*AUDITED_TABLES, "return_files"):
        con.execute(
            # by name: a column added later (ADDED_COLUMNS) sits elsewhere in an older table
            f"""insert into raw.{table}_replaced by name
                select t.*, ?::timestamp as replaced_at, k.replaced_by_sha256
                from raw.{table} t join incoming_keys k using (partition_key, council, service)""",
            [now],
        )
        con.execute(
            f"""delete from raw.{table} t using incoming_keys k
                where t.partition_key = k.partition_key and t.council = k.council and t.service = k.service"""
        )
    con.unregister("incoming_keys")
    for table in RAW_TABLES:
        df = data[table]
        if len(df):
            con.register("incoming", df)
            cols = ", ".join(df.columns)
            con.execute(f"insert into raw.{table} ({cols}) select {cols} from incoming")
            con.unregister("incoming")
    return {t: len(df) for t, df in data.items()}


def log_ingest(con, run_id: str, at: datetime, outcome: str, rows: list[dict]) -> None:
    """Append to ``raw.return_ingest_log``: ``rows`` give source_file, source_sha256 and, where
    known, partition_key, council, service, financial_year and message."""
    if not rows:
        return
    columns = (
        "source_file",
        "source_sha256",
        "partition_key",
        "council",
        "service",
        "financial_year",
        "message",
    )
    df = pd.DataFrame([{c: r.get(c) for c in columns} for r in rows], columns=list(columns))
    con.register("ingest_log_rows", df)
    con.execute(
        f"""insert into raw.return_ingest_log
            select ?, ?, ?, {", ".join(columns)} from ingest_log_rows""",
        [run_id, at, outcome],
    )
    con.unregister("ingest_log_rows")


def files_loaded_by_run(con, run_id: str) -> list[tuple[str, str]]:
    """``(source_file, source_sha256)`` of every file this run loaded (and has not undone)."""
    ensure_raw_schema(con)
    return con.execute(
        """select source_file, source_sha256 from raw.return_ingest_log
           where run_id = ? and outcome = 'loaded'
             and source_sha256 not in (select source_sha256 from raw.return_ingest_log
                                       where run_id = ? and outcome = 'undone')
           order by source_file""",
        [run_id, run_id],
    ).fetchall()


def unload(con, shas: list[str]) -> None:
    """Take these files' rows out of the raw tables and put back the rows they replaced: the
    raw tables return to their state before the files were loaded (they are the latest loads
    of their council, service and quarter). The caller owns the transaction."""
    keys = pd.DataFrame({"sha": list(shas)})
    con.register("unload_shas", keys)
    for table in (*AUDITED_TABLES, "return_files"):
        con.execute(f"delete from raw.{table} where source_sha256 in (select sha from unload_shas)")
        con.execute(
            f"""insert into raw.{table}
                select * exclude (replaced_at, replaced_by_sha256) from raw.{table}_replaced
                where replaced_by_sha256 in (select sha from unload_shas)"""
        )
        con.execute(
            f"delete from raw.{table}_replaced where replaced_by_sha256 in (select sha from unload_shas)"
        )
    con.unregister("unload_shas")
