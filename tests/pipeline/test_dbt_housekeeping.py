"""A renamed or deleted model's table leaves the warehouse at the next build: dbt never drops
it itself, and a deployment upgraded past the rename of ``lgbf_benchmark`` to
``fct_lgbf_benchmark`` would otherwise serve the old table, stale, beside the new one.
(``dbt_project/macros/drop_relations_no_model_defines.sql``, the project's on-run-end hook.)"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from orchestration import config

STALE = (
    "marts.lgbf_benchmark",
    "marts.lgbf_benchmark_history",
    "staging.stg_gone",
    "reference.old_seed",
)


def _relations(path: Path) -> set[str]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {
            f"{s}.{t}"
            for s, t in con.execute(
                "select schema_name, table_name from duckdb_tables() union all "
                "select schema_name, view_name from duckdb_views() where not internal"
            ).fetchall()
        }


def test_relations_no_model_defines_are_dropped_and_nothing_else(
    built_warehouse, manifest, tmp_path
):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(built_warehouse, warehouse)
    built = _relations(warehouse)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create table marts.lgbf_benchmark as select * from marts.fct_lgbf_benchmark")
        con.execute("create table marts.lgbf_benchmark_history as select 1 as x")
        con.execute("create view staging.stg_gone as select 1 as x")
        con.execute("create table reference.old_seed as select 1 as x")
    assert _relations(warehouse) == built | set(STALE)

    dbt = Path(sys.executable).with_name("dbt")
    proc = subprocess.run(
        [
            str(dbt),
            "run-operation",
            "drop_relations_no_model_defines",
            "--target-path",
            str(tmp_path / "target"),
        ],  # fmt: skip
        cwd=config.DBT_PROJECT_DIR,
        env={**os.environ, "DUCKDB_PATH": str(warehouse), "DBT_LOG_PATH": str(tmp_path)},
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    for name in STALE:
        assert f"Dropping {name}: no model defines it any more" in proc.stdout
    # Every model's and seed's relation, and the pipeline's own raw and meta tables, stay.
    assert _relations(warehouse) == built
    assert {r for r in built if r.startswith(("raw.", "meta."))}
