"""A publishing step that cannot write says so in one line naming the folder.

A full disk or a folder gone read-only is not a bug to trace but something the operator must
fix on the machine, and retrying cannot fix it: ``Cannot publish to /srv/output: no space
left on device``, with no retry and no stack trace on the terminal (it stays in the run's
event log). Every writer of a published output writes beside its target and renames into
place, and removes what it wrote when that fails, so the last published warehouse, reports
and Parquet are left whole; the next run with space publishes (the published warehouse still
records the inputs of the last publish, so that run sees them changed).

Every publishing step that hits the same full disk says the same line (the CLI prints it
once).
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb

# What the operator must fix on the machine: no space (or quota), a read-only file system,
# no permission to write.
FOLDER_ERRORS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM)


def folder_reason(exc: BaseException) -> str | None:
    """Why a write failed, if the folder is the cause: ``no space left on device``. DuckDB
    (writing Parquet) raises its own error with the system's message in its text."""
    if isinstance(exc, OSError) and exc.errno in FOLDER_ERRORS:
        message = os.strerror(exc.errno)
    elif isinstance(exc, duckdb.Error):
        message = next((m for m in map(os.strerror, FOLDER_ERRORS) if m in str(exc)), None)
    else:
        return None
    return message[:1].lower() + message[1:] if message else None


@contextlib.contextmanager
def publishing_to(folder: Path) -> Iterator[None]:
    """Turn a write into ``folder`` that failed for the folder's sake into one line."""
    try:
        yield
    except (OSError, duckdb.Error) as exc:
        reason = folder_reason(exc)
        if reason is None:
            raise
        raise dg.Failure(
            description=f"Cannot publish to {folder}: {reason}", allow_retries=False
        ) from exc
