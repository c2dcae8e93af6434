"""Every setting read from the environment, in one place, each validated when it is read.

Defaults keep everything inside the repository so that a fresh clone works with no
configuration: inputs under ``raw/``, published outputs under ``output/``. The README's
"Configuration" table lists every variable read here (``tests/unit`` checks that it does).
No other module reads ``os.environ``; run options that change what one run writes (which
reports, which councils' LGBF packs) are not settings but Dagster run config
(:mod:`orchestration.planning.options`).

Each setting is a function, read when it is needed rather than at import, so that a test or a
deployment that changes a variable sees its new value.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"


class SettingError(ValueError):
    """A setting with a value it cannot take: the message names it and what it accepts."""


def _get(name: str) -> str:
    return os.environ.get(name, "").strip()


def _path(name: str, default: Path) -> Path:
    value = _get(name)
    return Path(value).expanduser().resolve() if value else default


def _int(name: str, default: int, low: int, high: int | None = None) -> int:
    raw = _get(name)
    if not raw:
        return default
    accepted = f"a whole number from {low}" + (f" to {high}" if high is not None else " up")
    try:
        value = int(raw)
    except ValueError:
        raise SettingError(f"{name}={raw!r}: expected {accepted}") from None
    if value < low or (high is not None and value > high):
        raise SettingError(f"{name}={value}: expected {accepted}")
    return value


# --- where things live ---------------------------------------------------------------------


def raw_dir() -> Path:
    """Input files: return workbooks under ``returns/``, LGBF publications under ``lgbf/``."""
    return _path("RAW_DIR", REPO_ROOT / "raw")


def returns_dir() -> Path:
    return _path("RETURNS_DIR", raw_dir() / "returns")


def frameworks_dir() -> Path:
    """Framework workbooks, one per council (``midlothian.xlsx``): indicators, settings, targets."""
    return _path("FRAMEWORKS_DIR", raw_dir() / "frameworks")


def dbt_target_dir() -> Path:
    """dbt's target folder (the parsed manifest, each invocation's artefacts, the docs site):
    ``dbt_project/target``. One per process that parses: two that share it overwrite each
    other's manifest (the test suite gives each of its workers its own). dbt and dagster-dbt
    read the same variable (dagster-dbt puts each invocation's folder under it)."""
    return _path("DBT_TARGET_PATH", DBT_PROJECT_DIR / "target")


def quarantine_dir() -> Path:
    """Where rejected return files are moved, each with a report of what was wrong: by
    default a ``quarantine/`` folder beside the returns folder (``raw/quarantine``)."""
    return _path("QUARANTINE_DIR", returns_dir().parent / "quarantine")


def lgbf_landing_dir() -> Path:
    """``$LGBF_LANDING_DIR``, else ``lgbf/`` in the raw folder."""
    value = _get("LGBF_LANDING_DIR")
    return Path(value).expanduser() if value else raw_dir() / "lgbf"


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


def dagster_home() -> Path:
    """Dagster's instance storage (runs, event logs, schedules' and sensors' state)."""
    return _path("DAGSTER_HOME", REPO_ROOT / ".dagster_home")


# --- resources and housekeeping ------------------------------------------------------------

_MEMORY = re.compile(r"^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$", re.I)


# Why 2GB: dbt builds two models at once in one DuckDB process, under one limit. At 1GB the
# synthetic national set of 13,440 returns (10.5 years) failed its full build
# (fct_indicator_value_history: "could not allocate block", 953.6 MiB used) while the model
# alone builds in 800MB; 12,800 returns had just fitted.
DEFAULT_DUCKDB_MEMORY_LIMIT = "2GB"


def duckdb_memory_limit() -> str:
    """Memory DuckDB may use in each pipeline process (dbt reads the same variable, which
    :func:`export_dbt_env` sets)."""
    value = _get("DUCKDB_MEMORY_LIMIT") or DEFAULT_DUCKDB_MEMORY_LIMIT
    if not _MEMORY.match(value):
        raise SettingError(f"DUCKDB_MEMORY_LIMIT={value!r}: expected a size such as 512MB or 2GB")
    return value


def dagster_runs_kept() -> int:
    """Finished runs the local instance keeps (``orchestration/ops/run_history.py``)."""
    return _int("DAGSTER_RUNS_KEPT", 50, 1)


# --- the programs outputs need --------------------------------------------------------------


def soffice() -> str | None:
    """LibreOffice's ``soffice``, which writes the PDF papers: ``$SOFFICE`` (its path, or
    ``none``: this machine publishes no PDF papers), else ``soffice`` on PATH; None: none.

    Why a setting: LibreOffice's own packages install it outside PATH (``/opt/libreoffice*``),
    and a machine may have it for other work and not want papers: the test suite's runs
    spent 215 s converting papers no test read (41 conversions, 2 workers, measured here)."""
    value = _get("SOFFICE")
    if value.lower() == "none":
        return None
    if not value:
        return shutil.which("soffice")
    found = shutil.which(value)
    if found is None:
        raise SettingError(
            f"SOFFICE={value!r}: no such program; expected the path of LibreOffice's soffice, "
            "or none"
        )
    return found


# --- automation ----------------------------------------------------------------------------


def lgbf_url() -> str | None:
    """``$LGBF_URL`` (http, https or file URL of the LGBF publication), or None: not polled."""
    value = _get("LGBF_URL")
    if value and not value.startswith(("http://", "https://", "file:")):
        raise SettingError(f"LGBF_URL={value!r}: expected an http://, https:// or file: URL")
    return value or None


def returns_sensor_interval_seconds() -> int:
    return _int("RETURNS_SENSOR_INTERVAL_SECONDS", 60, 1)


def quarterly_load_day() -> int:
    """Day of the month after each quarter on which the schedule loads it. Days 29-31 do not
    exist in every month (April has 30): refused rather than have cron skip a quarter."""
    return _int("QUARTERLY_LOAD_DAY", 15, 1, 28)


def quarterly_load_hour() -> int:
    return _int("QUARTERLY_LOAD_HOUR", 6, 0, 23)


def pause_at() -> tuple[str, float] | None:
    """``PIPELINE_PAUSE_AT=<point>:<seconds>``: the crash-safety tests' fault-injection point
    (``orchestration/faults.py``); unset everywhere else."""
    value = _get("PIPELINE_PAUSE_AT")
    if not value:
        return None
    point, _, seconds = value.partition(":")
    try:
        return point, float(seconds or 30)
    except ValueError:
        raise SettingError(
            f"PIPELINE_PAUSE_AT={value!r}: expected <point>:<seconds>, e.g. publish:30"
        ) from None


def fail_at() -> tuple[str, int] | None:
    """``PIPELINE_FAIL_AT=<point>:<errno name>`` (``publish:ENOSPC``): the publish-fault tests'
    file-system error, raised where the pipeline writes its outputs (``orchestration/faults.py``);
    unset everywhere else."""
    value = _get("PIPELINE_FAIL_AT")
    if not value:
        return None
    point, _, name = value.partition(":")
    codes = {label: code for code, label in errno.errorcode.items()}
    if not point or name.strip().upper() not in codes:
        raise SettingError(
            f"PIPELINE_FAIL_AT={value!r}: expected <point>:<errno name>, e.g. publish:ENOSPC"
        )
    return point, codes[name.strip().upper()]


# Every variable this module reads, for the README's table and its test.
VARIABLES = (
    "DBT_TARGET_PATH",
    "RAW_DIR",
    "RETURNS_DIR",
    "FRAMEWORKS_DIR",
    "QUARANTINE_DIR",
    "LGBF_LANDING_DIR",
    "OUTPUT_DIR",
    "WAREHOUSE_PATH",
    "DUCKDB_PATH",
    "DAGSTER_HOME",
    "DUCKDB_MEMORY_LIMIT",
    "DAGSTER_RUNS_KEPT",
    "SOFFICE",
    "LGBF_URL",
    "RETURNS_SENSOR_INTERVAL_SECONDS",
    "QUARTERLY_LOAD_DAY",
    "QUARTERLY_LOAD_HOUR",
    "PIPELINE_PAUSE_AT",
    "PIPELINE_FAIL_AT",
)


def validate() -> None:
    """Read every setting once, so that a bad one stops a run at its start with one line."""
    for read in (
        raw_dir,
        returns_dir,
        frameworks_dir,
        quarantine_dir,
        lgbf_landing_dir,
        output_dir,
        published_warehouse_path,
        work_warehouse_path,
        dagster_home,
        dbt_target_dir,
        duckdb_memory_limit,
        dagster_runs_kept,
        soffice,
        lgbf_url,
        returns_sensor_interval_seconds,
        quarterly_load_day,
        quarterly_load_hour,
        pause_at,
        fail_at,
    ):
        read()


def code_location_name() -> str:
    """The code location's name, as workspace.yaml (what ``dagster dev`` serves) declares it."""
    text = (REPO_ROOT / "workspace.yaml").read_text(encoding="utf-8")
    m = re.search(r"^\s*location_name:\s*(\S+)\s*$", text, flags=re.M)
    if not m:
        raise SettingError("workspace.yaml: no location_name for the code location")
    return m.group(1)


# --- the environment the tools we start need -----------------------------------------------


def export_dbt_env() -> None:
    """Make dbt's profile point at the same working warehouse as the Python assets."""
    path = work_warehouse_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    os.environ["DUCKDB_PATH"] = str(path)
    os.environ["DUCKDB_MEMORY_LIMIT"] = duckdb_memory_limit()


def export_dagster_home() -> Path:
    """``DAGSTER_HOME`` for Dagster's own lookup (``DagsterInstance.get()``), defaulted."""
    home = dagster_home()
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def dbt_executable() -> str:
    """The dbt command Dagster runs: ``council-dbt`` (``orchestration/transform/launcher.py``:
    dbt, minus a version lookup on pypi.org before every build) next to this interpreter, so an
    un-activated venv still finds it; plain ``dbt`` where the project is not installed."""
    for name in ("council-dbt", "dbt"):
        beside = Path(sys.executable).parent / name
        if beside.exists():
            return str(beside)
    return shutil.which("dbt") or "dbt"


def put_venv_on_path() -> None:
    """dagster-dbt's manifest preparer looks ``dbt`` up on PATH; make it this venv's."""
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")


@contextmanager
def set_environment(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for a while, and restore them after: for a process we start
    that copies ours (dagster-dbt's dbt: ``RETURNS_WINDOW``), or a test's run."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
