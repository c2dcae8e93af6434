"""Benchmark harness: prints every figure and writes them to a JSON file.

    make bench                       # default synthetic set: 32 councils x 10 services x 10 years
    python scripts/benchmark.py --councils 4 --services 2 --years 2   # a quick look

Figures (all on SYNTHETIC returns and frameworks from scripts/generate_synthetic_returns.py,
except LGBF; each synthetic council has its own framework, each service its own PIs):

* reader throughput (workbooks/s, rows/s) of the project's return reader against a plain
  ``pandas.read_excel(engine="openpyxl")`` on the same files, and their ratio;
* full build from an empty warehouse (ingest, dbt, reports, exports, publish) through Dagster;
* adding one new quarter to that ten-year warehouse, its ratio to the full build, and its
  ratio to what a quarter costs in proportion: the floor (``../shared/bench/floor``, timed in
  the same sitting) plus the quarter's share of the full build's reading and dbt (1/40) and
  of its reports (the quarter's reports among the full build's: 320 of 1,600, see
  :func:`in_proportion`);
* the service reports of the full build (count and seconds of their step: with each
  report's exceptions sheet and commentary, and each council's exceptions workbooks);
* the committee papers' PDF conversion, seconds a workbook (the pipeline runs above publish
  no PDF: ``--pdf-papers none``);
* ingesting and ranking the real LGBF master workbook (``../shared/data/lgbf/``);
* latency of typical analyst benchmarking queries on the published warehouse;
* peak memory of the full build (largest process, and all of its processes together).

Pipeline runs are separate processes (``python -m orchestration.ops.cli run``), as in production.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LAST_YEAR = (
    2019  # the synthetic set's last financial year (2019/20); a benchmark run adds 2020-21-Q1
)
sys.path.insert(0, str(REPO))

from scripts.measure_runs import floor_script  # noqa: E402


def _tree_rss_kib(root_pid: int) -> tuple[int, int]:
    """(largest process, sum) resident memory of a process and its descendants, in KiB."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            status = (entry / "status").read_text()
        except OSError:
            continue
        pid = int(entry.name)
        children.setdefault(ppid, []).append(pid)
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                rss[pid] = int(line.split()[1])
    todo, seen = [root_pid], []
    while todo:
        pid = todo.pop()
        seen.append(pid)
        todo.extend(children.get(pid, []))
    values = [rss.get(p, 0) for p in seen]
    return max(values, default=0), sum(values)


def run_pipeline(args: list[str], env: dict) -> dict:
    """Run a pipeline command, sampling its process tree's memory; return time and peaks."""
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "orchestration.ops.cli", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    peak_one = peak_sum = 0
    output = []
    import threading

    reader = threading.Thread(target=lambda: output.extend(proc.stdout), daemon=True)
    reader.start()
    while proc.poll() is None:
        one, total = _tree_rss_kib(proc.pid)
        peak_one, peak_sum = max(peak_one, one), max(peak_sum, total)
        time.sleep(0.2)
    reader.join(timeout=10)
    seconds = time.monotonic() - t0
    if proc.returncode != 0:
        sys.stdout.write("".join(output[-60:]))
        raise SystemExit(f"pipeline command failed: {args}")
    return {
        "seconds": round(seconds, 2),
        "peak_rss_largest_process_mib": round(peak_one / 1024, 1),
        "peak_rss_all_processes_mib": round(peak_sum / 1024, 1),
    }


def reader_throughput(files: list[Path]) -> dict:
    """One process, then a pool of one process per core, against plain openpyxl loading.

    The councils' PIs and their limits are loaded once, before the clock starts, as the
    ingest does (there from the warehouse's frameworks in force, here from the synthetic
    framework workbooks; the load is timed on its own): a reader that parsed the frameworks
    inside a 400-file sample measured the frameworks, not the returns."""
    import pandas as pd

    from orchestration.frameworks.in_force import codes_from_folder
    from orchestration.returns.batch import ReaderPool
    from orchestration.returns.reader import read_return

    t0 = time.monotonic()
    codes = codes_from_folder()
    frameworks = time.monotonic() - t0
    rows = 0
    t0 = time.monotonic()
    for path in files:
        ret = read_return(path, codes=codes)
        rows += len(ret.indicators) + len(ret.actions) + len(ret.risks)
    ours = time.monotonic() - t0
    t0 = time.monotonic()
    for path in files:
        pd.read_excel(path, sheet_name=None, engine="openpyxl")
    baseline = time.monotonic() - t0
    t0 = time.monotonic()
    with ReaderPool(len(files), codes=codes) as pool:  # as the ingest reads a batch
        parsed, rejected = pool.read(files)
    parallel = time.monotonic() - t0
    assert not rejected, rejected[0]
    n = len(files)
    return {
        "project_reader_all_cores_workbooks_per_s": round(n / parallel, 1),
        "ratio_all_cores": round(baseline / parallel, 2),
        "pool_over_one_process": round(ours / parallel, 2),
        "files": n,
        "rows": rows,
        "frameworks_load_s": round(frameworks, 2),
        "project_reader_workbooks_per_s": round(n / ours, 1),
        "project_reader_rows_per_s": round(rows / ours),
        "openpyxl_baseline_workbooks_per_s": round(n / baseline, 1),
        "openpyxl_baseline_rows_per_s": round(rows / baseline),
        "ratio": round(baseline / ours, 2),
        "note": "the project reader validates and types every cell (every dbt rule on the return "
        "models, the PI's range and feeder data included); the baseline only loads the sheets. "
        "'ratio' is one process against one; 'ratio_all_cores' is the reader as the ingest runs "
        "it (a process per core, pool start-up included) against the single-process baseline; "
        "'pool_over_one_process' > 1 when the pool beats one process",
    }


# The steps of load_all whose work grows with the returns: reading them, dbt, the reports.
VOLUME_STEPS = ("quarterly_returns", "warehouse_dbt_models", "service_performance_reports")


def in_proportion(
    full_steps: dict,
    floor: float,
    quarters: int,
    reports: int,
    quarter_reports: int,
    seconds: float,
) -> dict:
    """What one quarter costs in proportion, and the quarter's ``seconds`` as a multiple of it.

    Each volume step's share of the full build is the part of its work a quarter brings: the
    reading and dbt one quarter in ``quarters``; the reports, the quarter's reports among the
    full build's (``reports``: with ``--report-periods latest-year`` the full build writes one
    financial year's five periods, 1,600 reports, and a quarter writes its own period's 320,
    one in five, not one in forty). ``ratio_with_reports_at_one_in_quarters`` keeps the figure
    as earlier stops measured it (every step at one in ``quarters``), for comparison."""
    reading_dbt = sum(full_steps.get(k, 0) for k in VOLUME_STEPS[:2]) / quarters
    report_share = full_steps.get(VOLUME_STEPS[2], 0) * quarter_reports / max(reports, 1)
    earlier = floor + reading_dbt + full_steps.get(VOLUME_STEPS[2], 0) / quarters
    return {
        "in_proportion_seconds": round(floor + reading_dbt + report_share, 2),
        "ratio_to_proportion": round(seconds / (floor + reading_dbt + report_share), 2),
        "share_seconds": {
            "reading_and_dbt": round(reading_dbt, 2),
            "reports": round(report_share, 2),
        },
        "ratio_with_reports_at_one_in_quarters": round(seconds / earlier, 2),
    }


def step_seconds(dagster_home: Path) -> dict[str, float]:
    """The latest load_all run's seconds per step, from the run's own event log."""
    import dagster as dg

    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        (run,) = instance.get_runs(filters=dg.RunsFilter(job_name="load_all"), limit=1)
        return {
            s.step_key: round((s.end_time or 0) - (s.start_time or 0), 2)
            for s in instance.get_run_step_stats(run.run_id)
        }


def floor_seconds(env: dict, rounds: int = 3) -> float:
    """The median of ``rounds`` runs of ../shared/bench/floor/floor.py (prepared first)."""
    floor = [sys.executable, str(floor_script())]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "check": True}
    subprocess.run([*floor, "--prepare"], cwd=REPO, env=env, **quiet)
    times = []
    for _ in range(rounds):
        t0 = time.monotonic()
        subprocess.run(floor, cwd=REPO, env=env, **quiet)
        times.append(time.monotonic() - t0)
    return round(statistics.median(times), 2)


# What a pipeline run changes in the work folder: restored before each round of the quarter.
RUN_STATE = ("output", "dagster_home", "quarantine")


def add_one_quarter(work: Path, env: dict, quarter: str, rounds: int) -> dict:
    """The quarter's run, ``rounds`` times from the same ten-year state (restored from a copy
    before each round): the median round's time and steps, every round's seconds, and the
    peak memory of all rounds.

    Why rounds: one run of the quarter moved by 17% between two benches of the same code in
    one sitting on this 2-core machine (36.7 and 42.8 s; its dbt step 11.1 and 14.8 s), and
    three rounds of one bench by 21% (40.0, 43.4 and 48.3 s): more than the differences the
    ratio is read for."""
    saved = work / "before_quarter"
    shutil.rmtree(saved, ignore_errors=True)
    for name in RUN_STATE if rounds > 1 else ():  # one round restores nothing
        if (work / name).exists():
            shutil.copytree(work / name, saved / name, symlinks=True)
    runs = []
    for n in range(rounds):
        if n:
            for name in RUN_STATE:
                shutil.rmtree(work / name, ignore_errors=True)
                if (saved / name).exists():
                    shutil.copytree(saved / name, work / name, symlinks=True)
        print(f"Adding one quarter ({quarter}), round {n + 1} of {rounds} ...", flush=True)
        run = run_pipeline(
            ["run", "--from", quarter, "--to", quarter, "--report-periods", "latest-year",
             "--pdf-papers", "none"],
            env,
        )  # fmt: skip
        run["steps_seconds"] = step_seconds(work / "dagster_home")
        runs.append(run)
    shutil.rmtree(saved, ignore_errors=True)
    median = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]
    return {
        **median,
        "quarter": quarter,
        "rounds_seconds": [r["seconds"] for r in runs],
        "peak_rss_largest_process_mib": max(r["peak_rss_largest_process_mib"] for r in runs),
        "peak_rss_all_processes_mib": max(r["peak_rss_all_processes_mib"] for r in runs),
    }


def dbt_builds(warehouse: Path) -> list[dict]:
    """meta.dbt_builds: shows the full build, then the incremental one and the years it recomputed."""
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select mode, from_year, to_year from meta.dbt_builds order by built_at"
        ).fetchall()
    return [{"mode": m, "from_year": f, "to_year": t} for m, f, t in rows]


def query_latency(warehouse: Path, repeats: int = 30) -> dict:
    import duckdb

    sys.path.insert(0, str(REPO))
    queries = {
        "council_vs_scotland_and_family_group": """
            select financial_year, value, family_group_average, scotland_value, rank, quartile
            from marts.fct_lgbf_benchmark where council = 'Midlothian' and indicator_code = 'CHN8a'
            order by financial_year""",
        "off_target_indicators_latest_year": """
            select council, service, indicator_code, value, period_target, status
            from marts.fct_indicator_value
            where period_key = (select max(period_key) from marts.fct_indicator_value where period_type = 'year')
              and status = 'Off Target' and council = 'Midlothian'""",
        "service_pis_on_target_by_council": """
            select council, avg(pct_on_target) from marts.fct_service_pi_summary
            where financial_year = '2019/20' group by council order by 2 desc""",
    }
    out = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for name, sql in queries.items():
            con.execute(sql).fetchall()  # warm
            times = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                con.execute(sql).fetchall()
                times.append((time.perf_counter() - t0) * 1000)
            out[name] = {
                "median_ms": round(statistics.median(times), 2),
                "max_ms": round(max(times), 2),
            }
    return out


def pdf_papers(excel: Path, out: Path, n: int = 20) -> dict:
    """Seconds a workbook for the committee papers' conversion (one LibreOffice run, as the
    publishing step makes it), on ``n`` of the full build's service reports and the council
    exceptions workbooks beside them."""
    from orchestration import config
    from orchestration.reports import pdf as papers

    books = sorted(excel.glob("*performance-report.xlsx"))[:n]
    books += sorted(excel.glob("*exceptions-report.xlsx"))[: max(1, n // 10)]
    if not books:
        return {"note": "no workbook to convert"}
    t0 = time.monotonic()
    written, warning = papers.convert(books, out, config.soffice())
    seconds = time.monotonic() - t0
    return {
        "workbooks": len(books),
        "converted": len(written),
        "seconds": round(seconds, 2),
        "seconds_per_workbook": round(seconds / len(books), 3),
        "warning": warning,
        "note": "LibreOffice headless, one run for all (orchestration/reports/pdf.py); "
        "the pipeline runs above publish no PDF (--pdf-papers none)",
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--councils", type=int, default=32)
    parser.add_argument("--services", type=int, default=10)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--work-dir", type=Path, default=None, help="default: a temporary folder")
    parser.add_argument("--reader-sample", type=int, default=400)
    parser.add_argument(
        "--quarter-rounds",
        type=int,
        default=3,
        help="runs of the added quarter, each from the same state; the median is reported",
    )
    parser.add_argument("--out", type=Path, default=REPO / "output" / "benchmark.json")
    parser.add_argument(
        "--skip-lgbf",
        action="store_true",
        help="leave out the LGBF refresh run: it rewrites every period's reports (5 to 12 "
        "minutes here) and none of the returns figures depends on it",
    )
    args = parser.parse_args()

    work = args.work_dir or Path(tempfile.mkdtemp(prefix="council-perf-bench-"))
    synthetic = work / "synthetic_returns"
    results: dict = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "synthetic_set": {
            "councils": args.councils,
            "services": args.services,
            "years": args.years,
        },
    }

    from scripts.generate_synthetic_returns import main as generate

    expected = args.councils * args.services * args.years * 4
    # A quarter added by an earlier benchmark run is not part of the base set.
    for added in synthetic.glob("*.xlsx"):
        if int(added.name.split("__")[2][:4]) > LAST_YEAR:
            added.unlink()
    if len(list(synthetic.glob("*.xlsx"))) == expected and (synthetic / "frameworks").is_dir():
        print(f"Reusing the {expected:,} synthetic returns in {synthetic}", flush=True)
        results["synthetic_set"]["workbooks"] = expected
    else:
        print(f"Generating synthetic returns in {synthetic} ...", flush=True)
        shutil.rmtree(synthetic, ignore_errors=True)
        results["synthetic_set"].update(
            generate(
                [
                    str(synthetic),
                    "--councils",
                    str(args.councils),
                    "--services",
                    str(args.services),
                    "--years",
                    str(args.years),
                    "--last-year",
                    str(LAST_YEAR),
                ]
            )
        )

    files = sorted(synthetic.glob("*.xlsx"))
    # The synthetic councils' frameworks: the returns are checked against them.
    frameworks = synthetic / "frameworks"
    os.environ["FRAMEWORKS_DIR"] = str(frameworks)
    sample = files[:: max(1, len(files) // args.reader_sample)][: args.reader_sample]
    print(f"Reader throughput on {len(sample)} workbooks ...", flush=True)
    results["reader"] = reader_throughput(sample)

    env = {
        **os.environ,
        "RETURNS_DIR": str(synthetic),
        "FRAMEWORKS_DIR": str(frameworks),
        "OUTPUT_DIR": str(work / "output"),
        "DAGSTER_HOME": str(work / "dagster_home"),
        "QUARANTINE_DIR": str(work / "quarantine"),
        # No LGBF publication in the returns builds (raw/lgbf holds the default one): the LGBF
        # step below ingests the master workbook on its own, as it always has been measured.
        "LGBF_LANDING_DIR": str(work / "lgbf_landing"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    env.pop("DUCKDB_PATH", None)
    env.pop("WAREHOUSE_PATH", None)
    # From empty, even when the work folder (and its synthetic set) is reused.
    for leftover in ("output", "dagster_home", "quarantine", "lgbf_landing"):
        shutil.rmtree(work / leftover, ignore_errors=True)
    (work / "dagster_home").mkdir(parents=True, exist_ok=True)
    print("Full build from an empty warehouse ...", flush=True)
    # The PDF papers are measured on their own (below): LibreOffice converting each
    # council-service's latest report would dwarf every step this bench compares over time.
    results["full_build"] = run_pipeline(
        ["run", "--report-periods", "latest-year", "--pdf-papers", "none"], env
    )
    results["full_build"]["workbooks"] = len(files)
    results["full_build"]["note"] = (
        "--report-periods latest-year: Excel reports for the latest financial year only"
    )
    results["full_build"]["steps_seconds"] = step_seconds(work / "dagster_home")
    reports = len(list((work / "output" / "excel").glob("*performance-report.xlsx")))
    results["reports"] = {
        "service_reports": reports,
        "seconds": results["full_build"]["steps_seconds"].get("service_performance_reports"),
        "note": "the full build's service_performance_reports step: every latest-year report of "
        "every council-service, on every core",
    }

    from orchestration.periods import FinancialQuarter

    last = max(
        FinancialQuarter.from_key(f"{p.name.split('__')[2]}-{p.name.split('__')[3][:2]}")
        for p in files
    )
    new = last.next()
    generate(
        [
            str(synthetic),
            "--councils",
            str(args.councils),
            "--services",
            str(args.services),
            "--quarters",
            new.key,
        ]
    )
    results["add_one_quarter"] = add_one_quarter(work, env, new.key, args.quarter_rounds)
    results["add_one_quarter"]["dbt_builds"] = dbt_builds(work / "output" / "warehouse.duckdb")
    results["add_one_quarter"]["ratio_to_full_build"] = round(
        results["add_one_quarter"]["seconds"] / results["full_build"]["seconds"], 3
    )
    # In proportion: the floor (any Dagster + dbt run) plus the quarter's share of the full
    # build's reading, dbt and reports. A quarter that costs more than twice that redoes work.
    floor = floor_seconds(env)
    results["floor_seconds"] = floor
    quarter_reports = len(
        list((work / "output" / "excel").glob(f"*__{new.key}__performance-report.xlsx"))
    )
    results["add_one_quarter"]["service_reports"] = quarter_reports
    results["add_one_quarter"].update(
        in_proportion(results["full_build"]["steps_seconds"], floor, args.years * 4,
                      reports, quarter_reports, results["add_one_quarter"]["seconds"])
    )  # fmt: skip

    results["pdf_papers"] = pdf_papers(work / "output" / "excel", work / "pdf")

    lgbf = REPO.parent / "shared" / "data" / "lgbf"
    if not lgbf.exists():
        lgbf = Path("/work/shared/data/lgbf")
    if lgbf.exists() and not args.skip_lgbf:
        landing = work / "lgbf_landing"
        landing.mkdir(exist_ok=True)
        for name in ("new bnch data_Jan20.xlsx", "Metadata - Shiny.xlsx", "SIMDvalues.xlsx"):
            shutil.copy(lgbf / name, landing)
        from orchestration.lgbf.parse import read_master_workbook

        t0 = time.monotonic()
        n = len(read_master_workbook(landing / "new bnch data_Jan20.xlsx"))
        parse_s = time.monotonic() - t0
        print("LGBF master workbook ingest and ranking ...", flush=True)
        lgbf_env = {**env, "LGBF_LANDING_DIR": str(landing)}
        script = (
            "from orchestration.ops.cli import prepare_environment; prepare_environment(); "
            "import dagster as dg; from orchestration.definitions import defs; "
            "import sys; sys.exit(0 if defs.resolve_job_def('lgbf_refresh').execute_in_process("
            "instance=dg.DagsterInstance.get()).success else 1)"
        )
        seconds = []
        for _ in range(2):  # the first run ingests the workbook; the second finds it unchanged
            t0 = time.monotonic()
            subprocess.run(
                [sys.executable, "-c", script],
                cwd=REPO,
                env=lgbf_env,
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            seconds.append(round(time.monotonic() - t0, 2))
        results["lgbf"] = {
            "workbook_value_rows": n,
            "parse_seconds": round(parse_s, 2),
            "ingest_rank_publish_run_seconds": seconds[0],
            "unchanged_files_run_seconds": seconds[1],
            "note": "the run includes Python/Dagster start-up and the dbt build of every model downstream of the LGBF tables",
        }

    results["analyst_queries"] = query_latency(work / "output" / "warehouse.duckdb")

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    print(f"\nWritten to {args.out} (work folder {work})")


if __name__ == "__main__":
    main()
