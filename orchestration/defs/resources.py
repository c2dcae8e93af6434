"""The resources, in one place: the DuckDB warehouse and dbt."""

from dagster_dbt import DbtCliResource
from dagster_duckdb import DuckDBResource

from orchestration import config
from orchestration.transform.project import dbt_project


def resources() -> dict:
    return {
        "duckdb": DuckDBResource(
            database=str(config.work_warehouse_path()),
            # DuckDB would otherwise cache up to 80% of RAM; past this it spills to disk.
            connection_config={"memory_limit": config.duckdb_memory_limit()},
        ),
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=config.dbt_executable()),
    }
