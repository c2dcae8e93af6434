"""``make dev`` started as a terminal starts it, for the tests that need the Dagster UI running.

The process group is its own (as a terminal's or a script's job is); ``sigint_ignored`` starts
it as a shell script's background job starts (``make dev &``: SIGINT ignored).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.support.http_fixtures import free_port
from tests.support.paths import REPO


@dataclass
class DevServer:
    process: subprocess.Popen
    port: int
    home: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def processes(self) -> list[int]:
        """Every process still running for this server's DAGSTER_HOME (Dagster passes the
        instance's folders on each service's command line)."""
        needle = str(self.home).encode()
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError):
                    if needle in (entry / "cmdline").read_bytes():
                        found.append(int(entry.name))
        return found

    def wait_until_gone(self, seconds: float = 60) -> list[int]:
        deadline = time.monotonic() + seconds
        while (left := self.processes()) and time.monotonic() < deadline:
            time.sleep(0.5)
        return left


@contextlib.contextmanager
def make_dev(
    home: Path, log: Path, sigint_ignored: bool = False, startup_seconds: float = 180
) -> Iterator[DevServer]:
    """``make dev`` on a free port with ``home`` as DAGSTER_HOME, once the UI answers."""
    port = free_port()
    sigint = signal.SIG_IGN if sigint_ignored else signal.SIG_DFL

    def signals():
        signal.signal(signal.SIGINT, sigint)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)

    env = {**os.environ, "DAGSTER_HOME": str(home), "DEV_PORT": str(port)}
    with open(log, "w") as out:
        proc = subprocess.Popen(
            ["make", "--no-print-directory", "dev"], cwd=REPO, env=env, stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=signals,
        )  # fmt: skip
    server = DevServer(proc, port, home)
    try:
        deadline = time.monotonic() + startup_seconds
        while True:
            try:
                with urllib.request.urlopen(f"{server.url}/server_info", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(
                        f"make dev did not serve: {log.read_text()[-3000:]}"
                    ) from None
                time.sleep(0.5)
        yield server
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        for pid in server.processes():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
