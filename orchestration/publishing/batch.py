"""Write many service reports quickly: one council-service at a time, from an in-memory copy.

Used by the Dagster asset in worker processes; kept free of Dagster so workers start fast.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.publishing.service_report import build_service_report


class _CouncilScope:
    """The report queries, pointed at an in-memory copy of one council and service's rows.

    A national warehouse holds millions of indicator values; copying one council-service's
    few thousand rows once and querying those for each of its periods' reports is far cheaper
    than filtering the whole mart for every report.
    """

    report_schema = "scope"

    def __init__(self, warehouse: str):
        self.con = duckdb.connect(config={"memory_limit": "512MB"})
        self.con.execute(f"attach '{warehouse}' as wh (read_only)")
        self.con.execute("create schema scope")
        self.con.execute("create table scope.dim_indicator as select * from wh.marts.dim_indicator")

    def load(self, council: str, service: str) -> None:
        for table, where in (
            ("fct_indicator_value", "council = $1 and service = $2"),
            ("fct_action_progress", "council = $1 and service = $2"),
            ("fct_risk", "council = $1 and service = $2"),
            ("lgbf_benchmark", "council = $1"),
        ):
            self.con.execute(
                f"create or replace table scope.{table} as select * from wh.marts.{table} where {where}",
                [council, service] if "$2" in where else [council],
            )

    def execute(self, sql, params=None):
        return self.con.execute(sql, params or [])

    def close(self) -> None:
        self.con.close()


def write_reports(job: tuple) -> list[dict]:
    """Write a batch of reports (runs in a worker process), one council-service at a time."""
    warehouse, out_dir, periods = job
    written = []
    scope = _CouncilScope(warehouse)
    try:
        current = None
        for council, service, period_key in sorted(periods):
            if (council, service) != current:
                scope.load(council, service)
                current = (council, service)
            path, counts = build_service_report(scope, council, service, period_key, Path(out_dir))
            written.append({"file": path.name, "bytes": path.stat().st_size, **counts})
    finally:
        scope.close()
    return written
