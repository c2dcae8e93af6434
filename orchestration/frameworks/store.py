"""The framework tables of the raw layer: every accepted load kept, with lineage.

Each accepted framework workbook is appended whole (one ``loaded_at`` per load) to
``raw.framework_*``; nothing is updated or deleted, so the history of every council's
framework stays queryable. The dbt staging models (``stg_frameworks__*``) read the latest
accepted load of each council: the framework in force. A rejected workbook writes nothing, so
the last good load stays in force.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from orchestration.frameworks import format as ffmt
from orchestration.frameworks.in_force import Pis
from orchestration.frameworks.reader import ParsedFramework
from orchestration.workbook.values import pi_limits

LINEAGE = (
    "source_file varchar, source_sha256 varchar, source_sheet varchar, source_row integer, "
    "loaded_at timestamp"
)

# raw table -> (sheet, {column: (header, kind, sql type)})
TABLES = {
    "framework_services": (
        ffmt.SERVICES.name,
        {
            "service": ("Service", "text", "varchar"),
            "description": ("Description", "text", "varchar"),
            "effective_from": ("Effective From", "date", "date"),
        },
    ),
    "framework_groups": (
        ffmt.GROUPS.name,
        {
            "service": ("Service", "text", "varchar"),
            "priority_group": ("Group", "text", "varchar"),
            "heading": ("Heading", "text", "varchar"),
            "print_order": ("Print Order", "number", "double"),
            "effective_from": ("Effective From", "date", "date"),
            "source_ref": ("Source", "text", "varchar"),
        },
    ),
    "framework_indicators": (
        ffmt.INDICATORS.name,
        {
            "indicator_code": ("PI Code", "text", "varchar"),
            "title": ("Title", "text", "varchar"),
            "service": ("Service", "text", "varchar"),
            "priority_group": ("Group", "text", "varchar"),
            "report_heading": ("Report Heading", "text", "varchar"),
            "section": ("Section", "text", "varchar"),
            "print_order": ("Print Order", "number", "double"),
            "new_in": ("New In", "text", "varchar"),
            "benchmark": ("Benchmark", "text", "varchar"),
            "unit": ("Unit", "text", "varchar"),
            "decimals": ("Decimals", "number", "double"),
            "min_value": ("Min Value", "number", "double"),
            "max_value": ("Max Value", "number", "double"),
            "gauge": ("Gauge", "text", "varchar"),
            "goldilocks_lower": ("Goldilocks Lower", "number", "double"),
            "goldilocks_upper": ("Goldilocks Upper", "number", "double"),
            "amber_threshold": ("Amber Threshold", "number", "double"),
            "red_threshold": ("Red Threshold", "number", "double"),
            "threshold_type": ("Threshold Type", "text", "varchar"),
            "trend_type": ("Trend Type", "text", "varchar"),
            "long_trend_periods": ("Long Trend Periods", "number", "double"),
            "cumulative": ("Cumulative", "text", "varchar"),
            "target_phasing": ("Target Phasing", "text", "varchar"),
            "numerator_name": ("Numerator", "text", "varchar"),
            "denominator_name": ("Denominator", "text", "varchar"),
            "current_code": ("Current Code", "text", "varchar"),
            "aliases": ("Aliases", "text", "varchar"),
            "lgbf_code": ("LGBF Code", "text", "varchar"),
            "effective_from": ("Effective From", "date", "date"),
            "source_ref": ("Source", "text", "varchar"),
        },
    ),
    "framework_targets": (
        ffmt.TARGETS.name,
        {
            "service": ("Service", "text", "varchar"),
            "indicator_code": ("PI Code", "text", "varchar"),
            "financial_year": ("Financial Year", "text", "varchar"),
            "annual_target": ("Annual Target", "number", "double"),
            "q1_target": ("Q1 Target", "number", "double"),
            "q2_target": ("Q2 Target", "number", "double"),
            "q3_target": ("Q3 Target", "number", "double"),
            "q4_target": ("Q4 Target", "number", "double"),
            "source_ref": ("Source", "text", "varchar"),
        },
    ),
    "framework_risk_bands": (
        ffmt.RISK_BANDS.name,
        {
            "band": ("Band", "text", "varchar"),
            "min_score": ("Min Score", "number", "double"),
            "max_score": ("Max Score", "number", "double"),
        },
    ),
}
FILES_DDL = (
    "council varchar, maintained_by varchar, updated_on varchar, source_file varchar, "
    "source_sha256 varchar, loaded_at timestamp, indicator_rows integer, target_rows integer"
)
# Frameworks that were rejected, with why (the last good load stayed in force).
REJECTIONS_DDL = (
    "source_file varchar, source_sha256 varchar, rejected_at timestamp, message varchar"
)


def ensure_schema(con) -> None:
    con.execute("create schema if not exists raw")
    con.execute(f"create table if not exists raw.framework_files ({FILES_DDL})")
    con.execute(f"create table if not exists raw.framework_rejections ({REJECTIONS_DDL})")
    for table, (_, columns) in TABLES.items():
        ddl = ", ".join(f"{name} {sql}" for name, (_, _, sql) in columns.items())
        con.execute(f"create table if not exists raw.{table} (council varchar, {ddl}, {LINEAGE})")
        # a column the format gained since the table was made (Red Threshold): earlier loads
        # keep their rows, blank in it
        for name, (_, _, sql) in columns.items():
            con.execute(f"alter table raw.{table} add column if not exists {name} {sql}")


def in_force_shas(con) -> dict[str, str]:
    """file name -> sha256 of the latest accepted load of each framework file."""
    ensure_schema(con)
    rows = con.execute(
        "select source_file, arg_max(source_sha256, loaded_at) from raw.framework_files group by 1"
    ).fetchall()
    return dict(rows)


def _value(rec: dict, header: str, kind: str):
    value = rec.get(header)
    if kind == "number":
        return value[0] if isinstance(value, tuple) else value
    if kind == "text":
        return value or None
    return value


def frames(fw: ParsedFramework, loaded_at: datetime) -> dict[str, pd.DataFrame]:
    """One DataFrame per raw framework table for one accepted workbook."""
    out = {}
    for table, (sheet, columns) in TABLES.items():
        rows = [
            {
                "council": fw.council,
                **{name: _value(rec, header, kind) for name, (header, kind, _) in columns.items()},
                "source_file": fw.path.name,
                "source_sha256": fw.sha256,
                "source_sheet": sheet,
                "source_row": rec["row"],
                "loaded_at": loaded_at,
            }
            for rec in fw.sheets.get(sheet, [])
        ]
        out[table] = pd.DataFrame(
            rows, columns=["council", *columns, *[c.split()[0] for c in LINEAGE.split(", ")]]
        )
    return out


def write(con, fw: ParsedFramework, loaded_at: datetime) -> dict[str, int]:
    """Append one accepted framework load; returns rows written per table."""
    counts = {}
    for table, frame in frames(fw, loaded_at).items():
        con.register("framework_frame", frame)
        con.execute(f"insert into raw.{table} by name select * from framework_frame")
        con.unregister("framework_frame")
        counts[table] = len(frame)
    con.execute(
        "insert into raw.framework_files values (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            fw.council,
            fw.metadata.get("Maintained by") or None,
            fw.metadata.get("Updated on") or None,
            fw.path.name,
            fw.sha256,
            loaded_at,
            counts["framework_indicators"],
            counts["framework_targets"],
        ],
    )
    return counts


def codes_in_force(con) -> Pis:
    """council -> {PI code: its limits} of its framework in force (what its returns may use,
    and the range and unit its values are checked against: the PI's latest version)."""
    ensure_schema(con)
    rows = con.execute(
        """
        select
            i.council,
            i.indicator_code,
            arg_max(i.unit, coalesce(i.effective_from, date '1900-01-01')),
            arg_max(i.min_value, coalesce(i.effective_from, date '1900-01-01')),
            arg_max(i.max_value, coalesce(i.effective_from, date '1900-01-01'))
        from raw.framework_indicators as i
        inner join (
            select council, max(loaded_at) as loaded_at from raw.framework_files group by 1
        ) as latest using (council, loaded_at)
        group by 1, 2
        """
    ).fetchall()
    out: Pis = {}
    for council, code, unit, low, high in rows:
        out.setdefault(council, {})[code] = pi_limits(unit, low, high)
    return out
