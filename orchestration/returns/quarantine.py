"""Move a rejected return out of the landing folder, with a short report beside it.

The quarantine folder (``QUARANTINE_DIR``, default ``raw/quarantine/``, git-ignored) keeps
every rejected file as received, named ``<UTC time>__<file>``, and ``<that name>.txt``
saying why, so the performance officer can be told exactly what to fix.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

from orchestration import config


def quarantine(path: Path, reason: str) -> Path:
    folder = config.quarantine_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = folder / f"{stamp}__{path.name}"
    report = target.with_name(target.name + ".txt")
    report.write_text(
        f"Rejected: {path.name}\nFrom: {path}\nAt: {stamp}\n\n{reason}\n\n"
        "Nothing from this file was loaded. Fix the problems above and submit the file again.\n",
        encoding="utf-8",
    )
    try:
        os.replace(path, target)  # same filesystem: atomic
    except OSError:
        shutil.move(str(path), target)
    return target
