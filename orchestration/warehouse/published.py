"""What the published warehouse holds: the one reader of it outside the analysts' own tools.

The published file (``WAREHOUSE_PATH``) is only ever replaced atomically
(:mod:`orchestration.warehouse.publish`), so reading it read-only never waits for a run and
never sees half a build. The change check (:mod:`orchestration.planning.changes`) and the
returns landing sensor ask it which input files it was built from.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration import config

# The input files a publish was built from, by kind: the sha256 columns that record them.
INPUT_FILES = {
    "returns": ("select source_sha256 from raw.return_files",),
    # A framework read and rejected counts as read: reading it again would reject it again.
    "frameworks": (
        "select source_sha256 from raw.framework_files",
        "select source_sha256 from raw.framework_rejections",
    ),
    "lgbf": (
        "select sha256 from raw.lgbf_publications",
        "select source_sha256 from raw.lgbf_indicator_metadata",
        "select source_sha256 from raw.lgbf_family_groups",
    ),
}


def connect(path: Path | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the published warehouse (default ``WAREHOUSE_PATH``)."""
    return duckdb.connect(str(path or config.published_warehouse_path()), read_only=True)


def input_sha256s(kind: str, path: Path | None = None) -> set[str]:
    """sha256 of every input file of ``kind`` (a key of :data:`INPUT_FILES`) the published
    warehouse holds; empty before the first publish or before that kind's tables existed."""
    path = path or config.published_warehouse_path()
    if not path.exists():
        return set()
    try:
        with connect(path) as con:
            rows = con.execute(" union ".join(INPUT_FILES[kind])).fetchall()
    except duckdb.CatalogException:  # published before these tables existed
        return set()
    return {r[0] for r in rows}
