"""Ingest the quarterly return workbooks of one or more financial quarters into ``raw.*``.

One multi-asset parses each workbook once and writes the raw tables (files, indicator
values, actions, risks, narrative).

* A file whose sha256 is already loaded is not read again: reloading is idempotent and a
  quarter's load costs only what changed.
* A new or resubmitted file replaces what was loaded for its council, service and quarter;
  the replaced rows move to the ``raw.*_replaced`` audit tables.
* Every changed file is read and checked against the return format and the data rules (the
  dbt tests on the staging models, :mod:`orchestration.workbook.rules`) before anything is
  written. A bad file is rejected whole and moved to the quarantine folder with a report;
  the good files of the batch are loaded in one transaction and go on to be built and
  published. The asset check ``every_return_accepted`` fails (severity ERROR) naming each
  rejected file and where it went, and ``python -m orchestration.ops.cli run`` exits non-zero.
* A file in the returns folder whose name is not a return's is never ignored: it is
  quarantined the same way, its report giving the expected pattern.
* Every load is logged in ``raw.return_ingest_log`` with the run's id, so that a dbt test
  failing later in the run can undo exactly this run's load (``orchestration/transform/recovery.py``).
"""

from datetime import UTC, datetime

import dagster as dg

from orchestration import config
from orchestration.defs.resources import Warehouse
from orchestration.faults import pause_point
from orchestration.fingerprints import sha256_of
from orchestration.frameworks.in_force import codes_from_folder
from orchestration.frameworks.store import codes_in_force
from orchestration.periods import FinancialQuarter, financial_quarters
from orchestration.returns import landing
from orchestration.returns.batch import ReaderPool
from orchestration.returns.quarantine import quarantine
from orchestration.returns.store import ensure_raw_schema, loaded_files, log_ingest, write_returns

RAW_RETURN_TABLES = {
    "return_files": "One row per loaded return workbook (who, when, sha256)",
    "return_indicator_values": "Indicator values from the returns' Indicators sheets",
    "return_actions": "Action progress from the returns' Actions sheets",
    "return_risks": "Risk register entries from the returns' Risks sheets",
    "return_narrative": "The report narrative from the returns' optional Narrative sheets",
}
ACCEPTED_CHECK = "every_return_accepted"
ACCEPTED_CHECK_DESCRIPTION = (
    "Every return workbook in the landing folder for the run's quarters was accepted. Fails "
    "(ERROR) naming each rejected file, why, and where it was moved; the good files of the "
    "batch are loaded and published all the same."
)

BATCH_FILES = 1000  # files parsed and held in memory at once


def rejection_line(r: dict) -> str:
    return (
        f"Rejected {r['source_file']}: moved to {r['quarantined_to']} ({r['problems']} problem(s))"
    )


def rejection_summary(rejections: list[dict]) -> str:
    """One line per rejected file (where it went), then each file's problems."""
    lines = "\n".join(rejection_line(r) for r in rejections)
    return lines + "\n\n" + "\n\n".join(r["message"] for r in rejections)


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            key=["raw", table],
            description=description,
            group_name="returns_ingest",
            kinds={"python", "duckdb"},
            # a return is checked against its council's framework in force
            deps=[dg.AssetKey(["raw", "framework_files"])],
        )
        for table, description in RAW_RETURN_TABLES.items()
    ],
    check_specs=[
        dg.AssetCheckSpec(
            ACCEPTED_CHECK, asset=["raw", "return_files"], description=ACCEPTED_CHECK_DESCRIPTION
        )
    ],
    partitions_def=financial_quarters,
    # A backfill of many quarters runs as one process: startup dominates the cost of a load.
    backfill_policy=dg.BackfillPolicy.single_run(),
    retry_policy=dg.RetryPolicy(max_retries=2, delay=2),
    pool="warehouse",
)
def quarterly_returns(context: dg.AssetExecutionContext, warehouse: Warehouse):
    quarters = [FinancialQuarter.from_key(k) for k in context.partition_keys]
    found = landing.scan(config.returns_dir())
    paths = found.for_quarters(q.key for q in quarters)
    counts = {t: 0 for t in RAW_RETURN_TABLES}
    loaded, rejected = [], []
    now = datetime.now(UTC).replace(tzinfo=None)
    with warehouse.get_connection() as con:
        ensure_raw_schema(con)
        held = loaded_files(con, [q.key for q in quarters])
        shas = {p: sha256_of(p) for p in paths}  # read each file's bytes once for hashing
        changed = [p for p in paths if held.get(p.name) != shas[p]]
        # The good files of every batch are written in one transaction (all or nothing if the
        # process dies); a rejected file is left out, never the whole load.
        con.execute("begin transaction")
        try:
            # A warehouse without a framework load yet (a quarter loaded on its own): the
            # framework workbooks in the framework folder, as a reader on its own uses.
            codes = codes_in_force(con) or codes_from_folder()
            with ReaderPool(len(changed), codes=codes) as pool:
                for start in range(0, len(changed), BATCH_FILES):
                    batch = changed[start : start + BATCH_FILES]
                    parsed, bad = pool.read(batch, [shas[p] for p in batch])
                    rejected += bad
                    written = write_returns(con, parsed, now)
                    counts = {t: counts[t] + written[t] for t in counts}
                    loaded += parsed
            log_ingest(
                con,
                context.run_id,
                now,
                "loaded",
                [
                    {
                        "source_file": r.path.name,
                        "source_sha256": r.sha256,
                        "partition_key": r.partition_key,
                        "council": r.council,
                        "service": r.service,
                        "financial_year": r.quarter.financial_year,
                    }
                    for r in loaded
                ],
            )
            pause_point("ingest")  # fault-injection point for the crash-safety tests
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
        # Rejected files leave the landing folder (so that the next run does not trip over
        # them again), each with a report; misnamed files too.
        rejections = [
            {
                "source_file": exc.path.name,
                "source_sha256": shas[exc.path],
                "partition_key": landing.partition_key_of(exc.path.name),
                "quarantined_to": str(quarantine(exc.path, str(exc))),
                "problems": len(exc.problems) + exc.more,
                "message": str(exc),
            }
            for exc in rejected
        ]
        for path in found.misnamed:
            message = f"{path.name}: {landing.EXPECTED_NAME}"
            rejections.append(
                {
                    "source_file": path.name,
                    "source_sha256": sha256_of(path),
                    "partition_key": landing.quarter_mentioned(path.name),
                    "quarantined_to": str(quarantine(path, message)),
                    "problems": 1,
                    "message": message,
                }
            )
        log_ingest(con, context.run_id, now, "rejected", rejections)

    unchanged = len(paths) - len(changed)
    context.log.info(
        f"{len(paths)} return file(s) for {len(quarters)} quarter(s): {len(loaded)} loaded, "
        f"{len(rejections)} rejected, {unchanged} unchanged (not re-read); rows written {counts}"
    )
    for r in rejections:  # one line each; every problem is in the check's description
        context.log.error(rejection_line(r))
    for table in RAW_RETURN_TABLES:
        yield dg.MaterializeResult(
            asset_key=["raw", table],
            metadata={
                "rows_written": dg.MetadataValue.int(counts[table]),
                "files_loaded": dg.MetadataValue.int(len(loaded)),
                "files_rejected": dg.MetadataValue.int(len(rejections)),
                "files_unchanged": dg.MetadataValue.int(unchanged),
                "warehouse": dg.MetadataValue.path(str(config.work_warehouse_path())),
            },
        )
    yield dg.AssetCheckResult(
        asset_key=["raw", "return_files"],
        check_name=ACCEPTED_CHECK,
        passed=not rejections,
        severity=dg.AssetCheckSeverity.ERROR,
        description=rejection_summary(rejections) if rejections else None,
        metadata={
            "rejected_files": dg.MetadataValue.json([r["source_file"] for r in rejections]),
            "quarantined_to": dg.MetadataValue.json([r["quarantined_to"] for r in rejections]),
        },
    )
