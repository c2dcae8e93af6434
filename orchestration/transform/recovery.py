"""Defence in depth: when a dbt build fails after an ingest, undo the load and name the file.

The reader checks every return against the rules the dbt tests declare
(:mod:`orchestration.workbook.rules`), so a bad return should never reach dbt. If one does (a
rule the reader does not know yet, a model that fails on data), the build's failure must not
stop publishing for good. After a failed ``dbt build``:

1. every failed test's failing rows are traced to return files through the lineage columns
   (``source_sha256``, else ``source_file``), by running the test's compiled SQL and, where it
   gives only the failing values (relationships, accepted values, not null...), finding the
   rows of the tested model that hold them;
2. the run's own load (``raw.return_ingest_log``) and the traced files are undone: their rows
   leave the raw tables and the rows they replaced come back, so the raw tables are as they
   were before they were loaded; the undo is logged (outcome ``undone``) so that the next
   build recomputes the financial years it touched;
3. the traced files still in the landing folder are quarantined with a report naming the test;
4. a ``Failure`` names the tests, the files and where they went. The published warehouse was
   not touched (``published_warehouse`` runs only after a successful build), and the next run
   loads this run's other files again and publishes without the bad ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import dagster as dg
import pandas as pd

from orchestration import config
from orchestration.fingerprints import sha256_of
from orchestration.returns.quarantine import quarantine
from orchestration.returns.store import files_loaded_by_run, log_ingest, unload

MAX_TRACED_VALUES = 10_000  # failing values looked up per test (a test failing on more is rare)


@dataclass
class FailedTest:
    name: str
    message: str
    files: set[tuple[str, str]] = field(default_factory=set)  # (source_file, source_sha256)


def _failed_nodes(run_results: dict) -> list[dict]:
    return [r for r in run_results.get("results", []) if r.get("status") in ("fail", "error")]


def _trace(con, node: dict, manifest: dict, result: dict) -> set[tuple[str, str]]:
    """The return files whose rows a failed test's failing rows come from (may be empty)."""
    sql = result.get("compiled_code") or node.get("compiled_code")
    if not sql or node.get("resource_type") != "test":
        return set()
    failing = con.execute(f"select * from ({sql}) limit {MAX_TRACED_VALUES}").df()
    columns = set(failing.columns)
    if "source_sha256" in columns:  # a singular test selecting whole rows
        names = failing["source_file"] if "source_file" in columns else [None] * len(failing)
        return {(n, s) for n, s in zip(names, failing["source_sha256"]) if s is not None}
    attached = manifest["nodes"].get(node.get("attached_node") or "", {})
    column = node.get("column_name")
    relation = attached.get("relation_name")
    if not (column and relation) or failing.empty:
        return set()
    model_columns = {
        r[0]
        for r in con.execute(
            "select column_name from duckdb_columns() where schema_name = ? and table_name = ?",
            [attached.get("schema"), attached.get("alias") or attached.get("name")],
        ).fetchall()
    }
    lineage = "source_sha256" if "source_sha256" in model_columns else "source_file"
    if lineage not in model_columns:
        return set()
    # A generic test's first column holds the failing values (relationships: from_field;
    # accepted_values: value_field; unique: unique_field; not_null: the null column).
    values = pd.DataFrame({"v": failing.iloc[:, 0].drop_duplicates()})
    con.register("failing_values", values)
    try:
        rows = con.execute(
            f"""select distinct {lineage} from {relation} as m
                where exists (select 1 from failing_values f where m."{column}" is not distinct from f.v)"""
        ).fetchall()
    finally:
        con.unregister("failing_values")
    if lineage == "source_sha256":
        return {(None, r[0]) for r in rows if r[0]}
    return {(r[0], None) for r in rows if r[0]}


def _resolve(con, files: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Fill in file names and hashes from ``raw.return_files`` (what is loaded now)."""
    loaded = con.execute("select source_file, source_sha256 from raw.return_files").fetchall()
    by_name, by_sha = dict(loaded), {s: n for n, s in loaded}
    out = set()
    for name, sha in files:
        sha = sha or by_name.get(name)
        name = name or by_sha.get(sha)
        if name and sha:
            out.add((name, sha))
    return out


def recover_from_failed_build(
    context: dg.AssetExecutionContext, con, run_results: dict, manifest: dict
) -> dg.Failure:
    """Undo this run's load and the traced files, quarantine them, and return the ``Failure``
    to raise. ``con`` is a connection to the working warehouse (dbt has exited)."""
    failed = _failed_tests(con, run_results, manifest, context.log)
    traced = set().union(*(t.files for t in failed)) if failed else set()
    this_run = set(files_loaded_by_run(con, context.run_id))
    undo = this_run | traced
    if undo:
        _undo(con, context.run_id, undo, failed)
    moved = _quarantine_traced(traced, failed)
    return dg.Failure(
        description=failure_description(failed, traced, this_run, moved),
        metadata={
            "failed_dbt_nodes": dg.MetadataValue.json([t.name for t in failed]),
            "files_traced": dg.MetadataValue.json(sorted(n for n, _ in traced)),
            "quarantined_to": dg.MetadataValue.json({n: str(p) for n, p in moved.items()}),
            "loads_undone": dg.MetadataValue.json(sorted(n for n, _ in undo)),
        },
        allow_retries=False,
    )


def _failed_tests(con, run_results: dict, manifest: dict, log) -> list[FailedTest]:
    """Every failed dbt node, with the return files its failing rows come from."""
    failed = []
    for result in _failed_nodes(run_results):
        node = manifest["nodes"].get(result["unique_id"], {})
        test = FailedTest(node.get("name", result["unique_id"]), str(result.get("message") or ""))
        try:
            test.files = _resolve(con, _trace(con, node, manifest, result))
        except Exception as exc:  # tracing is best effort: the failure is reported regardless
            log.warning(f"Could not trace {test.name} to return files: {exc}")
        failed.append(test)
    return failed


def _undo(con, run_id: str, undo: set[tuple[str, str]], failed: list[FailedTest]) -> None:
    """Take the files' rows out of the raw tables (the rows they replaced come back) and log
    the undo with each file's financial year, in one transaction."""
    years = dict(
        con.execute(
            "select source_sha256, financial_year from raw.return_files "
            "where source_sha256 in (select unnest(?))",
            [[sha for _, sha in undo]],
        ).fetchall()
    )
    tests = ", ".join(t.name for t in failed)
    logged = [
        {
            "source_file": name,
            "source_sha256": sha,
            "financial_year": years.get(sha),
            "message": f"undone after dbt failed: {tests}",
        }
        for name, sha in sorted(undo)
    ]
    con.execute("begin transaction")
    try:
        unload(con, [sha for _, sha in undo])
        log_ingest(con, run_id, datetime.now(UTC).replace(tzinfo=None), "undone", logged)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def _quarantine_traced(traced: set[tuple[str, str]], failed: list[FailedTest]) -> dict:
    """Move each traced file still in the returns folder (the same bytes) to quarantine;
    returns where each went."""
    moved = {}
    folder = config.returns_dir()
    for name, sha in sorted(traced):
        path = folder / name
        if path.is_file() and sha256_of(path) == sha:
            tests = [t for t in failed if (name, sha) in t.files]
            moved[name] = quarantine(path, quarantine_reason(name, tests))
    return moved


def quarantine_reason(name: str, tests: list[FailedTest]) -> str:
    """The report beside a quarantined file: the dbt tests its rows fail."""
    return (
        f"Return {name} rejected after loading: its rows fail the warehouse's data "
        "test(s) below, which the return reader does not check yet.\n"
        + "\n".join(f"  - dbt test {t.name}: {t.message}" for t in tests)
        + "\nThe load was undone: the warehouse holds what it held before this file."
    )


def failure_description(
    failed: list[FailedTest],
    traced: set[tuple[str, str]],
    this_run: set[tuple[str, str]],
    moved: dict,
) -> str:
    """What the run's failure says: the failed tests, each traced file and where it went,
    and what was undone."""
    lines = ["The dbt build failed:"]
    lines += [f"  - {t.name}: {t.message}" for t in failed] or ["  - (no test or model result)"]
    for name, _ in sorted(traced):
        where = f"moved to {moved[name]}" if name in moved else "no longer in the returns folder"
        lines.append(f"Rows failing come from {name}: {where}.")
    if this_run | traced:
        lines.append(
            f"Undone: this run's load of {len(this_run)} file(s) and {len(traced - this_run)} "
            "earlier load(s) traced to the failure; the raw tables are as they were before them. "
            "The published warehouse was not changed; the next run loads the other files again "
            "and publishes without the quarantined ones."
        )
    else:
        lines.append("No return file could be traced from the failing rows; nothing was undone.")
    return "\n".join(lines)
