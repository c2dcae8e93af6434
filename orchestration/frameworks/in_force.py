"""The PI codes each council's returns may use, when no warehouse is at hand.

The returns ingest asks the warehouse for the frameworks in force
(:func:`orchestration.frameworks.store.codes_in_force`). Reading a return on its own (the
tests, ``scripts/benchmark.py``) reads the framework workbooks in the framework folder.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from orchestration import config
from orchestration.frameworks.reader import read_framework


@cache
def _codes(folder: Path, stamp: tuple) -> dict[str, frozenset[str]]:
    out = {}
    for path in sorted(folder.glob("*.xlsx")):
        fw = read_framework(path)
        out[fw.council] = frozenset(r["PI Code"] for r in fw.sheets["Indicators"])
    return out


def codes_from_folder(folder: Path | None = None) -> dict[str, frozenset[str]]:
    """council -> PI codes of its framework workbook in the framework folder."""
    folder = folder or config.frameworks_dir()
    paths = sorted(folder.glob("*.xlsx")) if folder.exists() else []
    stamp = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in paths)
    return _codes(folder, stamp)
