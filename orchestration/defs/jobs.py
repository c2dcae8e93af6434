"""The jobs: what a data engineer launches, and what the schedule and sensors request.

Every step opens the one DuckDB warehouse (the ``warehouse`` pool runs them one at a time), so
a process per step would buy no parallelism and cost a Python start-up for each of the seven
steps: the jobs run their steps in the run's own process. (The reports asset still writes on
every core with its own worker processes.)
"""

import dagster as dg

from orchestration.planning.selection import LGBF_INGEST, LOAD_ALL

load_all = dg.define_asset_job(
    "load_all",
    # Every asset but the on-demand templates of any quarter (write_return_templates); each
    # council-service's next return template is written on every load (next_quarter_templates).
    selection=LOAD_ALL,
    description="Ingest returns for the selected quarters, build the warehouse and publish it.",
    executor_def=dg.in_process_executor,
)

lgbf_refresh = dg.define_asset_job(
    "lgbf_refresh",
    selection=dg.AssetSelection.groups(LGBF_INGEST).downstream()
    - dg.AssetSelection.assets("return_templates", "next_quarter_templates"),
    description="Ingest new LGBF publications from the landing folder and rebuild what depends on them.",
    executor_def=dg.in_process_executor,
)

write_return_templates = dg.define_asset_job(
    "write_return_templates",
    selection=dg.AssetSelection.assets("return_templates"),
    description="Write the quarter's pre-filled return templates (output/templates/).",
    executor_def=dg.in_process_executor,
)

JOBS = [load_all, lgbf_refresh, write_return_templates]
