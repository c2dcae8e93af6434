"""Collecting the suite loads no code location: a test module that imported
``orchestration.definitions`` (or a module that builds the dbt assets) at its top would read
``dbt_project/target/manifest.json`` before the ``manifest`` fixture prepares it: on a fresh
clone there is none, and in a used checkout a stale one (the rename of a model broke a whole
run that way). The code location is the ``defs`` fixture."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.support.paths import REPO

SCRIPT = """
import importlib, pathlib, sys
for path in sorted(pathlib.Path("tests").rglob("test_*.py")):
    importlib.import_module(".".join(path.with_suffix("").parts))
print(sorted(m for m in ("orchestration.definitions", "orchestration.defs.transform.dbt_models")
             if m in sys.modules))
"""


def test_importing_every_test_module_loads_no_dbt_manifest(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO), "OUTPUT_DIR": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"
