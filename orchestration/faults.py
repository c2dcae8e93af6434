"""Fault-injection points for the crash-safety tests.

``PIPELINE_PAUSE_AT=<point>:<seconds>`` makes the pipeline sleep at a named point, holding
its state there (``ingest``: inside the load transaction, after the rows are inserted and
before the commit; ``publish``: after the new warehouse copy is written and before it is
renamed into place). The tests SIGKILL the run during the pause and check that nothing was
half-written. Unset (always, outside those tests) it does nothing.
"""

from __future__ import annotations

import sys
import time

from orchestration import config


def pause_point(name: str) -> None:
    setting = config.pause_at()
    if setting and setting[0] == name:
        # Tell the test where we are, then hold still long enough to be killed. On stderr:
        # the CLI sends a run's stdout (dbt's output) to its log file.
        print(f"PAUSED AT {name}", file=sys.stderr, flush=True)
        time.sleep(setting[1])
