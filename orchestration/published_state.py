"""What the published warehouse already holds, so that runs start only for something new.

The published warehouse (``output/warehouse.duckdb``) is what the last successful run
published: its ``raw`` tables record each return workbook and LGBF file loaded, by sha256.
It is only ever replaced atomically, so reading it (read-only) never waits for, nor blocks, a
run writing the working copy. The returns landing sensor and ``python -m orchestration.cli
run`` both compare the landing folders with it.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration import settings


def _query(sql: str, path: Path | None = None) -> list[tuple]:
    """Rows of ``sql`` on the published warehouse; none when it or the table does not exist."""
    path = path or settings.published_warehouse_path()
    if not path.exists():
        return []
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            return con.execute(sql).fetchall()
    except duckdb.CatalogException:
        return []  # published before that table existed


def loaded_returns(path: Path | None = None) -> dict[str, str]:
    """Return workbook name -> sha256 of the content the published warehouse holds for it."""
    return dict(_query("select source_file, source_sha256 from raw.return_files", path))


def loaded_lgbf_files(path: Path | None = None) -> set[str]:
    """sha256 of every LGBF publication, metadata and family-group file the warehouse holds."""
    rows = _query(
        """select sha256 from raw.lgbf_publications
           union select source_sha256 from raw.lgbf_indicator_metadata
           union select source_sha256 from raw.lgbf_family_groups""",
        path,
    )
    return {r[0] for r in rows}
