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
* The steps are :mod:`orchestration.returns.load`'s; this is their Dagster wrapper.
* Every load is logged in ``raw.return_ingest_log`` with the run's id, so that a dbt test
  failing later in the run can undo exactly this run's load (``orchestration/transform/recovery.py``).
"""

from datetime import UTC, datetime

import dagster as dg

from orchestration import config
from orchestration.defs.partitions import financial_quarters
from orchestration.defs.resources import Warehouse
from orchestration.periods import FinancialQuarter
from orchestration.returns import landing
from orchestration.returns.load import load_returns, rejection_line, rejection_summary, set_aside

RAW_RETURN_TABLES = {
    "return_files": "One row per loaded return workbook (who, when, sha256)",
    "return_indicator_values": "Indicator values from the returns' Indicators sheets",
    "return_actions": "Action progress from the returns' Actions sheets",
    "return_risks": "Risk register entries from the returns' Risks sheets",
    "return_narrative": "The report narrative from the returns' optional Narrative sheets",
}
ACCEPTED_CHECK = "every_return_accepted"
# On the run's row in the UI's Runs page, which shows a run with a failed check as Success:
# the run is a success (the good returns were published), and this tag says what was not.
REJECTED_TAG = "returns/rejected"
ACCEPTED_CHECK_DESCRIPTION = (
    "Every return workbook in the landing folder for the run's quarters was accepted. Fails "
    "(ERROR) naming each rejected file, why, and where it was moved; the good files of the "
    "batch are loaded and published all the same."
)


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
    keys = [FinancialQuarter.from_key(k).key for k in context.partition_keys]
    found = landing.scan(config.returns_dir())
    paths = found.for_quarters(keys)
    now = datetime.now(UTC).replace(tzinfo=None)
    with warehouse.get_connection() as con:
        load = load_returns(con, paths, keys, context.run_id, now)
        rejections = set_aside(con, load, found.misnamed, context.run_id, now)
    context.log.info(
        f"{load.files} return file(s) for {len(keys)} quarter(s): {len(load.loaded)} loaded, "
        f"{len(rejections)} rejected, {load.unchanged} unchanged (not re-read); "
        f"rows written {load.rows}"
    )
    for r in rejections:  # one line each; every problem is in the check's description
        context.log.error(rejection_line(r))
    if rejections:
        context.instance.add_run_tags(
            context.run_id,
            {REJECTED_TAG: f"{len(rejections)} return(s) quarantined: see every_return_accepted"},
        )
    for table in RAW_RETURN_TABLES:
        yield dg.MaterializeResult(
            asset_key=["raw", table],
            metadata={
                "rows_written": dg.MetadataValue.int(load.rows[table]),
                "files_loaded": dg.MetadataValue.int(len(load.loaded)),
                "files_rejected": dg.MetadataValue.int(len(rejections)),
                "files_unchanged": dg.MetadataValue.int(load.unchanged),
                "warehouse": dg.MetadataValue.path(warehouse.database),
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
