"""Shared fixtures: an isolated output folder, the dbt manifest, and one real pipeline run.

The environment is pointed at a temporary output folder *before* the Dagster definitions
are imported (resources read their paths at import), so tests never touch ``output/``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

# The local HTTP server fixture (`server`) used by the LGBF download tests.
pytest_plugins = ["tests.http_fixtures"]

REPO = Path(__file__).resolve().parent.parent


def _shared_dir() -> Path:
    """The read-only shared material (seed reports, LGBF data) beside the checkout."""
    if os.environ.get("SHARED_DIR"):
        return Path(os.environ["SHARED_DIR"])
    for candidate in (REPO.parent / "shared", REPO.parent.parent / "shared", Path("/work/shared")):
        if candidate.exists():
            return candidate
    return REPO.parent / "shared"


SHARED = _shared_dir()
SEEDS = SHARED / "seeds"
LGBF_DIR = SHARED / "data" / "lgbf"

_SESSION_DIR = Path(tempfile.mkdtemp(prefix="council-perf-tests-"))
os.environ["OUTPUT_DIR"] = str(_SESSION_DIR / "output")
os.environ["DAGSTER_HOME"] = str(_SESSION_DIR / "dagster_home")
os.environ.pop("DUCKDB_PATH", None)
os.environ.pop("WAREHOUSE_PATH", None)
os.environ.pop("RETURNS_DIR", None)
(_SESSION_DIR / "dagster_home").mkdir(parents=True, exist_ok=True)
# The local default instance config, as `make` gives DAGSTER_HOME: the warehouse pool is
# limited to one step at a time, so the suite's runs go through the same slot claims.
shutil.copyfile(
    REPO / "deploy" / "local" / "dagster.yaml", _SESSION_DIR / "dagster_home" / "dagster.yaml"
)

from orchestration import config  # noqa: E402  (after the environment is set)

config.export_dbt_env()
config.put_venv_on_path()


def seed_line(seed_file: str, line: int) -> str:
    """One line of a seed report (1-based), for asserting that an expected value is printed there."""
    return (SEEDS / seed_file).read_text(encoding="utf-8").splitlines()[line - 1]


@pytest.fixture(scope="session")
def manifest() -> Path:
    from orchestration.ops.cli import prepare_manifest
    from orchestration.transform.project import dbt_project

    prepare_manifest()
    return dbt_project.manifest_path


@pytest.fixture(scope="session")
def instance():
    import dagster as dg

    with dg.DagsterInstance.get() as inst:
        yield inst


@pytest.fixture(scope="session")
def pipeline_run(manifest, instance):
    """Run the whole pipeline once on raw/ through Dagster (the `make run` code path)."""
    from orchestration.ops.cli import run

    result = run(instance=instance)
    assert result is not None and result.success, "the pipeline run on raw/ failed"
    return result


@pytest.fixture(scope="session")
def built_warehouse(pipeline_run) -> Path:
    """The published warehouse after the session's pipeline run."""
    return config.published_warehouse_path()


@pytest.fixture
def warehouse(built_warehouse):
    import duckdb

    con = duckdb.connect(str(built_warehouse), read_only=True)
    yield con
    con.close()


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_SESSION_DIR, ignore_errors=True)
