"""The indicator catalogue (a dbt seed) as seen from Python: which PI codes a return may use."""

from __future__ import annotations

import csv

from orchestration.settings import DBT_PROJECT_DIR

CATALOGUE_CSV = DBT_PROJECT_DIR / "seeds" / "indicator_catalogue.csv"


def known_indicator_codes() -> set[str]:
    with open(CATALOGUE_CSV, newline="", encoding="utf-8") as f:
        return {row["indicator_code"].strip() for row in csv.DictReader(f)}
