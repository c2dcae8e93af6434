"""Downstream of the marts: the analysts' copy of the warehouse, published last.

It is replaced only after the run's reports, LGBF packs and Parquet exports are written: a
run that could not write one of them (a full disk, a read-only folder) leaves the last
published warehouse in place, and since that records the inputs it was built from, the next
run sees them changed and publishes everything again. Published first, it would record this
run's inputs, and the next ``make run`` would find "nothing changed" and never write the
missing files.
"""

from pathlib import Path

import dagster as dg

from orchestration.defs.publish.failures import publishing_to
from orchestration.defs.publish.outputs import (
    lgbf_benchmarking_packs,
    parquet_exports,
    service_performance_reports,
)
from orchestration.defs.resources import Warehouse
from orchestration.defs.transform.dbt_models import warehouse_dbt_models
from orchestration.fingerprints import code_fingerprint
from orchestration.planning import changes, options
from orchestration.warehouse.publish import publish_warehouse


@dg.asset(
    deps=[
        *warehouse_dbt_models.keys,
        service_performance_reports,
        lgbf_benchmarking_packs,
        parquet_exports,
    ],
    group_name="published",
    kinds={"duckdb"},
    pool="warehouse",
    description="output/warehouse.duckdb: the built warehouse, replaced atomically for analysts.",
)
def published_warehouse(
    context: dg.AssetExecutionContext, warehouse: Warehouse
) -> dg.MaterializeResult:
    published = Path(warehouse.published_database)
    with publishing_to(published.parent):
        path = publish_warehouse(Path(warehouse.database), published)
    with warehouse.published() as con:
        tables = con.execute(
            "select schema_name || '.' || table_name, estimated_size from duckdb_tables() order by 1"
        ).fetchall()
    context.log.info(f"Published {path}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(path)),
            "size_bytes": dg.MetadataValue.int(path.stat().st_size),
            "tables": dg.MetadataValue.json({name: rows for name, rows in tables}),
            # What produced it: `make run` starts nothing while the inputs and this are unchanged.
            changes.CODE_FINGERPRINT_KEY: dg.MetadataValue.text(code_fingerprint()),
            # and with which run options (orchestration/planning/options.py)
            options.METADATA_KEY: dg.MetadataValue.json(
                options.RunOptions.from_run_config(context.run.run_config).as_dict()
            ),
        }
    )
