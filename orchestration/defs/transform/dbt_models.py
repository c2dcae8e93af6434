"""The dbt project as Dagster sees it: one asset per model/seed, dbt tests as asset checks."""

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from orchestration import config
from orchestration.defs import run_log
from orchestration.defs.resources import Warehouse
from orchestration.planning import incremental, selection
from orchestration.transform import artefacts
from orchestration.transform.descriptions import describe_test
from orchestration.transform.project import dbt_project
from orchestration.transform.recovery import recover_from_failed_build


class WarehouseTranslator(DagsterDbtTranslator):
    """Group dbt assets by layer (``seeds``, ``staging``, ``marts``) so the graph reads left to right."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "dbt"

    def get_asset_check_spec(self, asset_spec, manifest, unique_id, project):
        """dagster-dbt's check, with a description of what the test checks (see check_descriptions)."""
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None:
            return None
        return dg.AssetCheckSpec(
            name=spec.name,
            asset=spec.asset_key,
            description=describe_test(manifest["nodes"][unique_id]),
            additional_deps=spec.additional_deps,
            metadata=spec.metadata,
            blocking=spec.blocking,
        )


translator = WarehouseTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


@cache
def incremental_models() -> set[str]:
    """Names of the models dbt builds incrementally (config materialized='incremental')."""
    manifest = json.loads(dbt_project.manifest_path.read_text())
    return {
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"].get("materialized") == "incremental"
    }


@dbt_assets(
    manifest=dbt_project.manifest_path,
    dagster_dbt_translator=translator,
    pool="warehouse",
    retry_policy=dg.RetryPolicy(max_retries=1, delay=5),
)
def warehouse_dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse
):
    config.export_dbt_env()
    if selection.unplanned_run_has_nothing_to_build(context):
        # Materializing nothing makes Dagster skip the reports and publishing after this step.
        context.log.info(
            "Nothing changed since the last successful publish: dbt, the reports and "
            "publishing are skipped"
        )
        return
    # dagster-dbt leaves a target folder per build: keep the newest (this build's included).
    artefacts.prune_dbt_run_folders(keep=artefacts.KEEP_DBT_RUN_FOLDERS - 1)
    # Full or incremental (orchestration/planning/incremental.py). The connection is closed before dbt
    # starts: DuckDB allows one writing process per file.
    full_refresh = context.run.tags.get(incremental.FULL_REFRESH_TAG, "").lower() == "true"
    with warehouse.get_connection() as con:
        plan = incremental.plan_build(con, full_refresh=full_refresh)
    context.log.info(f"dbt build: {plan.describe()}")
    started = datetime.now(UTC).replace(tzinfo=None)
    # `build` runs seeds, models and their tests in DAG order: a failing error-severity test
    # stops downstream models, so wrong numbers never reach the marts. Only a successful
    # build is logged. A failed one undoes this run's load and quarantines the return files
    # its failing rows come from (orchestration/transform/recovery.py), so the next run can publish.
    # dbt's unit tests check the rules' SQL on fixed inputs, not the data: they run in the test
    # suite (tests/pipeline/test_dbt_unit_tests.py), as dbt advises, not in every production build
    # (they were a quarter of its test time).
    args = ["build", "--exclude-resource-type", "unit_test", *plan.dbt_args()]
    with config.set_environment(plan.dbt_env()):
        invocation = dbt.cli(args, context=context, raise_on_error=False)
        yield from run_log.dbt_progress(context, invocation.stream())
    if not invocation.is_successful():
        run_results = invocation.get_artifact("run_results.json")
        manifest = invocation.get_artifact("manifest.json")
        # Raised after the connection is closed: DuckDBResource closes it only on a clean exit.
        with warehouse.get_connection() as con:
            failure = recover_from_failed_build(context, con, run_results, manifest)
        raise failure
    selected = {key.path[-1] for key in context.selected_asset_keys}
    if incremental_models() <= selected:
        with warehouse.get_connection() as con:
            incremental.record_build(con, plan, started)
