"""The code location loads, and the Dagster webserver serves every asset, the schedule and the sensors."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg

from tests.support.http_fixtures import free_port, graphql
from tests.support.paths import REPO


def test_definitions_load(defs):
    keys = {k.to_user_string() for k in defs.resolve_all_asset_keys()}
    assert {"raw/return_indicator_values", "raw/return_actions", "raw/return_risks"} <= keys
    assert "staging/stg_returns__indicator_values" in keys and "published_warehouse" in keys
    graph = defs.resolve_asset_graph()
    # Python ingest and dbt form one lineage graph.
    # (every version of a return's rows: the rows loaded now and those a resubmission replaced)
    parents = graph.get(
        dg.AssetKey(["staging", "stg_returns__indicator_value_versions"])
    ).parent_keys
    assert dg.AssetKey(["raw", "return_indicator_values"]) in parents
    assert dg.AssetKey(["raw", "return_indicator_values_replaced"]) in parents
    assert defs.resolve_job_def("load_all") is not None
    # dbt tests are asset checks.
    assert len(list(graph.asset_check_keys)) >= 10


def test_webserver_serves_every_asset(defs, tmp_path):
    port = free_port()
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path)}
    webserver = Path(sys.executable).parent / "dagster-webserver"
    proc = subprocess.Popen(
        [str(webserver), "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        data = None
        while time.monotonic() < deadline:
            try:
                data = graphql(
                    port,
                    """{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus
                         locationOrLoadError { __typename ... on PythonError { message } } } } }
                       assetNodes { assetKey { path } } }""",
                )
                entries = data["workspaceOrError"]["locationEntries"]
                if entries and entries[0]["loadStatus"] == "LOADED":
                    break
            except OSError:
                pass
            time.sleep(1)
        assert data is not None, (
            proc.stderr.read().decode() if proc.poll() is not None else "no answer"
        )
        entry = data["workspaceOrError"]["locationEntries"][0]
        assert entry["name"] == "council_performance"
        assert entry["locationOrLoadError"]["__typename"] == "RepositoryLocation", entry
        served = {"/".join(n["assetKey"]["path"]) for n in data["assetNodes"]}
        expected = {k.to_user_string() for k in defs.resolve_all_asset_keys()}
        assert expected <= served

        # The automation operators switch on and off in the UI: the quarterly schedule and
        # both sensors, targeting the right jobs and running by default.
        repos = graphql(
            port,
            """{ repositoriesOrError { ... on RepositoryConnection { nodes {
                   schedules { name cronSchedule executionTimezone pipelineName scheduleState { status } }
                   sensors { name minIntervalSeconds targets { pipelineName } sensorState { status } } } } } }""",
        )["repositoriesOrError"]["nodes"]
        schedules = {s["name"]: s for r in repos for s in r["schedules"]}
        sensors = {s["name"]: s for r in repos for s in r["sensors"]}
        assert schedules["quarterly_returns_schedule"] == {
            "name": "quarterly_returns_schedule",
            "cronSchedule": "0 6 15 1,4,7,10 *",
            "executionTimezone": "Europe/London",
            "pipelineName": "load_all",
            "scheduleState": {"status": "RUNNING"},
        }
        assert set(sensors) >= {"returns_landing_sensor", "lgbf_refresh_sensor"}
        assert sensors["returns_landing_sensor"]["targets"] == [{"pipelineName": "load_all"}]
        assert sensors["lgbf_refresh_sensor"]["targets"] == [{"pipelineName": "lgbf_refresh"}]
        assert {
            sensors[n]["sensorState"]["status"]
            for n in ("returns_landing_sensor", "lgbf_refresh_sensor")
        } == {"RUNNING"}
    finally:
        proc.terminate()
        proc.wait(timeout=30)
