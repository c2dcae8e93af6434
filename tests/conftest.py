"""Shared fixtures: an isolated output folder, the dbt manifest, the code location, and one
real pipeline run.

The tests are sorted by what they need: ``unit/`` a function and its inputs (no warehouse,
no dbt, no Dagster run), ``integration/`` one stage or component on real files (dbt, an
HTTP server, a materialised asset or two), ``pipeline/`` the session's run of the main job
on ``raw/`` (``pipeline_run``) or runs of their own on the session's warehouse. Helpers
shared by several modules are in ``support/``; no test module imports another.

The environment is pointed at a temporary output folder *before* the Dagster definitions
are imported (resources read their paths at import), so tests never touch ``output/``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.support.paths import REPO

# The local HTTP server fixture (`server`) used by the LGBF download tests.
pytest_plugins = ["tests.support.http_fixtures"]

_SESSION_DIR = Path(tempfile.mkdtemp(prefix="council-perf-tests-"))
os.environ["OUTPUT_DIR"] = str(_SESSION_DIR / "output")
os.environ["DAGSTER_HOME"] = str(_SESSION_DIR / "dagster_home")
# dbt's target folder of this process: `make test` runs two workers (pytest-xdist), and each
# parses and builds with its own warehouse path, so a shared manifest would be re-parsed and
# overwritten under the other's feet.
os.environ["DBT_TARGET_PATH"] = str(_SESSION_DIR / "dbt_target")
os.environ.pop("DUCKDB_PATH", None)
os.environ.pop("WAREHOUSE_PATH", None)
os.environ.pop("RETURNS_DIR", None)
# The suite's runs publish no PDF papers (they spent 215 s of the suite in LibreOffice, for
# papers no test read), except the session's build, which the print-quality tests read.
os.environ["SOFFICE"] = "none"
(_SESSION_DIR / "dagster_home").mkdir(parents=True, exist_ok=True)
# The local default instance config, as `make` gives DAGSTER_HOME: the warehouse pool is
# limited to one step at a time, so the suite's runs go through the same slot claims.
shutil.copyfile(
    REPO / "deploy" / "local" / "dagster.yaml", _SESSION_DIR / "dagster_home" / "dagster.yaml"
)

from orchestration import config  # noqa: E402  (after the environment is set)

config.export_dbt_env()
config.put_venv_on_path()


@pytest.fixture(scope="session")
def manifest() -> Path:
    from orchestration.ops.cli import prepare_manifest
    from orchestration.transform.project import dbt_project

    prepare_manifest()
    return dbt_project.manifest_path


@pytest.fixture(scope="session")
def defs(manifest):
    """The code location, as ``dagster dev`` loads it."""
    # Imported once the manifest exists: `@dbt_assets` reads it at import.
    from orchestration.definitions import defs

    return defs


@pytest.fixture(scope="session")
def instance():
    import dagster as dg

    with dg.DagsterInstance.get() as inst:
        yield inst


@pytest.fixture(scope="session")
def pipeline_run(manifest, instance):
    """Run the whole pipeline once on raw/ through Dagster (the `make run` code path), with
    its PDF papers when LibreOffice is on PATH (as on a machine without ``SOFFICE``)."""
    from orchestration.ops.cli import run

    with config.set_environment({"SOFFICE": ""}):
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
