"""Write many service reports quickly: each section read once for a batch of reports.

Used by the Dagster asset in worker processes; kept free of Dagster so workers start fast.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from orchestration.reports import queries
from orchestration.reports.commentary import write_parquet
from orchestration.reports.exceptions import returns_not_received
from orchestration.reports.exceptions_sheet import build_council_exceptions
from orchestration.reports.queries import DEFAULT_WEEKS_AFTER_PERIOD_END, Period
from orchestration.reports.service_report import build_service_report
from orchestration.workbook.sheets import slug

# Reports whose rows are read at once (one query per section for all of them, straight from
# the warehouse). Measured on the synthetic national warehouse (12,800 returns): 2.4 ms of
# queries per report, where copying 16 council-services' rows into memory and querying them
# report by report cost 25 ms a report against 20 ms. The rows of 200 reports hold well under
# 100 MB.
REPORTS_PER_QUERY = 200


def commentary_dir(out_dir) -> Path:
    """``$OUTPUT_DIR/parquet/commentary``, beside the reports' ``$OUTPUT_DIR/excel``."""
    return Path(out_dir).parent / "parquet" / "commentary"


def commentary_path(out_dir, council: str, period_key: str) -> Path:
    """The analysts' commentary of a council-period: every service report's sentences, in one
    file written with the council's exceptions workbook (a job holds all its reports).

    Why one file per council-period, not per report: a Parquet file's COPY was 5% of a
    report's time however few rows it held (200 national reports, one process, cProfile);
    one file per council-period took the reports from 33.2 to 32.7 ms each (best of 3)."""
    return commentary_dir(out_dir) / f"{slug(council)}__{period_key}__commentary.parquet"


# The earlier layout's commentary files, one per report (before b1c981c): read as one table
# beside the council-period files that replaced them, the folder counted their sentences twice.
SUPERSEDED_COMMENTARY = "*__performance-report.parquet"


def remove_superseded_commentary(out_dir) -> list[Path]:
    """Delete the per-report commentary files of the earlier layout from
    :func:`commentary_dir`; returns those it deleted (none once an output folder is past it)."""
    old = sorted(commentary_dir(out_dir).glob(SUPERSEDED_COMMENTARY))
    for path in old:
        path.unlink()
    return old


def report_job(council: str, service: str, period_key: str, as_of, weeks: int) -> queries.ReportJob:
    """One report to write: as known on ``as_of``, or on its period's report date."""
    period = Period.from_key(period_key)
    return queries.ReportJob(council, service, period, as_of or period.report_date(weeks))


def write_reports(job: tuple) -> list[dict]:
    """Write a batch of reports (runs in a worker process), ``REPORTS_PER_QUERY`` at a time.

    ``job``: (warehouse path, output folder, [(council, service, period_key)], as_of,
    weeks_after_end) where ``as_of`` is a date for every report or None for each period's own
    report date (its end plus ``weeks_after_end`` weeks, default
    ``DEFAULT_WEEKS_AFTER_PERIOD_END``).

    Then each council-period's exceptions workbook, from the exceptions its service reports
    found (not queried again) and the council's returns not received, and its commentary
    file (:func:`commentary_path`): a job holds every service report of the council-periods
    it writes (``outputs.py`` splits jobs by council).
    """
    warehouse, out_dir, periods, *rest = job
    as_of: date | None = rest[0] if rest else None
    weeks = rest[1] if len(rest) > 1 else DEFAULT_WEEKS_AFTER_PERIOD_END
    todo = sorted(periods)
    written = []
    found: dict[tuple[str, str], list[dict]] = {}
    said: dict[tuple[str, str], list[tuple]] = {}
    with duckdb.connect(warehouse, read_only=True) as con:
        for start in range(0, len(todo), REPORTS_PER_QUERY):
            chunk = todo[start : start + REPORTS_PER_QUERY]
            jobs = [
                report_job(council, service, key, as_of, weeks) for council, service, key in chunk
            ]
            for (council, service, period_key), j, data in zip(
                chunk, jobs, queries.report_data(con, jobs)
            ):
                mine: list[dict] = []
                path, counts = build_service_report(
                    con, council, service, period_key, Path(out_dir), j.as_of, weeks, data,
                    mine, said.setdefault((council, period_key), []),
                )  # fmt: skip
                found.setdefault((council, period_key), []).extend(
                    dict(row, file=path.name) for row in mine
                )
                written.append({"file": path.name, "bytes": path.stat().st_size, **counts})
        for (council, period_key), rows in sorted(found.items()):
            period = Period.from_key(period_key)
            day = as_of or period.report_date(weeks)
            late = returns_not_received(con, council, period, day)
            path = build_council_exceptions(Path(out_dir), council, period, day, rows + late)
            # the analysts' commentary table, a file per council-period (replaced with it)
            write_parquet(con, commentary_path(out_dir, council, period_key),
                          said[council, period_key])  # fmt: skip
            written.append({"file": path.name, "bytes": path.stat().st_size,
                            "Exceptions": len(rows) + len(late)})  # fmt: skip
    return written
