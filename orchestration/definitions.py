"""The code location: every asset, resource, job and schedule of the project."""

import dagster as dg
from dagster_dbt import DbtCliResource
from dagster_duckdb import DuckDBResource

from orchestration import run_log, settings
from orchestration.assets.frameworks import frameworks
from orchestration.assets.lgbf_ingest import lgbf_publications
from orchestration.assets.published import published_warehouse
from orchestration.assets.published_outputs import (
    lgbf_benchmarking_packs,
    parquet_exports,
    service_performance_reports,
)
from orchestration.assets.returns_ingest import quarterly_returns
from orchestration.assets.templates import return_templates
from orchestration.dbt import warehouse_dbt_models
from orchestration.project import dbt_project
from orchestration.returns_sensor import returns_sensor_for
from orchestration.schedules import quarterly_schedule_for
from orchestration.selection import LOAD_ALL
from orchestration.sensors import lgbf_refresh_sensor_for

settings.export_dbt_env()

# Every step opens the one DuckDB warehouse (the `warehouse` pool runs them one at a time),
# so a process per step would buy no parallelism and cost a Python start-up for each of the
# seven steps: the jobs run their steps in the run's own process. (The reports asset still
# writes on every core with its own worker processes.)
all_assets_job = dg.define_asset_job(
    "load_all",
    # The templates are written when a quarter is due (return_templates_job), not on each load.
    selection=LOAD_ALL,
    description="Ingest returns for the selected quarters, build the warehouse and publish it.",
    executor_def=dg.in_process_executor,
)

lgbf_refresh_job = dg.define_asset_job(
    "lgbf_refresh",
    selection=dg.AssetSelection.assets(lgbf_publications).downstream()
    - dg.AssetSelection.assets(return_templates),
    description="Ingest new LGBF publications from the landing folder and rebuild what depends on them.",
    executor_def=dg.in_process_executor,
)

return_templates_job = dg.define_asset_job(
    "write_return_templates",
    selection=dg.AssetSelection.assets(return_templates),
    description="Write the quarter's pre-filled return templates (output/templates/).",
    executor_def=dg.in_process_executor,
)

defs = dg.Definitions(
    assets=[
        frameworks,
        quarterly_returns,
        lgbf_publications,
        warehouse_dbt_models,
        service_performance_reports,
        lgbf_benchmarking_packs,
        parquet_exports,
        published_warehouse,
        return_templates,
    ],
    jobs=[all_assets_job, lgbf_refresh_job, return_templates_job],
    schedules=[quarterly_schedule_for(all_assets_job)],
    sensors=[lgbf_refresh_sensor_for(lgbf_refresh_job), returns_sensor_for(all_assets_job)],
    # Dagster's console logger, and a file for the CLI's full log (orchestration/run_log.py).
    loggers={"console": run_log.terminal_logger, "file": run_log.file_logger},
    resources={
        "duckdb": DuckDBResource(
            database=str(settings.work_warehouse_path()),
            # DuckDB would otherwise cache up to 80% of RAM; past this it spills to disk.
            connection_config={"memory_limit": settings.duckdb_memory_limit()},
        ),
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=settings.dbt_executable()),
    },
)
