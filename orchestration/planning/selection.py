"""What a run builds: only the assets downstream of what changed since the last publish.

The one place that turns :class:`orchestration.planning.changes.Changes` into Dagster's own terms:

* an **asset selection** for the run (``execute_in_process(asset_selection=...)`` from the
  CLI, ``RunRequest(asset_selection=...)`` from the schedule and the landing sensor).
  dagster-dbt turns the dbt assets in it into dbt's ``--select`` (with their tests), so

  - new or resubmitted returns build the returns ingest and what is downstream of it
    (``stg_returns__*``, the return facts, ``dim_period``, the reports, the Parquet exports,
    the published warehouse), not the LGBF models, the framework models or the seeds;
  - a new LGBF file builds the LGBF ingest and what is downstream of it, not the returns;
  - a changed framework workbook builds the framework ingest and what is downstream of it
    (nearly everything: statuses and targets come from the framework);
  - changed code or dbt project (seeds included), or missing outputs, build everything;

* the **reports' scope** (``changed_returns`` and ``changed_frameworks`` in the reports asset's
  ``ReportsConfig``): after a change of returns or frameworks only, only the reports of

  - the councils and services whose returns changed, from the earliest changed quarter on
    (later periods' trends compare with it);
  - every service and period of a council whose framework changed (its targets and settings
    are effective-dated: any period's statuses may change).

  An LGBF change reaches every council's report (each prints the benchmarks), and so does
  changed code: those write every report.

Which financial years the incremental return facts recompute is decided, from what was
loaded, by ``orchestration/planning/incremental.py``; this module decides which assets run at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import dagster as dg

from orchestration.periods import FinancialQuarter, all_quarters
from orchestration.planning import changes
from orchestration.planning.changes import Changes
from orchestration.planning.incremental import FULL_REFRESH_TAG
from orchestration.planning.options import REPORTS_ASSET, RunOptions, merge_run_config
from orchestration.returns.landing import files_for

# The load_all job: everything but the templates of any quarter on demand (each
# council-service's next quarter's templates are written on every load).
LOAD_ALL = dg.AssetSelection.all() - dg.AssetSelection.assets("return_templates")

# The ingest asset (by its group) whose inputs each kind of change touches.
RETURNS_INGEST = "returns_ingest"
LGBF_INGEST = "lgbf_ingest"
FRAMEWORKS_INGEST = "frameworks"
# On every run started from a plan: why it builds what it builds (visible in the UI).
PLAN_TAG = "warehouse/changed"


@dataclass(frozen=True)
class RunPlan:
    """What a run builds, and why."""

    selection: dg.AssetSelection | None  # None: nothing to build
    reason: str
    # The reports' scope (see above); both empty: not narrowed.
    changed_returns: list[str] = field(default_factory=list)
    changed_frameworks: list[str] = field(default_factory=list)
    # What the run writes (orchestration/planning/options.py).
    options: RunOptions = RunOptions()

    @property
    def nothing(self) -> bool:
        return self.selection is None

    def asset_keys(self, assets: Iterable[dg.AssetsDefinition]) -> list[dg.AssetKey]:
        """The selection among ``assets`` (the code location's) as asset keys (what run
        requests and ``execute_in_process`` take)."""
        if self.selection is None:
            return []
        return sorted(self.selection.resolve(list(assets)))

    def tags(self) -> dict[str, str]:
        return {PLAN_TAG: self.reason[:250]}

    def run_config(self, base: dict | None = None) -> dict:
        """``base`` (a caller's run config, e.g. the reports' as-of date) with the run options
        (when not the defaults) and the reports' scope added (when they run)."""
        asked = self.options.run_config() if self.options != RunOptions() else {}
        config = merge_run_config(base, asked)
        if self.changed_returns or self.changed_frameworks:
            ops = dict(config.get("ops", {}))
            reports = dict(ops.get(REPORTS_ASSET, {}).get("config", {}))
            if self.changed_returns:
                reports["changed_returns"] = self.changed_returns
            if self.changed_frameworks:
                reports["changed_frameworks"] = self.changed_frameworks
            ops[REPORTS_ASSET] = {"config": reports}
            config["ops"] = ops
        return config


def everything(reason: str, options: RunOptions | None = None) -> RunPlan:
    return RunPlan(LOAD_ALL, reason, options=options or RunOptions())


def plan(changes: Changes, options: RunOptions | None = None) -> RunPlan:
    """The assets to build for ``changes`` (what differs from the last successful publish),
    writing the outputs ``options`` asks for (default: the defaults)."""
    options = options or RunOptions()
    if changes.nothing:
        return RunPlan(None, "nothing changed since the last successful publish", options=options)
    if changes.outputs or changes.code:
        return everything(changes.describe(), options)
    groups = []
    if changes.returns:
        groups.append(RETURNS_INGEST)
    if changes.lgbf:
        groups.append(LGBF_INGEST)
    if changes.frameworks:
        groups.append(FRAMEWORKS_INGEST)
    selection = dg.AssetSelection.groups(*groups).downstream() & LOAD_ALL
    # Reports narrowed to the changed returns' and frameworks' councils only when nothing
    # that every report shows (the LGBF values) changed.
    if LGBF_INGEST in groups:
        return RunPlan(selection, changes.describe(), options=options)
    return RunPlan(selection, changes.describe(), changes.returns, changes.frameworks, options)


def since_last_publish(
    instance: dg.DagsterInstance, return_files: list, options: RunOptions | None = None
) -> RunPlan:
    """The plan for ``return_files`` (a run's quarters) and every other input, compared with
    the last successful publish recorded in ``instance`` (``orchestration/planning/changes.py``),
    for a run writing what ``options`` asks for."""
    return plan(changes.since_last_publish(instance, return_files, options), options)


def run_quarters(tags: Mapping[str, str]) -> tuple[FinancialQuarter, FinancialQuarter] | None:
    """The first and last quarter of a run (its partition or partition-range tags), or None
    for a run without quarters."""
    start = tags.get("dagster/asset_partition_range_start") or tags.get("dagster/partition")
    end = tags.get("dagster/asset_partition_range_end") or tags.get("dagster/partition")
    if not (start and end):
        return None
    return FinancialQuarter.from_key(start), FinancialQuarter.from_key(end)


def run_files(tags: Mapping[str, str]) -> list:
    """The return workbooks of a run's quarters (its partition tags; none: every quarter)."""
    quarters = all_quarters()
    span = run_quarters(tags)
    if span:
        quarters = [q for q in quarters if span[0] <= q <= span[1]]
    return files_for(quarters)


def unplanned_run_has_nothing_to_build(context: dg.AssetExecutionContext) -> bool:
    """Whether a run nobody planned with :func:`plan` has nothing to build.

    ``dagster job execute -j load_all`` and the UI's "Materialize all" select every asset:
    the dbt step asks this after the ingest steps, and with every input as last published it
    materializes nothing, so Dagster skips the reports and publishing after it. Runs the CLI,
    the schedule and the landing sensor start carry their plan (:data:`PLAN_TAG`) and a full
    refresh always builds, so for them this is never asked.
    """
    tags = context.run.tags
    if PLAN_TAG in tags or tags.get(FULL_REFRESH_TAG, "").lower() == "true":
        return False
    if set(context.selected_asset_keys) != set(context.assets_def.keys):
        return False  # a subset someone chose: build it
    options = RunOptions.from_run_config(context.run.run_config)
    return since_last_publish(context.instance, run_files(tags), options).nothing
