"""The local default Dagster instance: ``DAGSTER_HOME`` with ``deploy/local/dagster.yaml``.

Dagster reads its instance configuration from ``$DAGSTER_HOME/dagster.yaml``. The local
default keeps Dagster's SQLite storage and adds the one setting this project cannot do
without: the ``warehouse`` concurrency pool limited to one step at a time, so that two runs
never write the DuckDB warehouse at once. ``make`` and ``python -m orchestration.cli`` call
:func:`ensure_dagster_home` before anything starts Dagster; an existing ``dagster.yaml`` (for
instance the PostgreSQL one from ``deploy/dagster.yaml``) is never overwritten.

    python -m orchestration.local_instance   # prepare $DAGSTER_HOME (default .dagster_home/)
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from orchestration.settings import REPO_ROOT

LOCAL_CONFIG = REPO_ROOT / "deploy" / "local" / "dagster.yaml"
PRODUCTION_CONFIG = REPO_ROOT / "deploy" / "dagster.yaml"


def dagster_home() -> Path:
    return Path(os.environ.get("DAGSTER_HOME") or REPO_ROOT / ".dagster_home")


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


if __name__ == "__main__":
    print(ensure_dagster_home())
