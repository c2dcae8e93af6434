"""Operations: the quarterly schedule, the returns landing sensor, the warehouse pool, backfill.

* the schedule's tick requests the quarter that has just ended, on the configured day;
* the landing sensor requests one run per quarter with new or resubmitted returns (real seed
  workbooks copied to a temporary folder, a resubmission made by editing a value with
  openpyxl), nothing for unchanged files, and the resubmitted value reaches the warehouse;
* with the local default instance config a run waits while another run holds the warehouse
  slot, and goes on when it is released;
* the backfill command documented in the README loads every seed quarter in one run.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb
import openpyxl
import pytest

from orchestration.defs.automation.schedules import quarterly_schedule_for
from orchestration.defs.ingest.returns import quarterly_returns
from orchestration.defs.resources import warehouse as deployed_warehouse
from orchestration.fingerprints import sha256_of
from orchestration.ops.local_instance import ensure_dagster_home
from orchestration.reports.cells import TREND_ARROWS
from orchestration.reports.service_report import build_service_report, report_path
from tests.support import new_tenant
from tests.support.paths import REPO, SEED_RETURNS
from tests.support.seed_state import restore_seed_returns, resubmit, seed_file
from tests.support.warehouse import warehouse_at

LONDON = ZoneInfo("Europe/London")
SEED_QUARTERS = [
    "2015-16-Q2", "2015-16-Q4", "2016-17-Q1", "2016-17-Q2", "2017-18-Q4",
    "2018-19-Q4", "2019-20-Q1", "2019-20-Q2", "2019-20-Q3", "2019-20-Q4",
]  # fmt: skip


# --- the schedule -------------------------------------------------------------------------


def _schedule_tick(defs, when: datetime, instance=None):
    schedule = defs.resolve_schedule_def("quarterly_returns_schedule")
    context = dg.build_schedule_context(
        instance=instance, scheduled_execution_time=when, repository_def=defs.get_repository_def()
    )
    return schedule.evaluate_tick(context)


@pytest.mark.parametrize(
    "when, quarter",
    [
        (datetime(2019, 10, 15, 6, tzinfo=LONDON), "2019-20-Q2"),  # July-September 2019
        (datetime(2020, 1, 15, 6, tzinfo=LONDON), "2019-20-Q3"),  # October-December 2019
        (datetime(2020, 4, 15, 6, tzinfo=LONDON), "2019-20-Q4"),  # January-March 2020
        (datetime(2016, 7, 15, 6, tzinfo=LONDON), "2016-17-Q1"),  # April-June 2016
    ],
)
def test_schedule_tick_requests_the_quarter_just_ended(
    defs, instance, when, quarter, monkeypatch, tmp_path
):
    monkeypatch.delenv("RETURNS_DIR", raising=False)
    # Nothing published yet: the quarter's run builds everything.
    monkeypatch.setenv("WAREHOUSE_PATH", str(tmp_path / "published" / "warehouse.duckdb"))
    result = _schedule_tick(defs, when, instance)
    assert [r.partition_key for r in result.run_requests] == [quarter]
    assert result.run_requests[0].tags["returns/trigger"] == "schedule"
    assert set(result.run_requests[0].asset_selection) == set(
        defs.resolve_job_def("load_all").asset_layer.executable_asset_keys
    )


def test_schedule_skips_a_quarter_with_nothing_changed_since_the_last_publish(
    defs, instance, built_warehouse, monkeypatch
):
    restore_seed_returns(instance, monkeypatch)  # the session's warehouse holds raw/returns
    monkeypatch.delenv("LGBF_LANDING_DIR", raising=False)
    result = _schedule_tick(defs, datetime(2020, 4, 15, 6, tzinfo=LONDON), instance)
    assert not result.run_requests
    assert "Nothing changed since the last successful publish" in result.skip_message
    assert "2019-20-Q4" in result.skip_message


def test_schedule_skips_a_quarter_whose_returns_have_not_arrived(defs, monkeypatch):
    monkeypatch.delenv("RETURNS_DIR", raising=False)
    result = _schedule_tick(defs, datetime(2020, 7, 15, 6, tzinfo=LONDON))
    assert not result.run_requests
    assert "2020-21-Q1" in result.skip_message


def test_schedule_runs_the_load_job_on_the_configured_day(defs, monkeypatch):
    served = defs.resolve_schedule_def("quarterly_returns_schedule")
    assert served.job_name == "load_all"
    assert served.execution_timezone == "Europe/London"
    assert served.cron_schedule == "0 6 15 1,4,7,10 *"  # the default: the 15th, 06:00

    job = defs.resolve_job_def("load_all")
    monkeypatch.setenv("QUARTERLY_LOAD_DAY", "3")
    monkeypatch.setenv("QUARTERLY_LOAD_HOUR", "21")
    assert quarterly_schedule_for(job, []).cron_schedule == "0 21 3 1,4,7,10 *"
    # The 31st does not exist in April: refused rather than silently skipping a quarter.
    monkeypatch.setenv("QUARTERLY_LOAD_DAY", "31")
    with pytest.raises(ValueError, match="QUARTERLY_LOAD_DAY"):
        quarterly_schedule_for(job, [])


# --- the landing-folder sensor ------------------------------------------------------------


@pytest.fixture
def landing(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "landing"
    folder.mkdir()
    monkeypatch.setenv("RETURNS_DIR", str(folder))
    # A warehouse published by nothing yet: every return in the folder is new to it.
    monkeypatch.setenv("WAREHOUSE_PATH", str(tmp_path / "published" / "warehouse.duckdb"))
    return folder


def _sensor_tick(defs, instance, cursor=None):
    sensor = defs.resolve_sensor_def("returns_landing_sensor")
    # The warehouse resource as the deployment would build it now (the test's WAREHOUSE_PATH).
    context = dg.build_sensor_context(
        instance=instance,
        cursor=cursor,
        definitions=defs,
        resources={"warehouse": deployed_warehouse()},
    )
    return sensor.evaluate_tick(context)


def _land(landing: Path, *quarters: str) -> None:
    for quarter in quarters:
        shutil.copy(SEED_RETURNS / seed_file(quarter), landing / seed_file(quarter))


def test_sensor_requests_runs_for_new_returns_only(defs, instance, landing):
    _land(landing, "2015-16-Q2", "2019-20-Q3", "2019-20-Q4")
    # Things that are not returns: an Excel owner file, a LibreOffice lock, a partial
    # download, a hidden file, a stray document and a return-like name with a bad year.
    for junk in [
        "~$midlothian__childrens-services__2019-20__Q4.xlsx",
        ".~lock.midlothian__childrens-services__2019-20__Q4.xlsx#",
        "midlothian__childrens-services__2019-20__Q1.xlsx.part",
        ".DS_Store",
        "covering letter.docx",
        "midlothian__childrens-services__2019-21__Q1.xlsx",
    ]:
        (landing / junk).write_bytes(b"not a return")
    (landing / "archive").mkdir()

    first = _sensor_tick(defs, instance)
    assert [r.partition_key for r in first.run_requests] == [
        "2015-16-Q2",
        "2019-20-Q3",
        "2019-20-Q4",
    ]
    for request in first.run_requests:
        path = landing / seed_file(request.partition_key)
        # The run key is the file's content hash: the same file never loads twice.
        assert request.run_key == f"{request.partition_key}:{sha256_of(path)}"
        assert request.tags["returns/files"] == path.name
        assert request.job_name in (None, "load_all")
    cursor = json.loads(first.cursor)
    assert set(cursor["files"]) == {
        seed_file(q) for q in ("2015-16-Q2", "2019-20-Q3", "2019-20-Q4")
    }
    # Names that look like returns but are not valid are remembered (logged once), the
    # hidden and temporary files are not even that.
    assert set(cursor["ignored"]) == {
        "covering letter.docx",
        "midlothian__childrens-services__2019-21__Q1.xlsx",
    }

    # Nothing changed: nothing to run.
    second = _sensor_tick(defs, instance, first.cursor)
    assert not second.run_requests
    assert "No new or resubmitted returns" in second.skip_message

    # A return for another quarter arrives: exactly that quarter runs.
    _land(landing, "2016-17-Q2")
    third = _sensor_tick(defs, instance, second.cursor)
    assert [r.partition_key for r in third.run_requests] == ["2016-17-Q2"]

    # Lost cursor (sensor reset): every file is "new" again, but with the same run keys, which
    # Dagster will not launch twice.
    again = _sensor_tick(defs, instance, None)
    assert {r.run_key for r in again.run_requests} == {
        r.run_key for r in first.run_requests + third.run_requests
    }


def test_first_sensor_tick_after_make_run_starts_nothing(
    defs, instance, built_warehouse, tmp_path, monkeypatch
):
    """`make dev` after `make run`: a sensor with no cursor over the folder `make run` loaded."""
    monkeypatch.delenv("RETURNS_DIR", raising=False)  # raw/returns, what the session run loaded
    first = _sensor_tick(defs, instance)
    assert not first.run_requests
    assert "No new or resubmitted returns" in first.skip_message
    seen = set(json.loads(first.cursor)["files"])
    assert (
        seen
        == {p.name for p in SEED_RETURNS.glob("*.xlsx")}
        >= {seed_file(q) for q in SEED_QUARTERS}
    )

    # What it does start for: a return resubmitted afterwards, and only that quarter.
    folder = tmp_path / "returns"
    shutil.copytree(SEED_RETURNS, folder)
    monkeypatch.setenv("RETURNS_DIR", str(folder))
    resubmit(folder / seed_file("2016-17-Q2"), "CS.COMP.RECEIVED_CUM", 12)
    tick = _sensor_tick(defs, instance, first.cursor)
    assert [r.partition_key for r in tick.run_requests] == ["2016-17-Q2"]
    # The run builds what is downstream of the returns, not the LGBF or reference models,
    # and rewrites only the reports of the resubmitted return's council and service.
    request = tick.run_requests[0]
    selected = {key.to_user_string() for key in request.asset_selection}
    assert {"raw/return_files", "marts/fct_indicator_value", "published_warehouse"} <= selected
    assert not {k for k in selected if "lgbf" in k or k.startswith("reference/")}
    reports = request.run_config["ops"]["service_performance_reports"]["config"]
    assert reports["changed_returns"] == [seed_file("2016-17-Q2")]


def test_sensor_waits_for_a_workbook_still_being_copied(defs, instance, landing):
    whole = (SEED_RETURNS / seed_file("2019-20-Q1")).read_bytes()
    target = landing / seed_file("2019-20-Q1")
    target.write_bytes(whole[: len(whole) // 2])
    partial = _sensor_tick(defs, instance)
    assert not partial.run_requests
    assert "not a complete workbook" in partial.skip_message

    target.write_bytes(whole)
    done = _sensor_tick(defs, instance, partial.cursor)
    assert [r.partition_key for r in done.run_requests] == ["2019-20-Q1"]


def test_resubmitted_return_reruns_its_quarter_with_the_new_value(
    defs, instance, landing, tmp_path
):
    _land(landing, "2016-17-Q1", "2016-17-Q2", "2019-20-Q4")
    loaded = _sensor_tick(defs, instance)
    assert len(loaded.run_requests) == 3
    warehouse = tmp_path / "warehouse.duckdb"
    resources = {"warehouse": warehouse_at(warehouse)}

    def load(request) -> None:
        # What the run the sensor requested does first: replace the quarter from its files.
        result = dg.materialize(
            [quarterly_returns], partition_key=request.partition_key, resources=resources,
            instance=instance, tags=request.tags,
        )  # fmt: skip
        assert result.success

    def received(quarter: str) -> list[tuple]:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return con.execute(
                "select value, source_sha256 from raw.return_indicator_values"
                " where partition_key = ? and indicator_code = 'CS.COMP.RECEIVED_CUM'",
                [quarter],
            ).fetchall()

    def rows_per_quarter() -> dict[str, int]:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return dict(
                con.execute(
                    "select partition_key, count(*) from raw.return_indicator_values group by 1"
                ).fetchall()
            )

    for request in loaded.run_requests:
        load(request)
    counts = rows_per_quarter()
    assert set(counts) == {"2016-17-Q1", "2016-17-Q2", "2019-20-Q4"}
    before = received("2016-17-Q2")
    assert [v for v, _ in before] == [9]  # as printed in the Q2 2016/17 report

    # Touching a file without changing it is not a resubmission.
    os.utime(landing / seed_file("2016-17-Q1"))
    # The officer corrects the number of complaints received in Q2 2016/17 and resubmits.
    resubmitted = landing / seed_file("2016-17-Q2")
    resubmit(resubmitted, "CS.COMP.RECEIVED_CUM", 12)
    tick = _sensor_tick(defs, instance, loaded.cursor)
    assert [r.partition_key for r in tick.run_requests] == ["2016-17-Q2"]
    request = tick.run_requests[0]
    assert request.run_key == f"2016-17-Q2:{sha256_of(resubmitted)}"
    assert request.run_key not in {r.run_key for r in loaded.run_requests}

    load(request)
    after = received("2016-17-Q2")
    assert after == [(12, sha256_of(resubmitted))]  # replaced, not added to
    assert rows_per_quarter() == counts  # same rows everywhere, one value changed
    assert not _sensor_tick(defs, instance, tick.cursor).run_requests


# --- the warehouse pool -------------------------------------------------------------------

# Assets that never open the DuckDB warehouse may stay out of the pool; none do today.
OUTSIDE_WAREHOUSE_POOL: set[str] = set()


def test_every_asset_that_opens_the_warehouse_is_in_the_warehouse_pool(defs):
    # DuckDB lets one process open a file read-write, or several read-only, never both: a
    # step reading the warehouse while another writes it fails on the file lock. So every
    # step that opens it, reading or writing, must hold the `warehouse` slot.
    outside = sorted(
        node.node_def.name
        for node in defs.resolve_asset_graph().assets_defs
        if node.is_executable
        and node.node_def.pool != "warehouse"
        and node.node_def.name not in OUTSIDE_WAREHOUSE_POOL
    )
    assert not outside, f"assets not in pool='warehouse': {outside}"


def test_a_run_waits_while_another_run_holds_the_warehouse(tmp_path, monkeypatch):
    monkeypatch.delenv("RETURNS_DIR", raising=False)
    home = ensure_dagster_home(tmp_path / "dagster_home")
    assert (home / "dagster.yaml").read_text() == (REPO / "deploy/local/dagster.yaml").read_text()
    warehouse = tmp_path / "warehouse.duckdb"
    outcome = {}

    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1
        storage = instance.event_log_storage
        # Another run is writing the warehouse: it holds the pool's only slot.
        storage.initialize_concurrency_limit_to_default("warehouse")
        assert storage.claim_concurrency_slot("warehouse", "other-run", "writer").is_claimed

        def second_run():
            with dg.DagsterInstance.from_config(str(home)) as own:
                outcome["result"] = dg.materialize(
                    [quarterly_returns], partition_key="2019-20-Q4", instance=own,
                    resources={"warehouse": warehouse_at(warehouse)},
                )  # fmt: skip

        thread = threading.Thread(target=second_run, daemon=True)
        thread.start()
        try:
            # Wait (without timing anything) until the second run reports it is blocked.
            deadline = time.monotonic() + 120
            while thread.is_alive() and time.monotonic() < deadline and not _blocked(instance):
                time.sleep(0.5)
            assert _blocked(instance), "the second run did not wait for the warehouse slot"
            # While it waits it has not touched the warehouse.
            assert not warehouse.exists()
        finally:
            # The first run finishes: its slot is released and the second run goes ahead.
            storage.free_concurrency_slots_for_run("other-run")
            thread.join(timeout=300)
        assert outcome["result"].success
        with duckdb.connect(str(warehouse), read_only=True) as con:
            assert con.execute("select count(*) from raw.return_indicator_values").fetchone()[0] > 0


@pytest.mark.slow
def test_a_run_killed_outright_does_not_hold_the_warehouse_for_ever(manifest, tmp_path):
    """kill -9 in the middle of the load: the slot is released by the next `make` step."""
    home = ensure_dagster_home(tmp_path / "dagster_home")
    bindir = Path(sys.executable).parent
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DUCKDB_PATH", "WAREHOUSE_PATH", "RETURNS_DIR")
    }
    env.update(
        DAGSTER_HOME=str(home),
        OUTPUT_DIR=str(tmp_path / "output"),
        PATH=f"{bindir}{os.pathsep}{env['PATH']}",
    )
    load = [
        str(bindir / "dagster"), "asset", "materialize", "-m", "orchestration.definitions",
        "--select", "group:returns_ingest", "--partition", "2019-20-Q4",
    ]  # fmt: skip
    # The instance's storage is created before any run, as every make target's first step
    # does: created by the run and this test at once, SQLite's schedule storage was once
    # stamped twice ("alembic_version has more than one head") on a loaded machine.
    with dg.DagsterInstance.from_config(str(home)):
        pass
    # The first run stops inside the load transaction (orchestration/faults.py) and is killed there.
    killed = subprocess.Popen(
        load, cwd=REPO, env={**env, "PIPELINE_PAUSE_AT": "ingest:600"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    with dg.DagsterInstance.from_config(str(home)) as instance:
        try:
            deadline = time.monotonic() + 300
            while (
                killed.poll() is None and time.monotonic() < deadline and not _holds_slot(instance)
            ):
                time.sleep(0.5)
            assert _holds_slot(instance), "the first run never got to the load"
        finally:
            os.killpg(killed.pid, signal.SIGKILL)
            killed.wait(timeout=60)
        (run_id,) = instance.event_log_storage.get_concurrency_run_ids()
        # Dagster alone would keep this run "started", holding the only warehouse slot.
        assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.STARTED

        # What every make target runs first.
        release = subprocess.run(
            [sys.executable, "-m", "orchestration.ops.local_instance"], cwd=REPO, env=env,
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert release.returncode == 0, release.stderr
        assert run_id in release.stdout
        assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.FAILURE
        assert not instance.event_log_storage.get_concurrency_run_ids()

        # So the next run gets the slot and loads. (The timeout only stops a hang failing slowly.)
        again = subprocess.run(load, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
        assert again.returncode == 0, again.stderr[-5000:]
        latest = instance.get_run_records(limit=1)[0].dagster_run
        assert latest.run_id != run_id and latest.status == dg.DagsterRunStatus.SUCCESS
    with duckdb.connect(
        str(tmp_path / "output" / ".work" / "warehouse.duckdb"), read_only=True
    ) as con:
        assert con.execute("select count(*) from raw.return_indicator_values").fetchone()[0] > 0


def _assert_written_as_built_on_the_warehouse(output: Path, reports: list, direct: Path) -> None:
    """Each report the run wrote has the cell values of the same report built straight on the
    published warehouse, sheet by sheet."""
    with duckdb.connect(str(output / "warehouse.duckdb"), read_only=True) as con:
        for council, service, period in reports:
            built, _ = build_service_report(con, council, service, period, direct)
            written = report_path(output / "excel", council, service, period)
            expected, actual = openpyxl.load_workbook(built), openpyxl.load_workbook(written)
            assert actual.sheetnames == expected.sheetnames
            for name in expected.sheetnames:
                rows = list(actual[name].iter_rows(values_only=True))
                assert rows == list(expected[name].iter_rows(values_only=True)), (written, name)


def _assert_new_tenant_report(path: Path) -> None:
    """The new service's Q2 report: its PIs under its own group headings, with the statuses
    and trend arrows its framework gives."""
    ws = openpyxl.load_workbook(path)["PI Summary"]
    header = {ws.cell(5, c).value: c for c in range(1, ws.max_column + 1)}
    printed = {
        ws.cell(r, header["Indicator"]).value: r
        for r in range(6, ws.max_row + 1)
        if ws.cell(r, header["Indicator"]).value
    }
    for code, (title, group, *_) in new_tenant.PIS.items():
        r = printed[title]
        assert ws.cell(r, header["Priorities"]).value == group
        assert (
            ws.cell(r, header["Status"]).value == new_tenant.EXPECTED_STATUS[(code, "2019-20-Q2")]
        )
        trend = new_tenant.EXPECTED_TREND[code]
        assert ws.cell(r, header["Short Trend"]).value == (trend and TREND_ARROWS[trend])
    headings = [  # rows with text in column A and no PI: the group headings, in print order
        ws.cell(r, 1).value
        for r in range(6, ws.max_row + 1)
        if ws.cell(r, 1).value and not ws.cell(r, header["Indicator"]).value
    ]
    assert headings == [new_tenant.LETS, new_tenant.RESOLVE]


def _holds_slot(instance) -> bool:
    return bool(instance.event_log_storage.get_concurrency_run_ids())


def _blocked(instance) -> bool:
    """Whether the instance's latest run has logged that a step waits for the warehouse pool."""
    runs = instance.get_run_records(limit=1)
    if not runs:
        return False
    events = instance.get_records_for_run(
        runs[0].dagster_run.run_id, of_type=dg.DagsterEventType.ENGINE_EVENT
    ).records
    return any(
        "blocked by limit for pool warehouse" in (r.event_log_entry.user_message or "")
        for r in events
    )


# --- backfill -----------------------------------------------------------------------------


def documented_backfill_command() -> list[str]:
    """The backfill command exactly as the README's Operations section gives it."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    m = re.search(
        r"^\.venv/bin/python -m orchestration\.ops\.cli backfill [^\n]*", readme, flags=re.M
    )
    assert m, "README: no `orchestration.ops.cli backfill` command"
    return [sys.executable, *shlex.split(m.group(0))[1:]]


@pytest.mark.slow
def test_documented_backfill_loads_every_seed_quarter_and_a_new_service_in_one_run(defs, tmp_path):
    """The README's backfill on landing folders holding the seed returns and, dropped in
    beside them with no code change, a council's service never seen before (its framework
    workbook and two returns: ``tests/new_tenant.py``). One run loads both, judges the new
    service's PIs with its own framework and writes its report."""
    command = documented_backfill_command()
    assert command[-4:] == ["--from", "2015-16-Q2", "--to", "2019-20-Q4"]
    home = ensure_dagster_home(tmp_path / "dagster_home")
    frameworks, returns = tmp_path / "frameworks", tmp_path / "returns"
    shutil.copytree(REPO / "raw" / "frameworks", frameworks)
    shutil.copytree(SEED_RETURNS, returns)
    new_tenant.drop_into(frameworks, returns)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DUCKDB_PATH", "WAREHOUSE_PATH", "RETURNS_DIR")
    }
    bindir = str(Path(sys.executable).parent)
    env.update(
        DAGSTER_HOME=str(home),
        OUTPUT_DIR=str(tmp_path / "output"),
        FRAMEWORKS_DIR=str(frameworks),
        RETURNS_DIR=str(returns),
        PATH=f"{bindir}{os.pathsep}{env['PATH']}",
    )
    proc = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-6000:]

    with duckdb.connect(str(tmp_path / "output" / "warehouse.duckdb"), read_only=True) as con:
        rows, files = con.execute(
            """select count(*), count(distinct source_file) from staging.stg_returns__indicator_values
               where council = 'Midlothian'"""
        ).fetchone()
        assert (rows, files) == (339, 10)  # every row of the ten seed returns (15 printed N/A)
        judged = con.execute(
            """select indicator_code, period_key, status, short_trend from marts.fct_indicator_value
               where council = ? and service = ?""",
            [new_tenant.COUNCIL, new_tenant.SERVICE],
        ).fetchall()
    assert {(c, p): s for c, p, s, _ in judged} == new_tenant.EXPECTED_STATUS
    assert {c: t for c, p, _, t in judged if p == "2019-20-Q2"} == new_tenant.EXPECTED_TREND
    _assert_new_tenant_report(tmp_path / "output" / "excel" / new_tenant.REPORT)
    # Both council-services' reports were written from one in-memory copy of their rows
    # (orchestration/reports/batch.py): each is the report built on the warehouse itself.
    _assert_written_as_built_on_the_warehouse(
        tmp_path / "output",
        [
            (new_tenant.COUNCIL, new_tenant.SERVICE, new_tenant.QUARTERS[-1]),
            ("Midlothian", "Children's Services", "2019-20"),
        ],
        tmp_path / "direct",
    )

    with dg.DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_run_records()
        assert len(runs) == 1  # one run for the whole range: BackfillPolicy.single_run()
        run = runs[0].dagster_run
        assert run.status == dg.DagsterRunStatus.SUCCESS
        assert run.tags["dagster/asset_partition_range_start"] == "2015-16-Q2"
        assert run.tags["dagster/asset_partition_range_end"] == "2019-20-Q4"
        # Under the job in the UI: its Runs tab asks for the job's runs with the code
        # location's repository label (dagster-graphql's GraphenePipeline.resolve_runs).
        label = f"{defs.get_repository_def().name}@council_performance"
        shown = instance.get_run_records(
            dg.RunsFilter(job_name="load_all", tags={".dagster/repository": label})
        )
        assert [r.dagster_run.run_id for r in shown] == [run.run_id]
        loaded = instance.get_materialized_partitions(
            dg.AssetKey(["raw", "return_indicator_values"])
        )
        assert set(SEED_QUARTERS) <= loaded

        # Every warehouse step waited for the previous one to finish (the pool, and the job's
        # in-process executor: no two steps of a run ever hold DuckDB at once).
        in_pool = {
            node.node_def.name
            for node in defs.resolve_asset_graph().assets_defs
            if node.is_executable and node.node_def.pool == "warehouse"
        }
        spans: dict[str, list[int]] = {}
        for record in instance.get_records_for_run(run.run_id, limit=10_000).records:
            event = record.event_log_entry.dagster_event
            if (
                event
                and event.step_key in in_pool
                and event.event_type
                in (dg.DagsterEventType.STEP_START, dg.DagsterEventType.STEP_SUCCESS)
            ):
                spans.setdefault(event.step_key, []).append(record.storage_id)
        ordered = sorted((min(ids), max(ids)) for ids in spans.values())
        assert len(ordered) >= 4
        assert all(end < next_start for (_, end), (next_start, _) in zip(ordered, ordered[1:])), (
            ordered
        )
