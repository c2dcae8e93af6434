"""The local default Dagster instance: ``DAGSTER_HOME`` with ``deploy/local/dagster.yaml``.

Dagster reads its instance configuration from ``$DAGSTER_HOME/dagster.yaml``. The local
default keeps Dagster's SQLite storage and adds the one setting this project cannot do
without: the ``warehouse`` concurrency pool limited to one step at a time, so that two runs
never write the DuckDB warehouse at once. ``make`` and ``python -m orchestration.ops.cli`` call
:func:`ensure_dagster_home` before anything starts Dagster; an existing ``dagster.yaml`` (for
instance the PostgreSQL one from ``deploy/dagster.yaml``) is never overwritten.

A pool slot is given back when its step ends, but a run whose process is killed outright
(``kill -9``, the OOM killer, a power cut) never gets to give it back, and with a limit of
one every later run would wait for it forever. :func:`release_stale_warehouse_slots` finds
runs that hold slots although their process no longer exists on this machine, marks them
failed and frees their slots; ``make`` and ``python -m orchestration.ops.cli run`` call it first.
(In production the daemon's run monitoring does this: see ``deploy/dagster.yaml``.)

A run whose command failed after creating it and before starting it (``dagster job execute``
with a partition range that does not exist) stays "Not started" in the UI for ever:
:func:`fail_runs_never_started` marks such runs failed, saying why, once they are older than
any start takes.

    python -m orchestration.ops.local_instance   # prepare $DAGSTER_HOME, release stale slots,
                                             # prune old runs (orchestration/ops/run_history.py)
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import dagster as dg

from orchestration import config
from orchestration.config import REPO_ROOT
from orchestration.ops.run_history import prune_runs

LOCAL_CONFIG = REPO_ROOT / "deploy" / "local" / "dagster.yaml"
PRODUCTION_CONFIG = REPO_ROOT / "deploy" / "dagster.yaml"


def dagster_home() -> Path:
    return config.dagster_home()


def ensure_dagster_home(home: Path | None = None) -> Path:
    """Create ``home`` (default ``$DAGSTER_HOME``) and give it the local config if it has none."""
    home = Path(home) if home is not None else dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        # Copy to a temporary name and rename, so a concurrent reader never sees half a file.
        tmp = home / f".dagster.yaml.tmp-{os.getpid()}"
        shutil.copyfile(LOCAL_CONFIG, tmp)
        os.replace(tmp, config)
    return home


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only checks that the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


def _worker_pid(instance, run_id: str) -> int | None:
    """The process that ran the run: the one that logged its start (and claimed its slots)."""
    records = instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.RUN_START, limit=1
    ).records
    event = records[0].event_log_entry.dagster_event if records else None
    return event.pid if event is not None else None


def release_stale_warehouse_slots(instance) -> list[str]:
    """Free the pool slots of runs that finished or whose process is gone; the freed run ids.

    A run that is still alive, or whose process cannot be identified, is left alone: a wrong
    guess here would let two runs write the warehouse at once.
    """
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return []
    freed = []
    for run_id in sorted(storage.get_concurrency_run_ids()):
        run = instance.get_run_by_id(run_id)
        if run is not None and not run.is_finished:
            pid = _worker_pid(instance, run_id)
            if pid is None or _alive(pid):
                continue
            instance.report_run_failed(
                run,
                f"The run's process (pid {pid}) no longer exists (killed or crashed): marked "
                "failed and its concurrency slots released so that later runs can go ahead.",
            )
        storage.free_concurrency_slots_for_run(run_id)
        freed.append(run_id)
    return freed


NEVER_STARTED_AFTER_SECONDS = 600  # a local run starts within seconds of being created


def fail_runs_never_started(instance, now: float | None = None) -> list[str]:
    """Mark failed the runs still "Not started" long after they were created; their ids.

    Only NOT_STARTED: a queued run (the daemon's queue) is QUEUED, and a run being launched is
    STARTING.
    """
    now = time.time() if now is None else now
    records = instance.get_run_records(
        filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.NOT_STARTED])
    )
    failed = []
    for record in records:
        if now - record.create_timestamp.timestamp() < NEVER_STARTED_AFTER_SECONDS:
            continue
        instance.report_run_failed(
            record.dagster_run,
            "This run was created but never started (the command that created it failed "
            "first, e.g. a partition range that does not exist): marked failed so that it no "
            "longer shows as Not started.",
        )
        failed.append(record.dagster_run.run_id)
    return failed


def main() -> int:
    home = ensure_dagster_home()
    with dg.DagsterInstance.from_config(str(home)) as instance:
        for run_id in release_stale_warehouse_slots(instance):
            print(f"Released the concurrency slots of run {run_id} (its process is gone)")
        for run_id in fail_runs_never_started(instance):
            print(f"Marked run {run_id} failed: it was created but never started")
        prune_runs(instance)  # the newest runs only (orchestration/ops/run_history.py)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
