"""The production deployment for real: deploy/dagster.yaml against a PostgreSQL server.

A private PostgreSQL cluster is started on 127.0.0.1 (a free port, a temporary data
directory, password authentication); PostgreSQL itself is installed from Debian's packages by
``deploy/install_postgres.sh`` when it is missing and this is root (``.ci/run`` does the same
up front). ``DAGSTER_HOME`` holds nothing but a copy of ``deploy/dagster.yaml``, so every
check below goes through the file operators deploy, with the connection taken from the
``DAGSTER_PG_*`` variables it names.

* a materialisation through the ``dagster`` CLI is recorded in PostgreSQL: the run with status
  SUCCESS, its events, and the warehouse pool's limit of one;
* ``dagster-daemon run`` and ``dagster-webserver`` (as deployed) share it: the daemon picks a
  new return up with the landing-folder sensor, queues the run, launches it, the run succeeds,
  all recorded in PostgreSQL, and the webserver reports the run and the daemons' health.

The tests are skipped only when PostgreSQL is absent and cannot be installed; with
``REQUIRE_POSTGRES=1`` (set by ``.ci/run``) that is a failure instead.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import psycopg2  # installed with dagster-postgres
import psycopg2.errors
import pytest

from tests.support.http_fixtures import free_port, graphql
from tests.support.paths import REPO

pytestmark = pytest.mark.slow

SEED_Q4 = "midlothian__childrens-services__2019-20__Q4.xlsx"
BIN = Path(sys.executable).parent


def _pg_bindir() -> Path | None:
    """The newest installed server's bin directory (Debian: /usr/lib/postgresql/<ver>/bin)."""
    found = sorted(
        (p.parent for p in Path("/usr/lib/postgresql").glob("*/bin/initdb")),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    return found[-1] if found else None


def _ensure_postgres() -> Path:
    bindir = _pg_bindir()
    if bindir is None and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["bash", str(REPO / "deploy" / "install_postgres.sh")], check=False)
        bindir = _pg_bindir()
    if bindir is None:
        message = "PostgreSQL is not installed and could not be installed (needs root and apt-get)"
        if os.environ.get("REQUIRE_POSTGRES"):
            pytest.fail(message)
        pytest.skip(message)
    return bindir


class Cluster:
    """A throwaway PostgreSQL cluster listening on 127.0.0.1 only."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.port = free_port()
        self.user = "dagster"
        self.password = secrets.token_hex(12)
        # Directly under the system temp dir: the postgres user must be able to reach it,
        # which it cannot under pytest's per-user (mode 0700) tmp_path.
        self.base = Path(tempfile.mkdtemp(prefix="pg-deploy-test-"))
        self.data = self.base / "data"
        self._as_root = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        # initdb and the server refuse to run as root: run them as the packages' postgres user.
        cmd = ["runuser", "-u", "postgres", "--", *args] if self._as_root else list(args)
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")

    def start(self) -> None:
        pwfile = self.base / "pwfile"
        pwfile.write_text(self.password + "\n")
        if self._as_root:
            shutil.chown(self.base, "postgres", "postgres")
            shutil.chown(pwfile, "postgres", "postgres")
        self._run(
            str(self.bindir / "initdb"), "-D", str(self.data), "-U", self.user,
            f"--pwfile={pwfile}", "--auth=scram-sha-256", "--no-locale", "-E", "UTF8",
        )  # fmt: skip
        pwfile.unlink()
        self._run(
            str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.base / "server.log"),
            "-o", f"-c listen_addresses=127.0.0.1 -c port={self.port} -k {self.base}",
            "-w", "-t", "120", "start",
        )  # fmt: skip

    def create_database(self, name: str) -> Database:
        con = self.connect("postgres")
        try:
            con.autocommit = True  # CREATE DATABASE cannot run in a transaction
            with con.cursor() as cur:
                cur.execute(f"create database {name}")
        finally:
            con.close()
        return Database(self, name)

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run(
                    str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"
                )
            else:
                # The server stopped on its own during the tests: keep why, for the failure report.
                log = self.base / "server.log"
                print(
                    "PostgreSQL stopped before the tests ended; its log ends:\n"
                    + (log.read_text(errors="replace")[-5000:] if log.exists() else "(no log)")
                )
        finally:
            shutil.rmtree(self.base, ignore_errors=True)

    def connect(self, db: str):
        return psycopg2.connect(
            host="127.0.0.1", port=self.port, user=self.user, password=self.password,
            dbname=db, connect_timeout=10,
        )  # fmt: skip


class Database:
    """One test's Dagster storage database on the cluster."""

    def __init__(self, cluster: Cluster, name: str):
        self.cluster = cluster
        self.name = name

    def query(self, sql: str, params=()) -> list[tuple]:
        con = self.cluster.connect(self.name)
        try:
            with con.cursor() as cur:
                cur.execute(sql, params)
                return cur.fetchall()
        finally:
            con.close()

    def env(self) -> dict[str, str]:
        """The connection, as deploy/dagster.yaml reads it."""
        return {
            "DAGSTER_PG_HOST": "127.0.0.1",
            "DAGSTER_PG_PORT": str(self.cluster.port),
            "DAGSTER_PG_USER": self.cluster.user,
            "DAGSTER_PG_PASSWORD": self.cluster.password,
            "DAGSTER_PG_DB": self.name,
        }


@pytest.fixture(scope="module")
def postgres():
    cluster = Cluster(_ensure_postgres())
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pg_db(postgres, request) -> Database:
    """A fresh database per test, so that each test sees only its own runs."""
    return postgres.create_database(request.node.name.lower()[:60])


def _production_env(db: Database, root: Path, **extra: str) -> dict[str, str]:
    """A DAGSTER_HOME holding only deploy/dagster.yaml, and private output folders."""
    home = root / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "deploy" / "dagster.yaml", home / "dagster.yaml")
    env = {k: v for k, v in os.environ.items() if k not in ("DUCKDB_PATH", "WAREHOUSE_PATH")}
    env.update(db.env())
    env.update(
        DAGSTER_HOME=str(home),
        OUTPUT_DIR=str(root / "output"),
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
    )
    env.pop("RETURNS_DIR", None)
    env.update(extra)
    return env


def _indicator_rows(output: Path, partition: str) -> int:
    with duckdb.connect(str(output / ".work" / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(
            "select count(*) from raw.return_indicator_values where partition_key = ?", [partition]
        ).fetchone()[0]


def _failures(db: Database, run_id: str) -> str:
    """What went wrong in a run, from its failure events, for assertion messages."""
    rows = db.query(
        "select event from event_logs where run_id = %s and dagster_event_type in"
        " ('STEP_FAILURE', 'PIPELINE_FAILURE', 'ENGINE_EVENT') order by id",
        (run_id,),
    )
    messages = []
    for (event,) in rows:
        record = json.loads(event)
        messages.append(record.get("user_message", ""))
        data = (record.get("dagster_event") or {}).get("event_specific_data") or {}
        error = data.get("error") or {}
        messages.extend(filter(None, [error.get("message"), *(error.get("stack") or [])[-3:]]))
        cause = error.get("cause") or {}
        messages.extend(filter(None, [cause.get("message"), *(cause.get("stack") or [])[-3:]]))
    return "\n".join(messages)[-8000:]


def _events(db: Database, run_id: str) -> list[tuple]:
    return db.query(
        "select dagster_event_type, asset_key, partition from event_logs where run_id = %s order by id",
        (run_id,),
    )


def test_materialisation_is_recorded_in_postgres(pg_db, manifest, tmp_path):
    env = _production_env(pg_db, tmp_path)
    proc = subprocess.run(
        [
            str(BIN / "dagster"), "asset", "materialize", "-m", "orchestration.definitions",
            "--select", "group:returns_ingest", "--partition", "2019-20-Q4",
        ],
        cwd=REPO, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-5000:]

    # Dagster's own storage for this run is PostgreSQL, not files under DAGSTER_HOME.
    assert not (tmp_path / "dagster_home" / "history").exists()
    runs = pg_db.query("select run_id, status, partition, run_body from runs")
    assert len(runs) == 1
    run_id, status, partition, body = runs[0]
    assert status == "SUCCESS" and partition == "2019-20-Q4"
    assert json.loads(body)["tags"]["dagster/partition"] == "2019-20-Q4"

    events = _events(pg_db, run_id)
    types = [t for t, _, _ in events if t]
    assert {"PIPELINE_START", "PIPELINE_SUCCESS", "STEP_START", "STEP_SUCCESS"} <= set(types), types
    materialised = {(key, part) for t, key, part in events if t == "ASSET_MATERIALIZATION"}
    assert ('["raw", "return_indicator_values"]', "2019-20-Q4") in materialised
    assert len(materialised) == 5  # the five raw.return_* tables of the multi-asset

    # The warehouse pool's limit of one (the config's default_limit) is now in the shared
    # storage, where every run's steps claim their slot; the run gave its slot back.
    assert pg_db.query(
        'select "limit", using_default_limit from concurrency_limits where concurrency_key = %s',
        ("warehouse",),
    ) == [(1, True)]
    assert pg_db.query(
        "select count(*) from concurrency_slots where concurrency_key = %s and run_id is not null",
        ("warehouse",),
    ) == [(0,)]
    # And the run really loaded the quarter.
    assert _indicator_rows(tmp_path / "output", "2019-20-Q4") > 0


FINISHED = {"SUCCESS", "FAILURE", "CANCELED"}


def _stop(proc: subprocess.Popen) -> None:
    """Stop a process started in its own session, and everything it started, gracefully first."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)


def test_daemon_and_webserver_run_a_landed_return_through_the_queue(pg_db, manifest, tmp_path):
    """The production loop on PostgreSQL: landing sensor -> run queue -> launched run -> UI."""
    landing = tmp_path / "returns"
    landing.mkdir()
    shutil.copy(REPO / "raw" / "returns" / SEED_Q4, landing / SEED_Q4)
    env = _production_env(pg_db, tmp_path, RETURNS_DIR=str(landing))
    port = free_port()
    commands = {
        "daemon": [str(BIN / "dagster-daemon"), "run", "-w", "workspace.yaml"],
        "webserver": [
            str(BIN / "dagster-webserver"),
            "-w",
            "workspace.yaml",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
    }
    procs = {}
    logs = {name: tmp_path / f"{name}.log" for name in commands}
    sensor_runs = (
        "select r.run_id, r.status from runs r join run_tags t on t.run_id = r.run_id"
        " where t.key = 'dagster/sensor_name' and t.value = 'returns_landing_sensor'"
    )
    try:
        for name, command in commands.items():
            with open(logs[name], "wb") as log:
                procs[name] = subprocess.Popen(
                    command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
                    start_new_session=True,  # so that stopping it also stops its code server and runs
                )  # fmt: skip
        # Generous: a fresh daemon loads the code location, ticks the sensor, dequeues the run
        # and the run builds the whole warehouse. This waits for an outcome, it times nothing.
        deadline = time.monotonic() + 600
        runs = []
        while time.monotonic() < deadline:
            try:
                runs = pg_db.query(sensor_runs)
            except psycopg2.errors.UndefinedTable:
                runs = []  # the first process has not created Dagster's tables yet
            if runs and all(status in FINISHED for _, status in runs):
                break
            for name, proc in procs.items():
                assert proc.poll() is None, f"{name} exited:\n" + logs[name].read_text()[-5000:]
            time.sleep(2)
        assert len(runs) == 1, (runs, logs["daemon"].read_text()[-5000:])
        run_id, status = runs[0]
        assert status == "SUCCESS", _failures(pg_db, run_id)

        # The webserver, a separate process, sees the run and the daemon through PostgreSQL.
        ui, healthy = None, set()
        while time.monotonic() < deadline:
            try:
                ui = graphql(
                    port,
                    f"""{{ runOrError(runId: "{run_id}") {{ __typename ... on Run {{ status }} }}
                          instance {{ runQueuingSupported
                                      daemonHealth {{ allDaemonStatuses {{ daemonType healthy }} }} }} }}""",
                )
                healthy = {
                    d["daemonType"]
                    for d in ui["instance"]["daemonHealth"]["allDaemonStatuses"]
                    if d["healthy"]
                }
                if {"SENSOR", "SCHEDULER", "QUEUED_RUN_COORDINATOR"} <= healthy:
                    break
            except OSError:
                pass  # still starting
            assert procs["webserver"].poll() is None, logs["webserver"].read_text()[-5000:]
            time.sleep(1)
        assert ui is not None, logs["webserver"].read_text()[-5000:]
        assert ui["runOrError"] == {"__typename": "Run", "status": "SUCCESS"}
        assert ui["instance"]["runQueuingSupported"] is True
        assert {"SENSOR", "SCHEDULER", "QUEUED_RUN_COORDINATOR"} <= healthy, ui
    finally:
        for proc in procs.values():
            _stop(proc)

    tags = dict(pg_db.query("select key, value from run_tags where run_id = %s", (run_id,)))
    assert tags["dagster/partition"] == "2019-20-Q4"
    assert tags["returns/files"] == SEED_Q4
    # The run went through the QueuedRunCoordinator: queued by the sensor, launched by the daemon.
    types = [t for t, _, _ in _events(pg_db, run_id)]
    assert (
        types.index("PIPELINE_ENQUEUED")
        < types.index("PIPELINE_STARTING")
        < types.index("PIPELINE_SUCCESS")
    )
    # The sensor's tick, the run it requested and its cursor are kept in PostgreSQL too.
    ticks = [json.loads(body) for (body,) in pg_db.query("select tick_body from job_ticks")]
    requested = [t for t in ticks if t["job_name"] == "returns_landing_sensor" and t["run_ids"]]
    assert [t["run_ids"] for t in requested] == [[run_id]]
    assert SEED_Q4 in json.loads(requested[0]["cursor"])["files"]
    # And the run really loaded the quarter and published the warehouse.
    assert _indicator_rows(tmp_path / "output", "2019-20-Q4") > 0
    assert (tmp_path / "output" / "warehouse.duckdb").exists()
