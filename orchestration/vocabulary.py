"""Pentana's vocabulary and the dbt project's variables, read from their one declaration.

The words a council's performance system uses (gauges, target phasings, statuses, trends) are
dbt seeds, ``dbt_project/seeds/pentana_*.csv``: the staging models join them, the
``in_vocabulary`` dbt test accepts their words, and Python reads them here (the workbook
readers' rules, the reports' status colours and trend symbols, which a test holds to exactly
these words). Numbers the SQL and the tests share, such as the longest long trend, are dbt
variables in ``dbt_project/dbt_project.yml``, read here for the Python side.
"""

from __future__ import annotations

import csv
from functools import cache

import yaml

from orchestration.config import DBT_PROJECT_DIR

SEEDS_DIR = DBT_PROJECT_DIR / "seeds"
GAUGES = "pentana_gauges"
PHASINGS = "pentana_target_phasings"
STATUSES = "pentana_statuses"
TRENDS = "pentana_trends"


@cache
def seed_rows(seed: str) -> tuple[dict[str, str], ...]:
    """A dbt seed's rows as the CSV holds them (text; booleans are ``true`` / ``false``)."""
    with open(SEEDS_DIR / f"{seed}.csv", newline="", encoding="utf-8") as f:
        return tuple(csv.DictReader(f))


def words(seed: str, field: str, used_for: str | None = None) -> tuple[str, ...]:
    """The words of a vocabulary seed's ``field``, in the seed's order; with ``used_for``
    (a boolean column), only the rows where it is true."""
    return tuple(
        row[field].strip()
        for row in seed_rows(seed)
        if used_for is None or row[used_for].strip().lower() == "true"
    )


def statuses() -> tuple[str, ...]:
    """The statuses an indicator is judged with, in the seed's order."""
    return words(STATUSES, "status", "for_indicators")


def trends() -> tuple[str, ...]:
    return words(TRENDS, "trend")


def key_texts(seed: str) -> dict[str, str]:
    """Word -> what the report's key to the symbols says it means, in the seed's order (the
    words with a ``key_text``)."""
    field = {STATUSES: "status", TRENDS: "trend"}[seed]
    return {row[field]: row["key_text"] for row in seed_rows(seed) if row["key_text"].strip()}


def gauges() -> dict[str, str]:
    """Gauge word -> the warehouse's direction."""
    return {row["gauge"]: row["direction"] for row in seed_rows(GAUGES)}


@cache
def dbt_vars() -> dict:
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    return project.get("vars") or {}


def dbt_var(name: str):
    """A variable of the dbt project (``vars:`` in dbt_project.yml), as dbt's ``var()`` gives it."""
    return dbt_vars()[name]
