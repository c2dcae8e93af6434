"""Downstream of the marts: the analysts' copy of the warehouse."""

from pathlib import Path

import dagster as dg

from orchestration.defs.resources import Warehouse
from orchestration.defs.transform.dbt_models import warehouse_dbt_models
from orchestration.fingerprints import code_fingerprint
from orchestration.planning import changes, options
from orchestration.warehouse.publish import publish_warehouse


@dg.asset(
    deps=list(warehouse_dbt_models.keys),
    group_name="published",
    kinds={"duckdb"},
    pool="warehouse",
    description="output/warehouse.duckdb: the built warehouse, replaced atomically for analysts.",
)
def published_warehouse(
    context: dg.AssetExecutionContext, warehouse: Warehouse
) -> dg.MaterializeResult:
    path = publish_warehouse(Path(warehouse.database), Path(warehouse.published_database))
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
