"""Compare two warehouses table by table (``except all`` both ways), ignoring load times.

    python scripts/compare_warehouses.py BEFORE.duckdb AFTER.duckdb [OLD=NEW ...]

``OLD=NEW`` pairs name tables renamed between the two (``marts.lgbf_benchmark=marts.fct_lgbf_benchmark``):
the table before is compared with its new name after.

A refactor that changes no behaviour leaves every table identical: the same tables, the same
columns and the same rows (as multisets). Columns that record *when* something was loaded or
built (``loaded_at``, ``built_at``, ...) differ between any two runs and are left out. Prints
one line per table and exits 1 on any difference.
"""

from __future__ import annotations

import sys

import duckdb

# Wall-clock columns: when a run happened, not what it computed.
TIME_COLUMNS = {
    "loaded_at",
    "built_at",
    "logged_at",
    "submitted_at",
    "superseded_at",
    "rejected_at",
    "fetched_at",
    "returns_loaded_until",
    "known_from",
    "published_at",
    "ingested_at",
    "run_id",  # a run's random id
    # a hash of the dbt project itself, which a refactor changes by construction
    "project_fingerprint",
}


def tables(con, alias: str) -> dict[str, list[str]]:
    rows = con.execute(
        f"""select schema_name, table_name, list(column_name order by column_index)
            from duckdb_columns() where database_name = '{alias}' group by all"""
    ).fetchall()
    return {f"{s}.{t}": cols for s, t, cols in rows}


def main(before: str, after: str, *renamed: str) -> int:
    con = duckdb.connect()
    con.execute(f"attach '{before}' as a (read_only)")
    con.execute(f"attach '{after}' as b (read_only)")
    ta, tb = tables(con, "a"), tables(con, "b")
    new_name = dict(pair.split("=", 1) for pair in renamed)
    old_name = {new: old for old, new in new_name.items()}
    ta = {new_name.get(name, name): cols for name, cols in ta.items()}
    bad = 0
    for name in sorted(set(ta) | set(tb)):
        if name not in ta or name not in tb:
            print(f"DIFF {name}: only in {'before' if name in ta else 'after'}")
            bad += 1
            continue
        if ta[name] != tb[name]:
            print(f"DIFF {name}: columns {ta[name]} != {tb[name]}")
            bad += 1
            continue
        cols = ", ".join(f'"{c}"' for c in ta[name] if c not in TIME_COLUMNS)
        was = old_name.get(name, name)
        n = con.execute(f"select count(*) from a.{was}").fetchone()[0]
        only_a = con.execute(
            f"select count(*) from (select {cols} from a.{was} except all select {cols} from b.{name})"
        ).fetchone()[0]
        only_b = con.execute(
            f"select count(*) from (select {cols} from b.{name} except all select {cols} from a.{was})"
        ).fetchone()[0]
        status = "same" if only_a == only_b == 0 else "DIFF"
        bad += status == "DIFF"
        label = f"{was} -> {name}" if was != name else name
        print(f"{status} {label}: {n} rows; {only_a} only before, {only_b} only after")
    print(f"{len(set(ta) | set(tb))} tables, {bad} different")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
