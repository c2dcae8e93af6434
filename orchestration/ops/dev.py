"""``make dev``: ``dagster dev`` (the UI, the daemon, the code server) that stops when asked.

Measured here, with ``dagster dev`` started straight from ``make``: Ctrl-C in a terminal
reaches every process of the job and the services shut down, but ``make dev &`` in a script
starts everything with SIGINT ignored (a shell's background job), so that SIGINT to the job
stops nothing (still running after 30 s), and ``make`` killed outright leaves ``dagster dev``,
the webserver, the daemon and the code server running with nobody to stop them.

So ``make dev`` runs this supervisor instead. It starts ``dagster dev`` in a process group of
its own, and on SIGINT, SIGTERM or SIGHUP to itself, or when its parent (``make``) goes away,
it passes SIGINT (Dagster's orderly shutdown) to that group, waits for the services to stop,
then kills whatever the group still holds. Nothing outlives ``make dev``.

    python -m orchestration.ops.dev --port 3000          # binds 127.0.0.1
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading

from orchestration import config

GRACE_SECONDS = 20  # dagster dev stops its services in about 2 s (measured here)
PARENT_POLL_SECONDS = 1.0


def dagster_dev_command(host: str, port: int) -> list[str]:
    dagster = os.path.join(os.path.dirname(sys.executable), "dagster")
    workspace = str(config.REPO_ROOT / "workspace.yaml")
    return [dagster, "dev", "-w", workspace, "-h", host, "-p", str(port)]


def _kill_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass


def supervise(command: list[str], grace: float = GRACE_SECONDS) -> int:
    """Run ``command`` in its own process group until it ends or this process is told to stop;
    its exit status (0 after a requested stop)."""
    parent = os.getppid()
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    # Caught here before the child starts, so the child starts with them at their defaults:
    # a job a shell script put in the background inherits SIGINT ignored, and dagster dev
    # started so never stops on it.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    child = subprocess.Popen(command, cwd=config.REPO_ROOT, start_new_session=True)
    while child.poll() is None and not stop.is_set():
        if os.getppid() != parent:  # make was killed: we were re-parented
            stop.set()
        stop.wait(PARENT_POLL_SECONDS)
    if stop.is_set():
        _kill_group(child.pid, signal.SIGINT)
        try:
            child.wait(grace)
        except subprocess.TimeoutExpired:
            print(f"dagster dev did not stop within {grace:.0f} s: killed", file=sys.stderr)
    _kill_group(child.pid, signal.SIGKILL)  # what the services left behind, if anything
    child.wait()
    return 0 if stop.is_set() else child.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.ops.dev", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1 (this machine)")
    parser.add_argument("--port", type=int, default=3000)
    args = parser.parse_args(argv)
    return supervise(dagster_dev_command(args.host, args.port))


if __name__ == "__main__":
    raise SystemExit(main())
