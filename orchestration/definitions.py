"""The code location: every asset, job, schedule, sensor, logger and resource of the project.

What each stage does lives in ``orchestration/defs/`` (``ingest/``, ``transform/``,
``publish/``, ``automation/``); this module only puts them together, once.
"""

import dagster as dg

from orchestration import config
from orchestration.defs import jobs, resources, run_log
from orchestration.defs.automation.lgbf_sensor import lgbf_refresh_sensor_for
from orchestration.defs.automation.returns_sensor import returns_sensor_for
from orchestration.defs.automation.schedules import quarterly_schedule_for
from orchestration.defs.ingest.frameworks import frameworks
from orchestration.defs.ingest.lgbf import lgbf_publications
from orchestration.defs.ingest.returns import quarterly_returns
from orchestration.defs.publish.outputs import (
    lgbf_benchmarking_packs,
    parquet_exports,
    service_performance_reports,
)
from orchestration.defs.publish.templates import next_quarter_templates, return_templates
from orchestration.defs.publish.warehouse import published_warehouse
from orchestration.defs.transform.dbt_models import warehouse_dbt_models

config.export_dbt_env()

ASSETS = [
    frameworks,
    quarterly_returns,
    lgbf_publications,
    warehouse_dbt_models,
    service_performance_reports,
    lgbf_benchmarking_packs,
    parquet_exports,
    published_warehouse,
    return_templates,
    next_quarter_templates,
]

defs = dg.Definitions(
    assets=ASSETS,
    jobs=jobs.JOBS,
    schedules=[quarterly_schedule_for(jobs.load_all, ASSETS)],
    sensors=[lgbf_refresh_sensor_for(jobs.lgbf_refresh), returns_sensor_for(jobs.load_all, ASSETS)],
    # Dagster's console logger, and a file for the CLI's full log (orchestration/defs/run_log.py).
    loggers={"console": run_log.terminal_logger, "file": run_log.file_logger},
    resources=resources.resources(),
)
