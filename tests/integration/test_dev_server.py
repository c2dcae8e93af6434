"""``make dev`` serves on this machine only and stops, every process of it, when asked."""

import os
import signal
import socket
import subprocess

import pytest

from orchestration.ops.local_instance import ensure_dagster_home
from tests.support.dev_server import make_dev


def _other_addresses() -> list[str]:
    """This machine's addresses other than loopback (none in some containers)."""
    out = subprocess.run(["hostname", "-I"], capture_output=True, text=True).stdout.split()
    return [a for a in out if not a.startswith("127.") and ":" not in a]


@pytest.mark.slow
def test_make_dev_binds_loopback_and_sigint_stops_everything_even_from_a_script(tmp_path):
    """Started as ``make dev &`` in a script starts it (SIGINT ignored, as for a shell's
    background job), SIGINT to the job stopped nothing before ``make dev`` ran its supervisor
    (orchestration/ops/dev.py); now every service stops, promptly, as after Ctrl-C."""
    home = ensure_dagster_home(tmp_path / "dagster_home")
    with make_dev(home, tmp_path / "dev.log", sigint_ignored=True) as server:
        assert len(server.processes()) >= 4  # supervisor, dagster dev, webserver, daemon, ...
        for address in _other_addresses():  # not reachable from the network
            with pytest.raises(OSError), socket.create_connection((address, server.port), 2):
                pass
        os.killpg(server.process.pid, signal.SIGINT)
        server.process.wait(15)
        assert server.wait_until_gone(15) == []
    assert "Dagster services shut down." in (tmp_path / "dev.log").read_text()
