"""Time writing the service reports and LGBF packs from a built warehouse (default data).

    python scripts/bench_reports.py [--warehouse output/warehouse.duckdb] [--repeat 10]
    python scripts/bench_reports.py --warehouse /tmp/bench/output/warehouse.duckdb \\
        --latest-year --reports 200 --repeat 3 --no-packs   # as make bench's full build

Writes the reports (every period's, or the latest financial year's as ``make bench``'s full
build writes them, or the first ``--reports`` council-service-periods of those)
``--repeat`` times into a temporary folder in one process (the national benchmark's workers
do the same per council-service) and prints the time per report, best of the repeats, with
the part of it spent in xlsxwriter's ``Workbook.close`` (serialising every sheet's XML and
zipping the workbook): a floor no change to the project's own code can go below, and what
that floor alone makes of the 1,600 reports of ``make bench``'s full build on this machine's
cores. Timings on a shared machine are noisy: compare runs made in the same sitting.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import duckdb
import xlsxwriter

from orchestration.reports.batch import write_reports
from orchestration.reports.lgbf_pack import build_lgbf_pack
from orchestration.reports.service_report import latest_year, report_periods

NATIONAL_REPORTS = 1600  # make bench's full build: 320 council-services x 5 periods


class CloseTimer:
    """Seconds spent in ``xlsxwriter.Workbook.close`` while in effect (wraps the public method
    for the benchmark's own process; the pipeline never runs with it)."""

    def __init__(self):
        self.seconds = 0.0
        self._close = xlsxwriter.Workbook.close

    def __enter__(self):
        timer, close = self, self._close

        def timed_close(wb):
            t0 = time.perf_counter()
            try:
                return close(wb)
            finally:
                timer.seconds += time.perf_counter() - t0

        xlsxwriter.Workbook.close = timed_close
        return self

    def __exit__(self, *exc):
        xlsxwriter.Workbook.close = self._close


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--warehouse", default="output/warehouse.duckdb")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--reports", type=int, default=None, help="the first N report periods")
    parser.add_argument("--latest-year", action="store_true", help="the latest year's reports")
    parser.add_argument("--no-packs", action="store_true", help="leave out the LGBF packs")
    args = parser.parse_args()
    with duckdb.connect(args.warehouse, read_only=True) as con:
        periods = sorted(p[:3] for p in report_periods(con))
    if args.latest_year:
        periods = latest_year(periods)
    periods = periods[: args.reports]
    best = None
    with tempfile.TemporaryDirectory() as out:
        for _ in range(args.repeat):
            with CloseTimer() as closing:
                t0 = time.perf_counter()
                written = write_reports((args.warehouse, out, periods))
                took = time.perf_counter() - t0
            if best is None or took < best[0]:
                best = (took, closing.seconds)
        took, closing = best
        per, per_close = 1000 * took / len(periods), 1000 * closing / len(periods)
        cores = os.cpu_count() or 1
        print(
            f"service reports: {len(periods)} (and {len(written) - len(periods)} council "
            f"exceptions workbooks) in {took:.2f}s = {per:.1f} ms a report, best of "
            f"{args.repeat}; xlsxwriter's Workbook.close {per_close:.1f} ms of it "
            f"({closing / took:.0%}): for {NATIONAL_REPORTS:,} reports on {cores} core(s), "
            f"{NATIONAL_REPORTS * per_close / 1000 / cores:.1f}s of close alone"
        )
        if args.no_packs:
            return
        with duckdb.connect(args.warehouse, read_only=True) as con:
            t0 = time.perf_counter()
            for _ in range(args.repeat):
                build_lgbf_pack(con, "Midlothian", Path(out))
            took = time.perf_counter() - t0
        print(f"LGBF packs: {args.repeat} in {took:.2f}s = {1000 * took / args.repeat:.1f} ms each")


if __name__ == "__main__":
    main()
