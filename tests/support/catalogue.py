"""The indicator catalogue transcribed from the seed reports (Midlothian's framework is built
from it by scripts/build_framework.py), as seen from Python: codes and units."""

from __future__ import annotations

import csv

from orchestration.config import REPO_ROOT

CATALOGUE_CSV = REPO_ROOT / "raw" / "transcription" / "framework_indicators.csv"


def known_indicator_codes() -> set[str]:
    with open(CATALOGUE_CSV, newline="", encoding="utf-8") as f:
        return {row["indicator_code"].strip() for row in csv.DictReader(f)}
