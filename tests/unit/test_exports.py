"""The Parquet exports: one file per exported mart with its rows, and none left behind for a
mart no longer exported (a Power BI report reading it would never see fresh data)."""

from __future__ import annotations

import duckdb

from orchestration.reports.exports import MART_TABLES, export_marts


def test_every_mart_is_exported_and_a_renamed_ones_old_file_removed(tmp_path):
    out = tmp_path / "parquet"
    out.mkdir()
    (out / "lgbf_benchmark.parquet").write_bytes(b"the export before the rename")
    with duckdb.connect() as con:
        con.execute("create schema marts")
        for n, table in enumerate(MART_TABLES):
            con.execute(f"create table marts.{table} as select * from range({n})")
        counts = export_marts(con, out)
        assert counts == {t: n for n, t in enumerate(MART_TABLES)}
        for table, n in counts.items():
            assert con.execute(f"select count(*) from '{out / table}.parquet'").fetchone() == (n,)
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{t}.parquet" for t in MART_TABLES)
