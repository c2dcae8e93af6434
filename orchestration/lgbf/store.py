"""The raw LGBF tables in the working warehouse. Publications are append-only data; the
metadata and family-group tables hold the last file landed of each (replaced only when a file
with other content is landed)."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from orchestration.lgbf.parse import LONG_COLUMNS

DDL = {
    "lgbf_publications": """
        publication_id varchar, source varchar, file_name varchar, layout varchar, kind varchar,
        sha256 varchar, published_on date, retrieved_at varchar, etag varchar,
        last_modified varchar, ingested_at timestamp, value_rows integer,
        release_name varchar, published_on_basis varchar, cash_published boolean""",
    "lgbf_values": """
        publication_id varchar, code_published varchar, council_published varchar,
        year_published varchar, value double, value_real double, numerator double,
        denominator double, published_fg_average double, published_family_group integer,
        source_sheet varchar, source_row integer, source_column varchar""",
    "lgbf_indicator_metadata": """
        code_published varchar, title varchar, category varchar, domain varchar,
        one_is_high varchar, source_file varchar, source_sha256 varchar, source_row integer""",
    "lgbf_family_groups": """
        council_published varchar, people_services_family_group integer,
        other_services_family_group integer, source_file varchar, source_sha256 varchar,
        source_row integer""",
}
LGBF_TABLES = tuple(DDL)


def ensure_lgbf_schema(con) -> None:
    con.execute("create schema if not exists raw")
    for table, columns in DDL.items():
        con.execute(f"create table if not exists raw.{table} ({columns})")
        # A warehouse made before a column was added gets it (null for the rows it holds).
        for column in columns.split(","):
            con.execute(f"alter table raw.{table} add column if not exists {column.strip()}")


def loaded_reference_sha(con, table: str) -> str | None:
    """The sha256 of the file the metadata / family-group table was last loaded from."""
    ensure_lgbf_schema(con)
    row = con.execute(f"select any_value(source_sha256) from raw.{table}").fetchone()
    return row[0] if row else None


def known_publications(con) -> set[str]:
    ensure_lgbf_schema(con)
    return {r[0] for r in con.execute("select sha256 from raw.lgbf_publications").fetchall()}


def _insert(con, table: str, df: pd.DataFrame) -> None:
    if len(df):
        con.register("incoming", df)
        cols = ", ".join(df.columns)
        con.execute(f"insert into raw.{table} ({cols}) select {cols} from incoming")
        con.unregister("incoming")


def write(
    con, publications: list[dict], metadata: pd.DataFrame | None, family_groups: pd.DataFrame | None
) -> dict:
    """One transaction: append new publications; replace metadata / family groups if given."""
    ensure_lgbf_schema(con)
    now = datetime.now(UTC).replace(tzinfo=None)
    con.execute("begin transaction")
    try:
        for pub in publications:
            values = pub["values"][LONG_COLUMNS].copy()
            values.insert(0, "publication_id", pub["publication_id"])
            _insert(con, "lgbf_values", values)
            record = {k: v for k, v in pub.items() if k != "values"}
            record["ingested_at"] = now
            record["value_rows"] = len(values)
            _insert(con, "lgbf_publications", pd.DataFrame([record]))
        if metadata is not None:
            con.execute("delete from raw.lgbf_indicator_metadata")
            _insert(con, "lgbf_indicator_metadata", metadata)
        if family_groups is not None:
            con.execute("delete from raw.lgbf_family_groups")
            _insert(con, "lgbf_family_groups", family_groups)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    counts = {t: con.execute(f"select count(*) from raw.{t}").fetchone()[0] for t in LGBF_TABLES}
    return counts
