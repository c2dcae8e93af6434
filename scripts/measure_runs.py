"""Time the runs a data engineer watches, side by side with the floor, in one sitting.

    make measure                      # 5 rounds (scripts/measure_runs.py --rounds 5)
    .venv/bin/python scripts/measure_runs.py --rounds 3 --out output/measure_runs.json

The floor (``../shared/bench/floor/floor.py``: two dbt models materialised through Dagster in
process, manifest prepared beforehand) is the least any Dagster + dbt run costs on this
machine. Each round times, one after the other so that drift in the machine's speed hits
them alike:

* ``floor``: the floor;
* ``make run (outputs cleaned)``: ``make run`` on the seed returns with an empty output folder
  and Dagster instance (the environment installed);
* ``make run (nothing new)``: ``make run`` again, nothing changed;
* ``one resubmitted return``: a value of the 2019-20 Q4 return changed (a different value every
  round), then ``python -m orchestration.ops.cli run --from 2019-20-Q4 --to 2019-20-Q4`` until
  published;
* ``same as cleaned, instance in memory``: not a way to run the project, a measurement of
  where the time goes: the cleaned run again with an in-memory Dagster instance, as the
  floor's ``dg.materialize`` has. Its difference to ``make run (outputs cleaned)`` is what
  writing the run's events to Dagster's local SQLite storage costs.

It prints the median wall-clock seconds of each over the rounds and its ratio to the floor's
median, and writes them as JSON. Outputs go to a temporary folder, never to ``output/``.
``make bench`` gives the last figure of the issue's table (one quarter against a national
build) on the synthetic national set.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
VENV_BIN = Path(sys.executable).parent
QUARTER = "2019-20-Q4"
RESUBMITTED = "midlothian__childrens-services__2019-20__Q4.xlsx"
CODE = "CS.COMP.RECEIVED_CUM"
# The CLI's run with an in-memory instance (see the docstring: a measurement only).
IN_MEMORY_RUN = """
import sys
import dagster as dg
from orchestration.ops import cli
cli.prepare_environment()
cli.prepare_manifest()
with dg.DagsterInstance.ephemeral() as instance:
    sys.exit(0 if cli.run(instance=instance).success else 1)
"""


def floor_script() -> Path:
    for shared in (REPO.parent / "shared", Path("/work/shared")):
        script = shared / "bench" / "floor" / "floor.py"
        if script.exists():
            return script
    raise SystemExit("../shared/bench/floor/floor.py not found")


def timed(command: list[str], env: dict, log) -> float:
    t0 = time.monotonic()
    proc = subprocess.run(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    seconds = time.monotonic() - t0
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(command)}; see {log.name}")
    return seconds


def resubmit(path: Path, value: float) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(path)
    ws = wb["Indicators"]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[header.index("PI Code")].value == CODE:
            row[header.index("Value")].value = value
    wb.save(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=REPO / "output" / "measure_runs.json")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="measure-runs-"))
    returns = work / "returns"
    shutil.copytree(REPO / "raw" / "returns", returns)
    env = {
        **os.environ,
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}",
        "OUTPUT_DIR": str(work / "output"),
        "DAGSTER_HOME": str(work / "dagster_home"),
        "RETURNS_DIR": str(returns),
        "QUARANTINE_DIR": str(work / "quarantine"),
    }
    for name in ("DUCKDB_PATH", "WAREHOUSE_PATH"):
        env.pop(name, None)
    floor = [sys.executable, str(floor_script())]
    make_run = ["make", "--no-print-directory", "run"]
    one_return = [
        sys.executable,
        "-m",
        "orchestration.ops.cli",
        "run",
        "--from",
        QUARTER,
        "--to",
        QUARTER,
    ]
    in_memory = [sys.executable, "-c", IN_MEMORY_RUN]
    log_path = work / "commands.log"
    times: dict[str, list[float]] = {}
    with open(log_path, "w") as log:
        subprocess.run([*floor, "--prepare"], cwd=REPO, env=env, stdout=log, stderr=log, check=True)
        subprocess.run(["make", "install"], cwd=REPO, env=env, stdout=log, stderr=log, check=True)
        for round_ in range(1, args.rounds + 1):
            shutil.rmtree(work / "output", ignore_errors=True)
            shutil.rmtree(work / "dagster_home", ignore_errors=True)
            shutil.copy(REPO / "raw" / "returns" / RESUBMITTED, returns / RESUBMITTED)
            figures = {
                "floor": timed(floor, env, log),
                "make run (outputs cleaned)": timed(make_run, env, log),
                "make run (nothing new)": timed(make_run, env, log),
            }
            resubmit(returns / RESUBMITTED, 1000 + round_)
            figures["one resubmitted return"] = timed(one_return, env, log)
            shutil.rmtree(work / "output", ignore_errors=True)
            figures["same as cleaned, instance in memory"] = timed(in_memory, env, log)
            for name, seconds in figures.items():
                times.setdefault(name, []).append(round(seconds, 2))
            print(f"round {round_}: " + ", ".join(f"{k} {v:.1f}s" for k, v in figures.items()))

    floor_median = statistics.median(times["floor"])
    results = {
        name: {
            "median_seconds": round(statistics.median(values), 2),
            "ratio_to_floor": round(statistics.median(values) / floor_median, 2),
            "runs": values,
        }
        for name, values in times.items()
    }
    print(f"\nMedians over {args.rounds} rounds (wall clock), and ratios to the floor:")
    for name, r in results.items():
        print(f"  {name:37s} {r['median_seconds']:7.2f} s   {r['ratio_to_floor']:5.2f}x floor")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"Written to {args.out}; commands' output in {log_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
