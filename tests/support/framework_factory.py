"""Framework workbooks for tests: Midlothian's as read, changed row by row, written again."""

from __future__ import annotations

import copy
from pathlib import Path

from orchestration.config import raw_dir
from orchestration.frameworks import format as ffmt
from orchestration.frameworks.reader import read_framework
from orchestration.frameworks.writer import write_framework


def frameworks_dir() -> Path:
    return raw_dir() / "frameworks"


def midlothian_rows() -> tuple[dict, dict[str, list[dict]]]:
    """Metadata and sheets of the checked-in Midlothian framework, as plain cell values."""
    fw = read_framework(frameworks_dir() / ffmt.file_name("Midlothian"))
    sheets = {}
    for name, records in fw.sheets.items():
        sheets[name] = [
            {k: (v[0] if isinstance(v, tuple) else v) for k, v in rec.items()} for rec in records
        ]
    return dict(fw.metadata), copy.deepcopy(sheets)


def write(folder: Path, metadata: dict, sheets: dict, name: str | None = None) -> Path:
    path = folder / (name or ffmt.file_name(metadata["Council"]))
    return write_framework(path, metadata, sheets)
