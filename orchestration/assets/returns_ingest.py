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


import os
from concurrent.futures import ProcessPoolExecutor

import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration import settings
from orchestration.catalogue import known_indicator_codes
from orchestration.partitions import FinancialQuarter, financial_quarters
from orchestration.quarantine import quarantine
from orchestration.returns import format as fmt
from orchestration.returns.reader import ReturnRejected, read_return, sha256_of
from orchestration.warehouse import loaded_files, upsert_returns

RAW_RETURN_TABLES = {
    "return_files": "One row per loaded return workbook (who, when, sha256)",
    "return_indicator_values": "Indicator values from the returns' Indicators sheets",
    "return_actions": "Action progress from the returns' Actions sheets",
    "return_risks": "Risk register entries from the returns' Risks sheets",
}


PARALLEL_FROM = 40  # below this many files a process pool costs more than it saves


def _read(path, codes):
    """Read one file in a worker; rejections come back as data (exceptions pickle poorly)."""
    try:
        return read_return(path, known_codes=codes), None
    except ReturnRejected as exc:
        return None, (exc.path, exc.problems)


def read_all(paths: list, codes: set[str]) -> tuple[list, list[ReturnRejected]]:
    """Read and validate files, on every core when there are many (a national backfill)."""
    if len(paths) >= PARALLEL_FROM and (os.cpu_count() or 1) > 1:
        with ProcessPoolExecutor(max_workers=os.cpu_count()) as pool:
            results = list(pool.map(_read, paths, [codes] * len(paths), chunksize=16))
    else:
        results = [_read(p, codes) for p in paths]
    parsed = [ok for ok, _ in results if ok is not None]
    rejected = [ReturnRejected(path, problems) for _, bad in results if bad for path, problems in [bad]]
    return parsed, rejected


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
    with duckdb.get_connection() as con:
        loaded = loaded_files(con, [q.key for q in quarters])
    changed = [p for p in paths if loaded.get(p.name) != sha256_of(p)]
    parsed, rejected = read_all(changed, known_indicator_codes())
    if rejected:
        # Fail before any write: the warehouse keeps its last good state. The rejected files
        # leave the landing folder so that the next run can load the others.
        moved = [quarantine(exc.path, str(exc)) for exc in rejected]
        raise dg.Failure(
            description="\n\n".join(str(e) for e in rejected),
            metadata={
                "rejected_files": [e.path.name for e in rejected],
                "quarantined_to": [str(m) for m in moved],
            },
            allow_retries=False,
        )
    with duckdb.get_connection() as con:
        counts = upsert_returns(con, parsed) if parsed else {t: 0 for t in RAW_RETURN_TABLES}
    context.log.info(
        f"{len(paths)} return file(s) for {len(quarters)} quarter(s): {len(parsed)} new or changed, "
        f"{len(paths) - len(parsed)} unchanged (not re-read); rows written {counts}"
    )
    files = [p.path.name for p in parsed]
    for table in RAW_RETURN_TABLES:
        yield dg.MaterializeResult(
            asset_key=["raw", table],
            metadata={
                "rows_written": dg.MetadataValue.int(counts[table]),
                "files_loaded": dg.MetadataValue.json(files),
                "files_unchanged": dg.MetadataValue.int(len(paths) - len(parsed)),
                "warehouse": dg.MetadataValue.path(str(settings.work_warehouse_path())),
            },
        )
