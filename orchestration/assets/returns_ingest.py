"""Ingest the quarterly return workbooks of one or more financial quarters into ``raw.*``.

One multi-asset parses each workbook once and writes three raw tables (indicator values,
actions, risks). Every file of the requested quarters is read and validated before anything
is written, and the write is one transaction: a rejected file leaves the warehouse as it was.
"""


import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration import settings
from orchestration.catalogue import known_indicator_codes
from orchestration.partitions import FinancialQuarter, financial_quarters
from orchestration.returns import format as fmt
from orchestration.returns.reader import ReturnRejected, read_return
from orchestration.warehouse import replace_partitions

RAW_RETURN_TABLES = {
    "return_files": "One row per loaded return workbook (who, when, sha256)",
    "return_indicator_values": "Indicator values from the returns' Indicators sheets",
    "return_actions": "Action progress from the returns' Actions sheets",
    "return_risks": "Risk register entries from the returns' Risks sheets",
}


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
    parsed, rejected = [], []
    for path in paths:
        try:
            parsed.append(read_return(path, known_codes=codes))
        except ReturnRejected as exc:
            rejected.append(exc)
    if rejected:
        # Fail before any write: the warehouse keeps its last good state.
        raise dg.Failure(
            description="\n\n".join(str(e) for e in rejected),
            metadata={"rejected_files": [e.path.name for e in rejected]},
            allow_retries=False,
        )
    with duckdb.get_connection() as con:
        counts = replace_partitions(con, [q.key for q in quarters], parsed)
    context.log.info(f"Loaded {len(parsed)} return(s) for {len(quarters)} quarter(s): {counts}")
    files = [p.path.name for p in parsed]
    for table in RAW_RETURN_TABLES:
        yield dg.MaterializeResult(
            asset_key=["raw", table],
            metadata={
                "rows": dg.MetadataValue.int(counts[table]),
                "files": dg.MetadataValue.json(files),
                "warehouse": dg.MetadataValue.path(str(settings.work_warehouse_path())),
            },
        )
