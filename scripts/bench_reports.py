"""Time writing the service reports and LGBF packs from a built warehouse (default data).

    python scripts/bench_reports.py [--warehouse output/warehouse.duckdb] [--repeat 10]

Writes every period's report ``--repeat`` times into a temporary folder in one process
(the national benchmark's workers do the same per council-service) and prints the time per
report. Timings on a shared machine are noisy: compare runs made in the same sitting.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb

from orchestration.reports.batch import write_reports
from orchestration.reports.lgbf_pack import build_lgbf_pack
from orchestration.reports.service_report import report_periods


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--warehouse", default="output/warehouse.duckdb")
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    with duckdb.connect(args.warehouse, read_only=True) as con:
        periods = report_periods(con)
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        written = []
        for _ in range(args.repeat):
            written += write_reports((args.warehouse, out, periods))
        took = time.perf_counter() - t0
        print(
            f"service reports: {len(written)} in {took:.2f}s = {1000 * took / len(written):.1f} ms each"
        )
        with duckdb.connect(args.warehouse, read_only=True) as con:
            t0 = time.perf_counter()
            for _ in range(args.repeat):
                build_lgbf_pack(con, "Midlothian", Path(out))
            took = time.perf_counter() - t0
        print(f"LGBF packs: {args.repeat} in {took:.2f}s = {1000 * took / args.repeat:.1f} ms each")


if __name__ == "__main__":
    main()
