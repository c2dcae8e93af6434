"""The PI codes each council's returns may use, and each PI's limits, when no warehouse is at hand.

The returns ingest asks the warehouse for the frameworks in force
(:func:`orchestration.frameworks.store.codes_in_force`). Reading a return on its own (the
tests, ``scripts/benchmark.py``) reads the framework workbooks in the framework folder.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from orchestration import config
from orchestration.frameworks.reader import read_framework
from orchestration.workbook.values import PiLimits, pi_limits

Pis = dict[str, dict[str, PiLimits]]  # council -> PI code -> its limits (the version in force)


def number(value):
    """A number cell as the framework reader gives it: ``(value, is_percent)``, or None."""
    return value[0] if isinstance(value, tuple) else value


@cache
def _codes(folder: Path, stamp: tuple) -> Pis:
    out: Pis = {}
    for path in sorted(folder.glob("*.xlsx")):
        fw = read_framework(path)
        rows = sorted(fw.sheets["Indicators"], key=lambda r: str(r.get("Effective From") or ""))
        out[fw.council] = {  # the latest version of each PI wins, as is_current in staging
            r["PI Code"]: pi_limits(
                r["Unit"], number(r.get("Min Value")), number(r.get("Max Value"))
            )
            for r in rows
        }
    return out


def codes_from_folder(folder: Path | None = None) -> Pis:
    """council -> {PI code: its limits} of its framework workbook in the framework folder."""
    folder = folder or config.frameworks_dir()
    paths = sorted(folder.glob("*.xlsx")) if folder.exists() else []
    stamp = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in paths)
    return _codes(folder, stamp)
