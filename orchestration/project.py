"""The dbt project handle, importable without a manifest (``make`` prepares one from it)."""

from dagster_dbt import DbtProject

from orchestration import settings

dbt_project = DbtProject(project_dir=settings.DBT_PROJECT_DIR)
# Under `dagster dev` the manifest is re-parsed on every code reload; the profile needs the
# warehouse path (DUCKDB_PATH) for that.
settings.export_dbt_env()
dbt_project.prepare_if_dev()
