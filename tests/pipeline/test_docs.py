"""What analysts and data engineers read: every mart column described in dbt's docs, every
asset check described, and a check's failed-row count the number of rows that failed."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import dagster as dg
import pytest

from orchestration import config
from tests.support.http_fixtures import free_port
from tests.support.paths import REPO


def test_every_mart_column_is_described(manifest, warehouse):
    nodes = json.loads(manifest.read_text())["nodes"].values()
    described = {
        n["name"]: {c for c, v in n["columns"].items() if v["description"].strip()}
        for n in nodes
        if n["resource_type"] == "model" and n["schema"] == "marts"
    }
    columns = warehouse.execute(
        "select table_name, column_name from information_schema.columns"
        " where table_schema = 'marts'"
    ).fetchall()
    assert {t for t, _ in columns} == set(described)
    undescribed = sorted(f"{t}.{c}" for t, c in columns if c not in described[t])
    assert not undescribed, f"mart columns without a description: {undescribed}"


def test_every_asset_check_has_a_description(defs):
    specs = list(defs.resolve_asset_graph().asset_check_keys)
    assert len(specs) >= 10
    for assets_def in defs.resolve_asset_graph().assets_defs:
        for spec in assets_def.check_specs:
            assert spec.description, spec.key
    by_name = {
        spec.name: spec for a in defs.resolve_asset_graph().assets_defs for spec in a.check_specs
    }
    # The test's own description in the .yml, and the severity.
    warning = by_name["reported_status_agrees_with_computed_status"].description
    assert warning.startswith("Rows whose status, as the return reported it, differs")
    assert warning.endswith("Severity warn: failures are reported and the build goes on.")
    # A generic test without one: what it checks, in words.
    assert by_name["not_null_fct_indicator_value_period_key"].description == (
        "Every row has a period_key."
    )


def test_a_check_counts_the_rows_that_failed(pipeline_run, warehouse):
    (disagree,) = warehouse.execute(
        "select count(*) from marts.fct_indicator_value where not status_agrees"
    ).fetchone()
    assert disagree > 1  # the seed reports print statuses the rules do not reproduce
    evaluation = next(
        e
        for e in pipeline_run.get_asset_check_evaluations()
        if e.check_name == "reported_status_agrees_with_computed_status"
    )
    assert not evaluation.passed
    assert evaluation.severity == dg.AssetCheckSeverity.WARN
    assert evaluation.metadata["dagster_dbt/failed_row_count"].value == disagree


def test_make_docs_generates_and_serves_the_site_from_the_repository_root(built_warehouse):
    """`make docs` from the repository root, with no DUCKDB_PATH set (the profile has no
    path relative to the cwd, and serving needs the profile's variable as generating does):
    the site is written from the published warehouse and served until stopped."""
    env = {k: v for k, v in os.environ.items() if k != "DUCKDB_PATH"}
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "orchestration.transform.docs", "--port", str(port)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        served = None
        deadline = time.monotonic() + 300
        while served is None and time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/catalog.json", timeout=5
                ) as r:
                    served = json.loads(r.read())
            except OSError:
                time.sleep(0.5)
        assert served is not None, (
            proc.poll(),
            proc.stdout.read() if proc.poll() is not None else "",
        )
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    # SIGTERM stopped the server itself: nothing listens on the port any more.
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), 5):
        pass
    node = served["nodes"]["model.council_performance.fct_indicator_value"]
    assert "status_agrees" in node["columns"]
    assert node["metadata"]["type"] == "BASE TABLE"  # read from the published warehouse
    docs = config.dbt_target_dir() / "docs"
    assert (docs / "index.html").exists()
    assert not (docs / "warehouse.duckdb").exists()  # the copy is removed
