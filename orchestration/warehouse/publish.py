"""Publish the working warehouse to the path analysts open, by atomic replace.

The pipeline writes ``output/.work/warehouse.duckdb``; when a build has succeeded the file is
copied next to the published path and ``os.replace``-d over it. A reader holding the old
file open keeps reading the old, complete warehouse; a new reader gets the new one; nobody
ever sees a half-written file. A copy that fails (a full disk, a folder gone read-only) is
removed, so that it holds no space, and the published file is left as it was.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

import duckdb

from orchestration.faults import fail_point, pause_point


def publish_warehouse(work: Path, published: Path) -> Path:
    # Fold the write-ahead log into the file so the copy is complete on its own.
    with duckdb.connect(str(work)) as con:
        con.execute("checkpoint")
    published.parent.mkdir(parents=True, exist_ok=True)
    # A run killed mid-publish leaves its temporary copy behind; it was never the published file.
    for stale in published.parent.glob(f".{published.name}.tmp-*"):
        stale.unlink(missing_ok=True)
    tmp = published.with_name(f".{published.name}.tmp-{os.getpid()}")
    try:
        shutil.copyfile(work, tmp)
        fail_point("publish", tmp)  # fault-injection point for the publish-fault tests
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        pause_point("publish")  # fault-injection point for the crash-safety tests
        os.replace(tmp, published)
    except BaseException:
        with contextlib.suppress(OSError):  # a read-only folder keeps it: it never had one
            tmp.unlink(missing_ok=True)
        raise
    return published
