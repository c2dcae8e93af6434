"""Keep what runs leave behind in the repository from growing without bound.

dagster-dbt gives every dbt invocation a target folder of its own,
``dbt_project/target/<op>-<run id[:7]>-<random[:7]>/`` (manifest, run results, compiled and
run SQL: a few MB for a full build), and never removes one. The newest few are
kept, to look into a failed build; older ones are deleted before each build.

Everything else a run writes is replaced rather than added to: the published warehouse and
its working copy, one report per council, service and period, one Parquet file per mart, the
dbt manifest and its partial-parse file. dbt writes no ``dbt.log`` (``log_level_file: none``
in ``dbt_project.yml``: the run's log in ``output/logs/`` holds dbt's output). Dagster's run
history (``DAGSTER_HOME``) is the instance's record of runs, kept by Dagster; a run that
finds nothing changed adds a few kilobytes to it.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from orchestration import config

KEEP_DBT_RUN_FOLDERS = 3

# dagster-dbt's per-invocation folder name: "<op name>-<run id[:7]>-<uuid4[:7]>".
_RUN_FOLDER = re.compile(r"^\w+-[0-9a-f]{7}-[0-9a-f]{7}$")


def dbt_target_dir() -> Path:
    return config.dbt_target_dir()


def dbt_run_folders(target_dir: Path | None = None) -> list[Path]:
    """dagster-dbt's per-invocation folders under ``target/``, oldest first."""
    target_dir = target_dir or dbt_target_dir()
    if not target_dir.is_dir():
        return []
    folders = [p for p in target_dir.iterdir() if p.is_dir() and _RUN_FOLDER.match(p.name)]
    return sorted(folders, key=lambda p: (p.stat().st_mtime_ns, p.name))


def prune_dbt_run_folders(
    keep: int = KEEP_DBT_RUN_FOLDERS, target_dir: Path | None = None
) -> list[Path]:
    """Delete all but the ``keep`` newest per-invocation folders; return what was deleted."""
    folders = dbt_run_folders(target_dir)
    stale = folders[: max(len(folders) - keep, 0)]
    for folder in stale:
        shutil.rmtree(folder, ignore_errors=True)
    return stale
