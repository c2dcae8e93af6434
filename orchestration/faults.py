"""Fault-injection points for the crash-safety and publish-fault tests.

``PIPELINE_PAUSE_AT=<point>:<seconds>`` makes the pipeline sleep at a named point, holding
its state there (``ingest``: inside the load transaction, after the rows are inserted and
before the commit; ``publish``: after the new warehouse copy is written and before it is
renamed into place). The tests SIGKILL the run during the pause and check that nothing was
half-written.

``PIPELINE_FAIL_AT=<point>:<errno name>`` makes every write at a named point fail as the
file system would (``publish:ENOSPC``: the output folder's disk is full; ``publish:EROFS``: it
went read-only). The ``publish`` point is in each writer of a published output (the
warehouse copy, each Excel workbook, each Parquet file), after its temporary file is written
and before it is renamed into place, where a real full disk fails it. The tests check that
the run says so in one line and that the last published outputs are left whole. An
environment variable rather than a patch, so that it reaches the report workers' processes
and a CLI run's.

Unset (always, outside those tests) both do nothing.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from orchestration import config


def pause_point(name: str) -> None:
    setting = config.pause_at()
    if setting and setting[0] == name:
        # Tell the test where we are, then hold still long enough to be killed. On stderr:
        # the CLI sends a run's stdout (dbt's output) to its log file.
        print(f"PAUSED AT {name}", file=sys.stderr, flush=True)
        time.sleep(setting[1])


def fail_point(name: str, path: Path) -> None:
    """Raise the injected ``OSError`` for a write to ``path`` at point ``name``, if asked."""
    setting = config.fail_at()
    if setting and setting[0] == name:
        raise OSError(setting[1], os.strerror(setting[1]), str(path))
