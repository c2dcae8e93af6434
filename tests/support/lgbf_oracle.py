"""An independent computation of LGBF ranks, in pandas, straight from the Improvement
Service's files: the workbook's ``Raw Data`` sheet, the metadata file's ``One is high`` and
``Category``, ``SIMDvalues.xlsx`` and the corrections seed (the documented exclusions and
direction fixes, which define which series have a known direction). It shares no code with
the pipeline: 1 = best by direction, ties share the better rank, unrounded values, sets with
values for 16 or fewer councils unranked.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd

from tests.support.paths import LGBF_DIR, REPO

METADATA = LGBF_DIR / "Metadata - Shiny.xlsx"
FAMILY_GROUPS = LGBF_DIR / "SIMDvalues.xlsx"
CORRECTIONS = REPO / "dbt_project" / "seeds" / "lgbf_corrections.csv"
HEADER = re.compile(r"^(.+) (\d{4})-(\d{2})$")  # `<code> <period>`; `... Real` columns excluded


def _corrections():
    with open(CORRECTIONS, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    directions = {
        r["indicator_code"]: r["direction"] for r in rows if r["correction"] == "direction"
    }
    exclusions = [r for r in rows if r["correction"] == "exclude"]
    return directions, exclusions


def _excluded(exclusions, code, period, single):
    for r in exclusions:
        if r["indicator_code"] != code:
            continue
        if r["period_type"] and r["period_type"] != ("single_year" if single else "rolling"):
            continue
        if r["first_period"] and period < r["first_period"]:
            continue
        if r["last_period"] and period > r["last_period"]:
            continue
        return True
    return False


def independent_ranks(workbook: Path) -> dict:
    """(code, council, period) -> (rank, family-group rank, family-group size, fg average) for
    every council value of the workbook with a known direction in a set of more than 16."""
    meta = pd.read_excel(METADATA, dtype=str)
    meta = meta[meta["One is high"].isin(["Yes", "No"])]
    meta_code = meta["Variable name"].str.replace(" ", "")
    higher = dict(zip(meta_code, meta["One is high"] == "Yes"))
    people = dict(zip(meta_code, meta["Category"] == "People Services"))
    directions, exclusions = _corrections()
    for code, direction in directions.items():
        higher[code] = direction == "higher_is_better"
    fg = pd.read_excel(FAMILY_GROUPS).set_index("Local Authority")

    raw = pd.read_excel(workbook, sheet_name="Raw Data", header=None)
    known = set(fg.index) - {"Scotland"}
    out = {}
    for j in range(1, raw.shape[1]):
        m = HEADER.match(str(raw.iat[0, j]).strip())
        if not m:
            continue
        code = m.group(1).replace(" ", "")
        start, end = int(m.group(2)), int(m.group(3))
        single = (start + 1) % 100 == end
        period = f"{start}/{end:02d}"
        if code not in higher or _excluded(exclusions, code, period, single):
            continue
        values = pd.to_numeric(
            pd.Series(raw.iloc[1:, j].tolist(), index=raw.iloc[1:, 0].tolist()), errors="coerce"
        )
        values = values[values.index.isin(known)]  # the 32 councils of SIMDvalues.xlsx
        if values.notna().sum() <= 16:
            continue
        ranks = values.rank(method="min", ascending=not higher[code])
        group = fg.loc[values.index, "deprivationFG_2012" if people[code] else "popdensityFG_2012"]
        fg_ranks = values.groupby(group).rank(method="min", ascending=not higher[code])
        fg_sizes = values.groupby(group).transform("count")
        fg_means = values.groupby(group).transform("mean")
        for council in values.index[values.notna()]:
            out[(code, council, period)] = (
                int(ranks[council]),
                int(fg_ranks[council]),
                int(fg_sizes[council]),
                float(fg_means[council]),
            )
    return out
