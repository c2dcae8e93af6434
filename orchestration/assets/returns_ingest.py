"""Ingest the quarterly return workbooks of one or more financial quarters into ``raw.*``.

One multi-asset parses each workbook once and writes the raw tables (files, indicator
values, actions, risks).

* A file whose sha256 is already loaded is not read again: reloading is idempotent and a
  quarter's load costs only what changed.
* A new or resubmitted file replaces what was loaded for its council, service and quarter;
  the replaced rows move to the ``raw.*_replaced`` audit tables.
* Every changed file is read and validated before anything is written, and the write is one
  transaction. A rejected file is moved to the quarantine folder with a report beside it,
  the run fails, and the warehouse stays exactly as it was; the next run loads the rest.
"""

from datetime import UTC, datetime

import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration import settings
from orchestration.catalogue import known_indicator_codes
from orchestration.faults import pause_point
from orchestration.partitions import FinancialQuarter, financial_quarters
from orchestration.quarantine import quarantine
from orchestration.returns import format as fmt
from orchestration.returns.batch import ReaderPool
from orchestration.returns.reader import sha256_of
from orchestration.warehouse import ensure_raw_schema, loaded_files, write_returns

RAW_RETURN_TABLES = {
    "return_files": "One row per loaded return workbook (who, when, sha256)",
    "return_indicator_values": "Indicator values from the returns' Indicators sheets",
    "return_actions": "Action progress from the returns' Actions sheets",
    "return_risks": "Risk register entries from the returns' Risks sheets",
}


BATCH_FILES = 1000  # files parsed and held in memory at once


def files_for(quarters: list[FinancialQuarter]) -> list:
    """Return workbooks in the returns folder for these quarters, by file name."""
    wanted = {q.key for q in quarters}
    found = []
    folder = settings.returns_dir()
    for path in sorted(folder.glob("*.xlsx")) if folder.exists() else []:
        m = fmt.FILE_NAME.match(path.name)
        if m and f"{m.group('fy')}-Q{m.group('q')}" in wanted:
            found.append(path)
    return found


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            key=["raw", table],
            description=description,
            group_name="returns_ingest",
            kinds={"python", "duckdb"},
        )
        for table, description in RAW_RETURN_TABLES.items()
    ],
    partitions_def=financial_quarters,
    # A backfill of many quarters runs as one process: startup dominates the cost of a load.
    backfill_policy=dg.BackfillPolicy.single_run(),
    retry_policy=dg.RetryPolicy(max_retries=2, delay=2),
    pool="warehouse",
)
def quarterly_returns(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
    quarters = [FinancialQuarter.from_key(k) for k in context.partition_keys]
    paths = files_for(quarters)
    codes = known_indicator_codes()
    counts = {t: 0 for t in RAW_RETURN_TABLES}
    loaded_names, rejected = [], []
    now = datetime.now(UTC).replace(tzinfo=None)
    with duckdb.get_connection() as con:
        ensure_raw_schema(con)
        loaded = loaded_files(con, [q.key for q in quarters])
        shas = {p: sha256_of(p) for p in paths}  # read each file's bytes once for hashing
        changed = [p for p in paths if loaded.get(p.name) != shas[p]]
        # One transaction for the whole load, filled batch by batch so that memory stays
        # bounded on a national backfill. Any rejection rolls all of it back.
        con.execute("begin transaction")
        try:
            with ReaderPool(len(changed)) as pool:
                for start in range(0, len(changed), BATCH_FILES):
                    batch = changed[start : start + BATCH_FILES]
                    parsed, bad = pool.read(batch, codes, [shas[p] for p in batch])
                    rejected += bad
                    if rejected:
                        continue  # keep validating, to report every bad file at once
                    written = write_returns(con, parsed, now)
                    counts = {t: counts[t] + written[t] for t in counts}
                    loaded_names += [p.path.name for p in parsed]
            if rejected:
                con.execute("rollback")
            else:
                pause_point("ingest")  # fault-injection point for the crash-safety tests
                con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    if rejected:
        # The warehouse keeps its last good state. The rejected files leave the landing
        # folder so that the next run can load the others.
        moved = [quarantine(exc.path, str(exc)) for exc in rejected]
        raise dg.Failure(
            description="\n\n".join(str(e) for e in rejected),
            metadata={
                "rejected_files": [e.path.name for e in rejected],
                "quarantined_to": [str(m) for m in moved],
            },
            allow_retries=False,
        )
    context.log.info(
        f"{len(paths)} return file(s) for {len(quarters)} quarter(s): {len(loaded_names)} new or changed, "
        f"{len(paths) - len(loaded_names)} unchanged (not re-read); rows written {counts}"
    )
    for table in RAW_RETURN_TABLES:
        yield dg.MaterializeResult(
            asset_key=["raw", table],
            metadata={
                "rows_written": dg.MetadataValue.int(counts[table]),
                "files_loaded": dg.MetadataValue.int(len(loaded_names)),
                "files_unchanged": dg.MetadataValue.int(len(paths) - len(loaded_names)),
                "warehouse": dg.MetadataValue.path(str(settings.work_warehouse_path())),
            },
        )
