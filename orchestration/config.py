"""Where things live. Every path can be overridden by an environment variable.

Defaults keep everything inside the repository so that a fresh clone works with no
configuration: inputs under ``raw/``, published outputs under ``output/``.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"


def _path(env: str, default: Path) -> Path:
    value = os.environ.get(env)
    return Path(value).expanduser().resolve() if value else default


def raw_dir() -> Path:
    """Input files: return workbooks under ``returns/``, LGBF publications under ``lgbf/``."""
    return _path("RAW_DIR", REPO_ROOT / "raw")


def returns_dir() -> Path:
    return _path("RETURNS_DIR", raw_dir() / "returns")


def frameworks_dir() -> Path:
    """Framework workbooks, one per council (``midlothian.xlsx``): indicators, settings, targets."""
    return _path("FRAMEWORKS_DIR", raw_dir() / "frameworks")


def quarantine_dir() -> Path:
    """Where rejected return files are moved, each with a report of what was wrong: by
    default a ``quarantine/`` folder beside the returns folder (``raw/quarantine``)."""
    return _path("QUARANTINE_DIR", returns_dir().parent / "quarantine")


def output_dir() -> Path:
    """Published outputs: the analysts' warehouse, Excel returns, exports."""
    return _path("OUTPUT_DIR", REPO_ROOT / "output")


def published_warehouse_path() -> Path:
    """The file analysts open. Only ever replaced atomically, never written in place."""
    return _path("WAREHOUSE_PATH", output_dir() / "warehouse.duckdb")


def work_warehouse_path() -> Path:
    """The file the pipeline (Python ingest and dbt) writes; published when a build succeeds.

    dbt reads the same location from ``DUCKDB_PATH`` (see ``dbt_project/profiles.yml``), so
    :func:`export_dbt_env` must run before dbt is invoked.
    """
    return _path("DUCKDB_PATH", output_dir() / ".work" / "warehouse.duckdb")


def duckdb_memory_limit() -> str:
    """Memory DuckDB may use in each pipeline process (dbt reads the same variable)."""
    return os.environ.get("DUCKDB_MEMORY_LIMIT", "1GB")


def export_dbt_env() -> None:
    """Make dbt's profile point at the same working warehouse as the Python assets."""
    path = work_warehouse_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    os.environ["DUCKDB_PATH"] = str(path)


def dbt_executable() -> str:
    """The dbt command Dagster runs: ``council-dbt`` (``orchestration/transform/launcher.py``: dbt,
    minus a version lookup on pypi.org before every build) next to this interpreter, so an
    un-activated venv still finds it; plain ``dbt`` where the project is not installed."""
    import shutil
    import sys

    for name in ("council-dbt", "dbt"):
        beside = Path(sys.executable).parent / name
        if beside.exists():
            return str(beside)
    return shutil.which("dbt") or "dbt"


def put_venv_on_path() -> None:
    """dagster-dbt's manifest preparer looks ``dbt`` up on PATH; make it this venv's."""
    import sys

    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
