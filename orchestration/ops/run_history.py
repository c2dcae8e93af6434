"""Bounded Dagster run history: the local instance keeps the newest runs, not every run.

Each run adds to ``DAGSTER_HOME`` (``.dagster_home/`` in the repository): its row in the
run storage, its event log (with SQLite storage a ``history/runs/<run id>.db`` file of its
own) and its captured step output (``storage/<run id>/``). :func:`prune_runs` deletes
finished runs beyond the newest ``DAGSTER_RUNS_KEPT`` (default 50) with Dagster's own
``instance.delete_run``, then their event-log file and captured output, so nothing there
grows without bound.

A run that holds the latest materialization of any asset is kept whatever its age: that
event is what the UI shows as the asset's last materialization, and the latest
``published_warehouse`` materialization records the code fingerprint "nothing changed"
compares with (``orchestration/planning/changes.py``). Runs still in progress are never touched.

``python -m orchestration.ops.cli run`` prunes after each run, ``make`` targets before each
(``python -m orchestration.ops.local_instance``).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import dagster as dg

from orchestration import config

FINISHED = [dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED]


def _holding_latest_materializations(instance: dg.DagsterInstance) -> set[str]:
    latest = instance.get_latest_materialization_events(instance.get_asset_keys())
    return {event.run_id for event in latest.values() if event is not None}


def prune_runs(instance: dg.DagsterInstance, keep: int | None = None) -> list[str]:
    """Delete finished runs beyond the newest ``keep`` (see above); the deleted run ids."""
    keep = config.dagster_runs_kept() if keep is None else keep
    finished = dg.RunsFilter(statuses=FINISHED)
    records = instance.get_run_records(filters=finished)  # newest first
    old = [r.dagster_run.run_id for r in records[keep:]]
    if not old:
        return []
    protected = _holding_latest_materializations(instance)
    deleted = [run_id for run_id in old if run_id not in protected]
    storage = instance.event_log_storage
    for run_id in deleted:
        instance.delete_run(run_id)
        # SQLite event logs are a file per run, which deleting its events leaves behind.
        if hasattr(storage, "path_for_shard"):
            shard = Path(storage.path_for_shard(run_id))
            for path in (shard, Path(f"{shard}-wal"), Path(f"{shard}-shm")):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
        instance.compute_log_manager.delete_logs(prefix=[run_id])
    return deleted
