"""Parquet exports of the marts, for Power BI and R users who do not use DuckDB."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from orchestration.faults import fail_point

MART_TABLES = (
    "dim_period",
    "dim_indicator",
    "dim_council",
    "fct_indicator_value",
    "fct_service_pi_summary",
    "fct_action_progress",
    "fct_risk",
    "fct_lgbf_value",
    "fct_lgbf_benchmark",
)


def export_marts(con, out_dir: Path) -> dict[str, int]:
    """One ``<table>.parquet`` per mart, each written beside its target and renamed into place;
    an export of a mart no longer exported (renamed: ``lgbf_benchmark.parquet``) is removed
    once the others are written, so that no Power BI report reads a file nobody refreshes.
    A file that fails to write (a full disk) is removed and the published one left as it was."""
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = {}
    for table in MART_TABLES:
        target = out_dir / f"{table}.parquet"
        tmp = out_dir / f".{table}.parquet.tmp"
        try:
            con.execute(f"copy marts.{table} to '{tmp}' (format parquet)")
            fail_point("publish", tmp)  # fault-injection point for the publish-fault tests
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
            raise
        counts[table] = con.execute(f"select count(*) from marts.{table}").fetchone()[0]
    for stale in set(out_dir.glob("*.parquet")) - {out_dir / f"{t}.parquet" for t in MART_TABLES}:
        stale.unlink()
    return counts
