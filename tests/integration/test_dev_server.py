"""``make dev`` serves on this machine only and stops, every process of it, when asked."""

import os
import signal

import pytest

from orchestration.ops.local_instance import ensure_dagster_home
from tests.support.dev_server import make_dev


def _listening_addresses(port: int) -> set[str]:
    """The IPv4 and IPv6 addresses a socket listens on at ``port`` (from /proc/net/tcp*)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                address, hex_port = local.split(":")
                if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                    found.add(address)
    return found


@pytest.mark.slow
def test_make_dev_binds_loopback_and_sigint_stops_everything_even_from_a_script(tmp_path):
    """Started as ``make dev &`` in a script starts it (SIGINT ignored, as for a shell's
    background job), SIGINT to the job stopped nothing before ``make dev`` ran its supervisor
    (orchestration/ops/dev.py); now every service stops, promptly, as after Ctrl-C."""
    home = ensure_dagster_home(tmp_path / "dagster_home")
    with make_dev(home, tmp_path / "dev.log", sigint_ignored=True) as server:
        assert len(server.processes()) >= 4  # supervisor, dagster dev, webserver, daemon, ...
        # Listening on 127.0.0.1 only (little-endian hex in /proc): not on 0.0.0.0 or ::
        assert _listening_addresses(server.port) == {"0100007F"}
        os.killpg(server.process.pid, signal.SIGINT)
        server.process.wait(15)
        assert server.wait_until_gone(15) == []
    assert "Dagster services shut down." in (tmp_path / "dev.log").read_text()
