"""Write many service reports quickly: a few council-services at a time, from an in-memory copy.

Used by the Dagster asset in worker processes; kept free of Dagster so workers start fast.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from orchestration.reports.commentary import write_parquet
from orchestration.reports.exceptions import Period, returns_not_received
from orchestration.reports.exceptions_sheet import build_council_exceptions
from orchestration.reports.queries import DEFAULT_WEEKS_AFTER_PERIOD_END, ScopedCopy
from orchestration.reports.service_report import build_service_report

# Council-services copied into memory at once (see ScopedCopy): measured on the national
# benchmark, 16 cut a report's cost by 45% where each council-service had one report to write
# and by 15% where each had five; more changed little.
COUNCIL_SERVICES_PER_COPY = 16


def commentary_dir(out_dir) -> Path:
    """``$OUTPUT_DIR/parquet/commentary``, beside the reports' ``$OUTPUT_DIR/excel``."""
    return Path(out_dir).parent / "parquet" / "commentary"


def write_reports(job: tuple) -> list[dict]:
    """Write a batch of reports (runs in a worker process), a few council-services at a time.

    ``job``: (warehouse path, output folder, [(council, service, period_key)], as_of,
    weeks_after_end) where ``as_of`` is a date for every report or None for each period's own
    report date (its end plus ``weeks_after_end`` weeks, default
    ``DEFAULT_WEEKS_AFTER_PERIOD_END``).

    Then each council-period's exceptions workbook, from the exceptions its service reports
    found (not queried again) and the council's returns not received: a job holds every
    service report of the council-periods it writes (``outputs.py`` splits jobs by council).
    """
    warehouse, out_dir, periods, *rest = job
    as_of: date | None = rest[0] if rest else None
    weeks = rest[1] if len(rest) > 1 else DEFAULT_WEEKS_AFTER_PERIOD_END
    groups = sorted({(council, service) for council, service, _ in periods})
    written = []
    found: dict[tuple[str, str], list[dict]] = {}
    done: set[tuple[str, str]] = set()
    scope = ScopedCopy(warehouse)
    try:
        for start in range(0, len(groups), COUNCIL_SERVICES_PER_COPY):
            chunk = groups[start : start + COUNCIL_SERVICES_PER_COPY]
            scope.load(chunk)
            in_chunk = set(chunk)
            for council, service, period_key in sorted(p for p in periods if p[:2] in in_chunk):
                rows = found.setdefault((council, period_key), [])
                mine: list[dict] = []
                sentences: list[tuple] = []
                path, counts = build_service_report(
                    scope.con, council, service, period_key, Path(out_dir), as_of, weeks, mine,
                    sentences,
                )  # fmt: skip
                # the analysts' commentary table, a file per report (replaced with it)
                write_parquet(
                    scope.con, commentary_dir(out_dir) / f"{path.stem}.parquet", sentences
                )
                rows += [dict(row, file=path.name) for row in mine]
                written.append({"file": path.name, "bytes": path.stat().st_size, **counts})
            for (council, period_key), rows in sorted(found.items()):
                if council not in {c for c, _ in chunk} or (council, period_key) in done:
                    continue
                if any(c == council for c, _ in groups[start + COUNCIL_SERVICES_PER_COPY :]):
                    continue  # the council's other services are in a later chunk
                period = Period.from_key(period_key)
                day = as_of or period.report_date(weeks)
                late = returns_not_received(scope.con, council, period, day)
                path = build_council_exceptions(Path(out_dir), council, period, day, rows + late)
                written.append({"file": path.name, "bytes": path.stat().st_size,
                                "Exceptions": len(rows) + len(late)})  # fmt: skip
                done.add((council, period_key))
    finally:
        scope.close()
    return written
