"""Build the project's own LGBF reference seeds from the files in raw/lgbf/.

* ``dbt_project/seeds/lgbf_indicator_reference.csv``: one row per indicator of the
  Improvement Service's metadata file that carries a direction (``One is high`` Yes / No), as
  published (code, title, category, domain, One is high), plus ``periods``: ``single_year``
  or ``rolling`` as the master workbook publishes the indicator (``CHN10 2016-19`` is a
  rolling three-year period). Lineage: metadata file, its sha256 and sheet row.
* ``dbt_project/seeds/lgbf_family_group_reference.csv``: each council's two family groups
  from ``SIMDvalues.xlsx``, with file, sha256 and row.

Direction, unit and family-group basis are derived from these columns in one place, the dbt
model ``stg_lgbf__indicators`` (with ``lgbf_corrections.csv``), for these rows and for any
metadata file landed later alike.

    python scripts/build_lgbf_reference.py
"""

from __future__ import annotations

import re
from pathlib import Path

from orchestration.fingerprints import sha256_of
from orchestration.lgbf.parse import read_family_groups, read_master_workbook, read_metadata

REPO = Path(__file__).resolve().parent.parent
LGBF = REPO / "raw" / "lgbf"
SEEDS = REPO / "dbt_project" / "seeds"
METADATA = LGBF / "Metadata - Shiny.xlsx"
FAMILY_GROUPS = LGBF / "SIMDvalues.xlsx"
WORKBOOK = LGBF / "new bnch data_Jan20.xlsx"
SINGLE_YEAR = re.compile(r"^(\d{4})-(\d{2})$")


def _is_single_year(label: str) -> bool:
    m = SINGLE_YEAR.match(label)
    return bool(m) and (int(m.group(1)) + 1) % 100 == int(m.group(2))


def main() -> None:
    values = read_master_workbook(WORKBOOK)
    values = values[values["value"].notna() & (values["council_published"] != "Scotland")]
    # Rolling: published in multi-year periods. (The survey indicators also have single-year
    # columns at the end of Raw Data; the corrections seed excludes those, as the Improvement
    # Service's tool does.)
    periods = {
        code: "single_year" if all(_is_single_year(label) for label in labels) else "rolling"
        for code, labels in values.groupby("code_published")["year_published"]
    }

    meta = read_metadata(METADATA)
    meta = meta[~meta["code_published"].str.endswith("-Real")]  # titles of the real-terms columns
    meta = meta.assign(
        periods=meta["code_published"].map(periods),
        source_file=METADATA.name,
        source_sha256=sha256_of(METADATA),
    )
    meta.to_csv(SEEDS / "lgbf_indicator_reference.csv", index=False)

    groups = read_family_groups(FAMILY_GROUPS).assign(
        source_file=FAMILY_GROUPS.name, source_sha256=sha256_of(FAMILY_GROUPS)
    )
    groups.to_csv(SEEDS / "lgbf_family_group_reference.csv", index=False)
    print(f"{len(meta)} indicators, {len(groups)} councils")


if __name__ == "__main__":
    main()
