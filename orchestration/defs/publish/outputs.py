"""Excel returns, LGBF benchmarking packs and Parquet exports: downstream assets of the marts.

They read the working warehouse after dbt has built it (read-only) and write under
``$OUTPUT_DIR`` (default ``output/``): ``excel/`` and ``parquet/``. Each file is written
beside its target and renamed into place, so a reader never opens a half-written file and a
failed run leaves the previous outputs as they were.
"""

from dataclasses import dataclass
from typing import Literal

import dagster as dg
from pydantic import Field

from orchestration import config as settings
from orchestration import parallel
from orchestration.defs.publish.failures import publishing_to
from orchestration.defs.resources import Warehouse
from orchestration.periods import FinancialQuarter
from orchestration.planning.options import PDF_PAPERS, RunOptions
from orchestration.planning.selection import run_quarters
from orchestration.reports import pdf
from orchestration.reports.batch import remove_superseded_commentary, write_reports
from orchestration.reports.exceptions_sheet import exceptions_path
from orchestration.reports.exports import MART_TABLES, export_marts
from orchestration.reports.lgbf_pack import build_lgbf_pack
from orchestration.reports.queries import DEFAULT_WEEKS_AFTER_PERIOD_END, parse_as_of
from orchestration.reports.service_report import latest_year, report_path, report_periods


def _marts(*names: str) -> list[dg.AssetKey]:
    return [dg.AssetKey(["marts", n]) for n in names]


def _preview(rows: list[dict], limit: int = 10) -> dg.MetadataValue:
    if not rows:
        return dg.MetadataValue.md("(none)")
    # reports differ in their sections (a service without complaints PIs has no Complaints)
    cols = list(dict.fromkeys(c for r in rows[:limit] for c in r))
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(r.get(c, "")) for c in cols) + " |" for r in rows[:limit]]
    return dg.MetadataValue.md("\n".join(lines))


def _period_order(key: str) -> FinancialQuarter:
    """A report period as a quarter: a year end ("2019-20") sorts with its Q4."""
    return FinancialQuarter.from_key(key) if "-Q" in key else FinancialQuarter(int(key[:4]), 4)


@dataclass(frozen=True)
class ReportScope:
    """The reports a run narrowed by its plan rewrites (``orchestration/planning/selection.py``)."""

    # council and service of each changed return to its earliest changed quarter
    returns_since: dict[tuple[str, str], FinancialQuarter]
    councils: frozenset[str]  # councils whose framework changed: all their reports

    def includes(self, council: str, service: str, period: str) -> bool:
        if council in self.councils:
            return True
        since = self.returns_since.get((council, service))
        return since is not None and since <= _period_order(period)


def periods_in_scope(
    context: dg.AssetExecutionContext,
    periods: list[tuple],
    scope: ReportScope | None = None,
    report_periods: str = RunOptions.report_periods,
) -> list[tuple]:
    """Which reports this run writes.

    After a change of returns or frameworks only (``scope``, see :func:`report_scope`) the
    reports in that scope. Otherwise a run over a range of quarters writes the reports of
    those quarters (and the year end of each financial year whose Q4 is in the range); a run
    without quarters (an LGBF refresh, a manual materialisation) writes every period.
    ``report_periods="latest-year"`` keeps only the latest financial year's reports, for very
    large backfills.
    """
    span = run_quarters(context.run.tags)
    if scope is not None:
        periods = [p for p in periods if scope.includes(*p[:3])]
    elif span:
        periods = [p for p in periods if span[0] <= _period_order(p[2]) <= span[1]]
    if report_periods == "latest-year":
        periods = latest_year(periods)
    return periods


def whole_councils(periods: list[tuple], held: list[tuple]) -> list[tuple]:
    """``periods`` with every other service report of their council-periods (of ``held``):
    the council's exceptions workbook for a period lists all its services, so it is written
    with all of them or not at all."""
    wanted = {(c, k) for c, _, k in periods}
    return [p for p in held if (p[0], p[2]) in wanted]


PdfPapers = Literal[PDF_PAPERS]
PDF_DESCRIPTION = (
    "Which workbooks are also published as PDF in output/pdf/ (LibreOffice; without it, a "
    "warning): latest (each council-service's latest period and its exceptions; every pack), "
    "all, or none (orchestration/planning/options.py)."
)


def publish_pdfs(context: dg.AssetExecutionContext, books: list) -> int:
    """Convert ``books`` to PDF in ``$OUTPUT_DIR/pdf`` in one LibreOffice run; a missing
    LibreOffice or a failed conversion is a warning, never a failed asset."""
    written, warning = pdf.convert(books, settings.output_dir() / "pdf", settings.soffice())
    if warning:
        context.log.warning(warning)
    context.log.info(f"Wrote {len(written)} PDF paper(s) to {settings.output_dir() / 'pdf'}")
    return len(written)


def pdf_books(out_dir, periods: list[tuple], papers: str) -> list:
    """The service reports and exceptions workbooks of ``periods`` to publish as PDF."""
    if papers == "none":
        return []
    if papers == "latest":
        latest: dict[tuple, tuple] = {}
        for p in periods:
            if p[:2] not in latest or _period_order(p[2]) > _period_order(latest[p[:2]][2]):
                latest[p[:2]] = p
        periods = sorted(latest.values())
    reports = [report_path(out_dir, c, s, k) for c, s, k in periods]
    councils = sorted({(c, k) for c, _, k in periods})
    return reports + [exceptions_path(out_dir, c, k) for c, k in councils]


class ReportsConfig(dg.Config):
    """Run options of the service reports (the launchpad's config, or ``run_config``)."""

    weeks_after_period_end: int = Field(
        default=DEFAULT_WEEKS_AFTER_PERIOD_END,
        ge=0,
        description=(
            "A period's report date is its last day plus this many weeks: each report prints "
            "the returns submitted and the LGBF published by then (README, Reports)."
        ),
    )
    as_of: str | None = Field(
        default=None,
        description="Date every report is written as known on (YYYY-MM-DD, or 'today'); "
        "default: each period's own report date.",
    )
    report_periods: Literal["run", "latest-year"] = Field(
        default=RunOptions.report_periods,
        description="run: the reports of the quarters the run loads; latest-year: only the "
        "latest financial year's (orchestration/planning/options.py).",
    )
    changed_returns: list[str] = Field(
        default=[],
        description="Set by the run's plan (orchestration/planning/selection.py) after a change of "
        "returns or frameworks only: the reports of these return files' councils and "
        "services, from each one's earliest quarter among them on.",
    )
    pdf_papers: PdfPapers = Field(default=RunOptions.pdf_papers, description=PDF_DESCRIPTION)
    changed_frameworks: list[str] = Field(
        default=[],
        description="Set by the run's plan, as changed_returns is: every report of these "
        "framework workbooks' councils. Both empty: the reports of the run's quarters.",
    )


def report_scope(
    con, changed_returns: list[str], changed_frameworks: list[str]
) -> ReportScope | None:
    """The reports of the changed return files' councils and services (each from its earliest
    changed quarter) and of the changed framework workbooks' councils, as loaded (a rejected
    file changes no report); None when the run was not narrowed."""
    if not (changed_returns or changed_frameworks):
        return None
    rows = con.execute(
        "select council, service, partition_key from raw.return_files where source_file in "
        "(select unnest(?))",
        [changed_returns],
    ).fetchall()
    earliest: dict[tuple[str, str], FinancialQuarter] = {}
    for council, service, key in rows:
        quarter = FinancialQuarter.from_key(key)
        earliest[council, service] = min(quarter, earliest.get((council, service), quarter))
    councils = con.execute(
        "select distinct council from raw.framework_files where source_file in (select unnest(?))",
        [changed_frameworks],
    ).fetchall()
    return ReportScope(earliest, frozenset(c for (c,) in councils))


@dg.asset(
    deps=_marts(
        "fct_indicator_value_history",
        "fct_action_progress_history",
        "fct_risk_history",
        "fct_lgbf_benchmark",
        "dim_indicator",
    ),
    group_name="published",
    kinds={"excel"},
    # Reads the DuckDB warehouse: a reader conflicts with a writer's file lock (see the pool).
    pool="warehouse",
    description="The service performance report (each quarter and year end) per council and service, as Excel.",
)
def service_performance_reports(
    context: dg.AssetExecutionContext, config: ReportsConfig, warehouse: Warehouse
) -> dg.MaterializeResult:
    out_dir = settings.output_dir() / "excel"
    as_of = parse_as_of(config.as_of)
    with warehouse.read_only() as con:
        scope = report_scope(con, config.changed_returns, config.changed_frameworks)
        held = report_periods(con)
        periods = whole_councils(
            periods_in_scope(context, held, scope, config.report_periods), held
        )
    workers = parallel.cores()
    # Reports are independent: a national run writes them on every core.
    # Batches split by council: a worker holds every service report of a council-period (its
    # exceptions workbook is written from them).
    groups = sorted({c for c, _, _ in periods})
    worker_of = {council: i % workers for i, council in enumerate(groups)}
    batches = [[p for p in periods if worker_of[p[0]] == i] for i in range(workers)]
    batches = batches if len(periods) > 20 else [periods]
    jobs = [
        (warehouse.database, str(out_dir), b, as_of, config.weeks_after_period_end)
        for b in batches
        if b
    ]
    with publishing_to(settings.output_dir()):
        written = [w for batch in parallel.map_on_cores(write_reports, jobs) for w in batch]
        superseded = remove_superseded_commentary(out_dir)
    context.log.info(f"Wrote {len(written)} service report(s) to {out_dir}")
    if superseded:
        context.log.info(
            f"Deleted {len(superseded)} commentary file(s) of the earlier one-per-report layout "
            f"from {superseded[0].parent}: their sentences are in the council-period files"
        )
    pdfs = publish_pdfs(context, pdf_books(out_dir, periods, config.pdf_papers))
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(out_dir)),
            "workbooks": dg.MetadataValue.int(len(written)),
            "pdf_papers": dg.MetadataValue.int(pdfs),
            "preview": _preview(written),
        }
    )


class LgbfPacksConfig(dg.Config):
    """Run options of the LGBF benchmarking packs."""

    extra_councils: str = Field(
        default=RunOptions.lgbf_pack_councils,
        description="Besides the councils that submit returns, whose packs to write: LGBF "
        "council names, comma-separated, or 'all' (orchestration/planning/options.py).",
    )
    pdf_papers: PdfPapers = Field(default=RunOptions.pdf_papers, description=PDF_DESCRIPTION)


def pack_councils(con, extra: str = "") -> list[str]:
    """Councils that submit returns, plus those named in ``extra`` ('all' for every council)."""
    wanted = {
        r[0]
        for r in con.execute("select distinct council from marts.fct_indicator_value").fetchall()
    }
    extra = extra.strip()
    if extra.lower() == "all":
        wanted |= {
            r[0]
            for r in con.execute("select distinct council from marts.fct_lgbf_benchmark").fetchall()
        }
    elif extra:
        wanted |= {c.strip() for c in extra.split(",") if c.strip()}
    have = {
        r[0]
        for r in con.execute("select distinct council from marts.fct_lgbf_benchmark").fetchall()
    }
    return sorted(wanted & have)


@dg.asset(
    deps=_marts("fct_lgbf_benchmark", "dim_indicator"),
    group_name="published",
    kinds={"excel"},
    # Reads the DuckDB warehouse: a reader conflicts with a writer's file lock (see the pool).
    pool="warehouse",
    description="The LGBF benchmarking pack per council: latest values, ranks, quartiles and a chart per indicator.",
)
def lgbf_benchmarking_packs(
    context: dg.AssetExecutionContext, config: LgbfPacksConfig, warehouse: Warehouse
) -> dg.MaterializeResult:
    out_dir = settings.output_dir() / "excel"
    written = []
    with warehouse.read_only() as con, publishing_to(settings.output_dir()):
        for council in pack_councils(con, config.extra_councils):
            path, counts = build_lgbf_pack(con, council, out_dir)
            written.append({"file": path.name, "bytes": path.stat().st_size, **counts})
    books = [out_dir / w["file"] for w in written] if config.pdf_papers != "none" else []
    pdfs = publish_pdfs(context, books)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(out_dir)),
            "workbooks": dg.MetadataValue.int(len(written)),
            "pdf_papers": dg.MetadataValue.int(pdfs),
            "preview": _preview(written),
        }
    )


@dg.asset(
    deps=_marts(*MART_TABLES),
    group_name="published",
    kinds={"parquet"},
    # Reads the DuckDB warehouse: a reader conflicts with a writer's file lock (see the pool).
    pool="warehouse",
    description="Parquet exports of every mart (output/parquet/<table>.parquet) for Power BI and R.",
)
def parquet_exports(
    context: dg.AssetExecutionContext, warehouse: Warehouse
) -> dg.MaterializeResult:
    out_dir = settings.output_dir() / "parquet"
    with warehouse.read_only() as con, publishing_to(settings.output_dir()):
        counts = export_marts(con, out_dir)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(out_dir)),
            "row_counts": dg.MetadataValue.json(counts),
        }
    )
