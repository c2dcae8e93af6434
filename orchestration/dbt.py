"""The dbt project as Dagster sees it: one asset per model/seed, dbt tests as asset checks."""


from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from orchestration import settings
from orchestration.project import dbt_project


class WarehouseTranslator(DagsterDbtTranslator):
    """Group dbt assets by layer (``seeds``, ``staging``, ``marts``) so the graph reads left to right."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "dbt"


translator = WarehouseTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


@dbt_assets(
    manifest=dbt_project.manifest_path,
    dagster_dbt_translator=translator,
    pool="warehouse",
    retry_policy=dg.RetryPolicy(max_retries=1, delay=5),
)
def warehouse_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    # `build` runs seeds, models and their tests in DAG order: a failing error-severity test
    # stops downstream models, so wrong numbers never reach the marts.
    settings.export_dbt_env()
    yield from dbt.cli(["build"], context=context).stream()
