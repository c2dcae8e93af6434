"""dbt's unit tests (the status, trend and incremental rules on fixed inputs) pass.

The pipeline's production builds leave them out (``--exclude-resource-type unit_test`` in
``orchestration/defs/transform/dbt_models.py``, as dbt advises): they test the SQL of the rules, not the data, so
they run here, against a copy of the warehouse the session's pipeline run built (a unit
test reads its model's inputs' columns from the database).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from orchestration import config


def test_every_dbt_unit_test_passes(built_warehouse, manifest, tmp_path):
    declared = {
        uid
        for uid in json.loads(Path(manifest).read_text())["unit_tests"]
        if uid.startswith("unit_test.council_performance.")
    }
    assert declared, "the dbt project declares no unit tests"
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(built_warehouse, warehouse)
    target = tmp_path / "target"
    target.mkdir()
    # dbt's partial-parse cache of the prepared manifest: no full re-parse here.
    shutil.copyfile(
        Path(manifest).with_name("partial_parse.msgpack"), target / "partial_parse.msgpack"
    )
    dbt = Path(sys.executable).with_name("dbt")
    proc = subprocess.run(
        [str(dbt), "test", "--select", "test_type:unit", "--target-path", str(target)],
        cwd=config.DBT_PROJECT_DIR,
        env={**os.environ, "DUCKDB_PATH": str(warehouse), "DBT_LOG_PATH": str(tmp_path)},
        capture_output=True,
        text=True,
    )
    results = json.loads((target / "run_results.json").read_text())["results"]
    # (the project's on-run-end hook reports as an operation beside them)
    statuses = {
        r["unique_id"]: r["status"] for r in results if r["unique_id"].startswith("unit_test.")
    }
    assert set(statuses) == declared, proc.stdout[-3000:]
    failed = {uid: s for uid, s in statuses.items() if s != "pass"}
    assert not failed, f"{failed}\n{proc.stdout[-5000:]}"
    assert proc.returncode == 0, proc.stdout[-3000:]
