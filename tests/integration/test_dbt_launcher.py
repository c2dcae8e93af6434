"""``council-dbt`` (orchestration/transform/launcher.py): the dbt command Dagster runs.

It answers ``--version`` from the installed package, in a form dagster-dbt reads, and hands
every other command to dbt unchanged: every dbt build in this suite goes through it, which is
the test of that.
"""

from __future__ import annotations

import re
import subprocess
from importlib import metadata
from pathlib import Path

from orchestration import config


def test_dagster_runs_dbt_through_the_launcher(defs):
    dbt = defs.resources["dbt"]
    assert Path(dbt.dbt_executable).name == "council-dbt"
    assert dbt.dbt_executable == config.dbt_executable()


def test_version_is_the_installed_dbt_core_in_dbts_own_format():
    out = subprocess.run(
        [config.dbt_executable(), "--version"], capture_output=True, text=True, check=True
    ).stdout
    # dagster-dbt takes the first x.y.z it finds (DbtCliResource reads the major version).
    assert re.search(r"(\d+\.\d+\.\d+)", out).group(1) == metadata.version("dbt-core")
    # dbt's own answer has this line too (its update check is what the launcher leaves out).
    dbt = Path(config.dbt_executable()).with_name("dbt")
    real = subprocess.run([str(dbt), "--version"], capture_output=True, text=True).stdout
    assert out.splitlines()[1] in real.splitlines()
