"""Where the suite finds its material: the checkout, and the read-only shared folder beside
it (the seed reports and the Improvement Service's LGBF files).

Imports nothing from ``orchestration``: ``tests/conftest.py`` reads it before it points the
environment at the session's temporary output folder.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _shared_dir() -> Path:
    """The read-only shared material beside the checkout (``SHARED_DIR`` overrides)."""
    if os.environ.get("SHARED_DIR"):
        return Path(os.environ["SHARED_DIR"])
    for candidate in (REPO.parent / "shared", REPO.parent.parent / "shared", Path("/work/shared")):
        if candidate.exists():
            return candidate
    return REPO.parent / "shared"


SHARED = _shared_dir()
SEEDS = SHARED / "seeds"
LGBF_DIR = SHARED / "data" / "lgbf"
SEED_RETURNS = REPO / "raw" / "returns"


def seed_line(seed_file: str, line: int) -> str:
    """One line of a seed report (1-based), for asserting that an expected value is printed there."""
    return (SEEDS / seed_file).read_text(encoding="utf-8").splitlines()[line - 1]
