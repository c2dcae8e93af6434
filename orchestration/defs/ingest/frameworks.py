"""Ingest the councils' framework workbooks (``raw/frameworks/`` or ``FRAMEWORKS_DIR``).

Each workbook is identified by its sha256: one already in force is not read again; a new or
changed one is read and checked whole (:mod:`orchestration.frameworks.reader`) and, if
accepted, appended to ``raw.framework_*`` as a new load (every load kept, with lineage).
A rejected workbook writes nothing: the council's last good framework stays in force, the
rejection is logged in ``raw.framework_rejections`` and the asset check
``every_framework_accepted`` fails (severity ERROR) naming each problem's file, sheet, row
and column, while the rest of the run (returns, dbt, reports) goes on with the framework in
force. The file stays where it is, for the officer to fix.
"""

from datetime import UTC, datetime

import dagster as dg

from orchestration import config
from orchestration.defs.resources import Warehouse
from orchestration.fingerprints import sha256_of
from orchestration.frameworks import store
from orchestration.frameworks.reader import FrameworkRejected, read_framework

ACCEPTED_CHECK = "every_framework_accepted"
TABLES = ("framework_files", *store.TABLES)


@dg.multi_asset(
    specs=[
        dg.AssetSpec(key=["raw", table], group_name="frameworks", kinds={"python", "duckdb"})
        for table in TABLES
    ],
    check_specs=[
        dg.AssetCheckSpec(
            ACCEPTED_CHECK,
            asset=["raw", "framework_files"],
            description="Every framework workbook in the framework folder was accepted.",
        )
    ],
    retry_policy=dg.RetryPolicy(max_retries=2, delay=2),
    pool="warehouse",
    description="Councils' performance frameworks (indicators, settings, targets) from raw/frameworks/.",
)
def frameworks(context: dg.AssetExecutionContext, warehouse: Warehouse):
    folder = config.frameworks_dir()
    paths = sorted(folder.glob("*.xlsx")) if folder.exists() else []
    now = datetime.now(UTC).replace(tzinfo=None)
    loaded, rejected, counts = [], [], dict.fromkeys(store.TABLES, 0)
    with warehouse.get_connection() as con:
        in_force = store.in_force_shas(con)
        for path in paths:
            sha = sha256_of(path)
            if in_force.get(path.name) == sha:
                continue
            try:
                fw = read_framework(path, sha256=sha)
            except FrameworkRejected as exc:
                rejected.append(exc)
                con.execute(
                    "insert into raw.framework_rejections values (?, ?, ?, ?)",
                    [path.name, sha, now, str(exc)],
                )
                continue
            con.execute("begin transaction")
            try:
                written = store.write(con, fw, now)
                con.execute("commit")
            except BaseException:
                con.execute("rollback")
                raise
            counts = {t: counts[t] + written[t] for t in counts}
            loaded.append(path.name)
    context.log.info(
        f"{len(paths)} framework workbook(s): {len(loaded)} loaded, {len(rejected)} rejected, "
        f"{len(paths) - len(loaded) - len(rejected)} unchanged"
    )
    for exc in rejected:
        context.log.error(f"{exc} (the framework loaded before stays in force)")
    for table in TABLES:
        yield dg.MaterializeResult(
            asset_key=["raw", table],
            metadata={
                "rows_written": dg.MetadataValue.int(counts.get(table, len(loaded))),
                "files_loaded": dg.MetadataValue.json(loaded),
            },
        )
    yield dg.AssetCheckResult(
        asset_key=["raw", "framework_files"],
        check_name=ACCEPTED_CHECK,
        passed=not rejected,
        severity=dg.AssetCheckSeverity.ERROR,
        description="\n\n".join(str(e) for e in rejected) or None,
        metadata={"rejected_files": dg.MetadataValue.json([e.path.name for e in rejected])},
    )
