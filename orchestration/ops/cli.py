"""``make run``: prepare the dbt manifest, then materialise every asset through Dagster.

    python -m orchestration.ops.cli run

One run covers every financial quarter that has a return in ``raw/returns/`` (a single-run
backfill of the partitioned ingest assets), then builds the dbt models and publishes. It
uses the Dagster instance in ``DAGSTER_HOME`` (default: ``.dagster_home/`` in the
repository), so the run shows up in ``dagster dev`` afterwards.

Imports inside functions, here only: with nothing changed since the last publish the CLI
answers without importing the code location (Dagster's definitions, dagster-dbt, the dbt
manifest: about 4 s of start-up), and ``reconcile`` and ``report`` never need it. Every other
module imports at the top (``make lint`` checks the layers with import-linter).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from orchestration import config
from orchestration.planning.options import PDF_PAPERS, REPORT_PERIODS, RunOptions


def prepare_environment() -> None:
    """DAGSTER_HOME (with the local default instance config), and dbt's environment."""
    from orchestration.ops.local_instance import ensure_dagster_home

    # With the local default dagster.yaml (the warehouse pool limit) unless it has one already.
    ensure_dagster_home(config.export_dagster_home())
    config.export_dbt_env()
    config.put_venv_on_path()


def prepare_manifest() -> None:
    """Run ``dbt parse`` so ``@dbt_assets`` can load ``target/manifest.json``.

    Skipped when the manifest was parsed from the same project files, profile and warehouse
    path (a stamp beside it records them): ``dbt parse`` costs several seconds of every
    quarterly run otherwise.
    """
    from orchestration.fingerprints import manifest_fingerprint
    from orchestration.transform.project import dbt_project, preparer

    stamp = dbt_project.manifest_path.with_name("manifest.fingerprint")
    fingerprint = manifest_fingerprint(type(preparer).__name__)
    if dbt_project.manifest_path.exists() and stamp.exists() and stamp.read_text() == fingerprint:
        return
    preparer.prepare(dbt_project)
    stamp.write_text(fingerprint)


def quarters_with_returns() -> list[str]:
    """The quarters a run loads: those with returns in the returns folder, and those a
    misnamed file's name mentions (its quarter's load quarantines it). With neither, the
    quarter just ended: a council's first run, with only its framework, loads that and
    writes the templates of the return it owes (docs/onboarding.md)."""
    from datetime import date

    from orchestration.periods import FinancialQuarter
    from orchestration.returns.landing import quarter_mentioned, scan

    found = scan(config.returns_dir())
    keys = set(found.returns) | {quarter_mentioned(p.name) for p in found.misnamed} - {None}
    if not keys:
        keys = {FinancialQuarter.containing(date.today()).previous().key}
    return [q.key for q in sorted(FinancialQuarter.from_key(k) for k in keys)]


def rejected_returns(result) -> list[str]:
    """The summary of every return a run rejected (the failed ``every_return_accepted`` check)."""
    from orchestration.defs.ingest.returns import ACCEPTED_CHECK

    return [
        e.description or ""
        for e in result.get_asset_check_evaluations()
        if e.check_name == ACCEPTED_CHECK and not e.passed
    ]


def failure_descriptions(result) -> list[str]:
    """What each failed step said, without the stack trace (it is in the run's event log),
    each once: every publishing step that finds the output folder full says the same line
    (``orchestration/defs/publish/failures.py``)."""
    out = []
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE":
            data = event.step_failure_data
            user = data.user_failure_data
            out.append(user.description if user and user.description else data.error.message)
    return list(dict.fromkeys(out))


def files_in_range(partition_range: tuple[str, str] | None) -> list[Path]:
    """The return workbooks of the quarters in ``partition_range`` (default: every quarter)."""
    from orchestration.planning.selection import run_files

    if partition_range is None:
        return run_files({})
    start, end = partition_range
    return run_files(
        {"dagster/asset_partition_range_start": start, "dagster/asset_partition_range_end": end}
    )


def plan_run(instance, files: list[Path], full_refresh: bool = False, options=None):
    """What a run over ``files`` builds (``orchestration/planning/selection.py``): with
    ``full_refresh`` everything, otherwise what is downstream of the inputs that changed
    since the last publish."""
    from orchestration.planning import selection

    if full_refresh:
        return selection.everything("a full refresh was asked for", options)
    return selection.since_last_publish(instance, files, options)


def run(
    partition_range: tuple[str, str] | None = None,
    instance=None,
    full_refresh: bool = False,
    run_config: dict | None = None,
    plan=None,
):
    """Materialise what changed for the quarters in ``partition_range`` (default: all with
    returns): the assets of ``plan`` (default: ``plan_run``; when nothing changed, an explicit
    run builds everything).

    ``full_refresh`` rebuilds every dbt model from scratch instead of only the financial
    years whose returns changed (see ``orchestration/planning/incremental.py``).

    Returns the ``ExecuteInProcessResult`` (or None when there is nothing to load).
    """
    import contextlib

    import dagster as dg

    from orchestration.definitions import ASSETS, defs
    from orchestration.ops.local_instance import (
        fail_runs_never_started,
        release_stale_warehouse_slots,
    )
    from orchestration.ops.run_history import prune_runs
    from orchestration.planning import selection
    from orchestration.planning.incremental import FULL_REFRESH_TAG

    if partition_range is None:
        keys = quarters_with_returns()
        partition_range = (keys[0], keys[-1])
    start, end = partition_range
    job = defs.resolve_job_def("load_all")
    tags = {
        **ui_tags(defs),
        "dagster/asset_partition_range_start": start,
        "dagster/asset_partition_range_end": end,
    }
    if full_refresh:
        tags[FULL_REFRESH_TAG] = "true"
    with contextlib.ExitStack() as stack:
        if instance is None:
            instance = stack.enter_context(dg.DagsterInstance.get())
        # A run killed outright keeps its warehouse slot; without this, this run would wait forever.
        release_stale_warehouse_slots(instance)
        fail_runs_never_started(instance)
        plan = plan or plan_run(instance, files_in_range(partition_range), full_refresh)
        if plan.nothing:
            plan = selection.everything("a run was asked for with nothing changed", plan.options)
        print(f"Building what changed: {plan.reason}")
        result = job.execute_in_process(
            instance=instance,
            tags={**tags, **plan.tags()},
            raise_on_error=False,
            run_config=plan.run_config(run_config),
            asset_selection=plan.asset_keys(ASSETS),
        )
        prune_runs(
            instance
        )  # .dagster_home keeps the newest runs (orchestration/ops/run_history.py)
        return result


UI_REPOSITORY_TAG = ".dagster/repository"


def ui_tags(defs) -> dict[str, str]:
    """The tag the Dagster UI groups a job's runs by: its code location's repository label.

    A run launched from the UI carries ``.dagster/repository`` =
    ``<repository>@<code location>``; the job's Runs tab and the Overview timeline list only
    runs with it (``RunsFilter(job_name=..., tags=...)`` in dagster-graphql). A run executed
    in process has no code location, so the CLI gives its runs the same label, read from
    workspace.yaml's location name and the definitions' repository name.
    """
    return {UI_REPOSITORY_TAG: f"{defs.get_repository_def().name}@{config.code_location_name()}"}


def nothing_changed(plan, files: list[Path]) -> bool:
    """Whether ``plan`` (``plan_run``) found nothing changed since the last publish; says
    what it found either way."""
    if not plan.nothing:
        print(f"Changed since the last publish: {plan.reason}")
        return False
    print(
        f"Nothing changed since the last successful publish: {len(files)} return workbook(s), "
        "the LGBF files, the code and the dbt project are as published. No run started "
        "(`make rebuild` rebuilds anyway)."
    )
    print(f"  Warehouse (published): {config.published_warehouse_path()}")
    print(f"  Outputs folder:        {config.output_dir()}")
    return True


def _run_logged(rng, full_refresh: bool, plan, instance):
    """``run`` with INFO progress on the terminal and the full log (dbt's output too) in a file."""
    import contextlib

    from orchestration.defs import run_log

    log_path = run_log.new_log_path()
    print(f"Full log: {log_path}", flush=True)
    with open(log_path, "a", encoding="utf-8") as log, contextlib.redirect_stdout(log):
        result = run(
            rng,
            instance=instance,
            full_refresh=full_refresh,
            run_config=run_log.run_config(log_path),
            plan=plan,
        )
    return result, log_path


def _print_summary(result, log_path) -> None:
    from orchestration.definitions import defs
    from orchestration.defs import run_log

    if result is not None:
        for line in run_log.summary(result, defs):
            print(line)
    print(f"Full log: {log_path}")


def reconcile_command(args) -> int:
    """``reconcile``: compare the generated seed-period reports with the seed transcription."""
    from orchestration.ops.reconcile import fidelity_table, reconcile

    checks = reconcile(config.output_dir() / "excel")
    print(fidelity_table(checks))
    bad = [c for c in checks if c.unexplained]
    print(f"\n{len(checks)} checks, {len(bad)} unexplained difference(s).")
    return 1 if bad else 0


def report_command(args) -> int:
    """``report``: regenerate one service report from the published warehouse, as known on a
    date (default: the period's report date; ``--as-of today`` for what is known now)."""

    from orchestration.reports.queries import DEFAULT_WEEKS_AFTER_PERIOD_END, parse_as_of
    from orchestration.reports.service_report import build_service_report
    from orchestration.warehouse import published

    as_of = parse_as_of(args.as_of)
    weeks = DEFAULT_WEEKS_AFTER_PERIOD_END if args.weeks_after_end is None else args.weeks_after_end
    out_dir = Path(args.out) if args.out else config.output_dir() / "excel"
    with published.connect() as con:
        path, counts = build_service_report(
            con, args.council, args.service, args.period, out_dir, as_of, weeks
        )
    print(f"{path} {counts}")
    return 0


def templates_command(args) -> int:
    """``templates``: write a quarter's pre-filled return templates (the job
    ``write_return_templates``), with INFO progress here and the full log in a file."""
    import contextlib

    import dagster as dg

    from orchestration.definitions import defs
    from orchestration.defs import run_log

    log_path = run_log.new_log_path()
    print(f"Full log: {log_path}", flush=True)
    job = defs.resolve_job_def("write_return_templates")
    with (
        dg.DagsterInstance.get() as instance,
        open(log_path, "a", encoding="utf-8") as log,
        contextlib.redirect_stdout(log),
    ):
        result = job.execute_in_process(
            partition_key=args.quarter,
            instance=instance,
            tags=ui_tags(defs),
            run_config=run_log.run_config(log_path),
            raise_on_error=False,
        )
    if not result.success:
        for line in failure_descriptions(result):
            print(line, file=sys.stderr)
        return 1
    print(f"Templates for {args.quarter}: {config.output_dir() / 'templates'}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m orchestration.ops.cli", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p_run = sub.add_parser("run", help="prepare the manifest and materialise every asset")
    p_run.add_argument("--from", dest="start", help="first quarter, e.g. 2015-16-Q2")
    p_run.add_argument("--to", dest="end", help="last quarter, e.g. 2019-20-Q4")
    p_run.add_argument(
        "--report-periods",
        default="run",
        choices=REPORT_PERIODS,
        help="run: the reports of the quarters loaded; latest-year: only the latest year's",
    )
    p_run.add_argument(
        "--lgbf-pack-councils",
        default="",
        help="LGBF packs for these councils too (comma-separated LGBF names, or 'all')",
    )
    p_run.add_argument(
        "--pdf-papers",
        default=PDF_PAPERS[0],
        choices=PDF_PAPERS,
        help="which workbooks are also published as PDF: latest (each council-service's latest "
        "period, its exceptions and the LGBF packs), all, or none",
    )
    p_run.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild every dbt model from scratch (default: only the years whose returns changed)",
    )
    p_backfill = sub.add_parser(
        "backfill",
        help="load a range of quarters (default: every quarter with a return) and build "
        "everything, in one run, whether or not anything changed",
    )
    p_backfill.add_argument("--from", dest="start", help="first quarter, e.g. 2015-16-Q2")
    p_backfill.add_argument("--to", dest="end", help="last quarter, e.g. 2019-20-Q4")
    sub.add_parser("prepare", help="only prepare the dbt manifest")
    sub.add_parser(
        "reconcile",
        help="compare the generated Q2 2016/17 and 2019/20 reports with the seed transcription",
    )
    p_templates = sub.add_parser(
        "templates", help="write a quarter's pre-filled return templates (output/templates/)"
    )
    p_templates.add_argument("--quarter", required=True, help="e.g. 2020-21-Q1")
    p_report = sub.add_parser("report", help="regenerate one service report as known on a date")
    p_report.add_argument("--council", default="Midlothian")
    p_report.add_argument("--service", default="Children's Services")
    p_report.add_argument("--period", required=True, help="e.g. 2016-17-Q2 or 2019-20")
    p_report.add_argument(
        "--as-of",
        help="YYYY-MM-DD or 'today' (default: the period's report date, --weeks-after-end)",
    )
    p_report.add_argument(
        "--weeks-after-end",
        type=int,
        help="a period's report date is its end plus this many weeks "
        "(default: DEFAULT_WEEKS_AFTER_PERIOD_END in orchestration/reports/queries.py, 8)",
    )
    p_report.add_argument("--out", help="output folder (default: $OUTPUT_DIR/excel)")
    return parser


def validate_arguments(args) -> None:
    """Every quarter given on the command line, checked before anything starts: one line
    naming the option and what it accepts (``SettingError``), never a traceback."""
    from orchestration.periods import FinancialQuarter, all_quarters

    known = all_quarters()
    given = {
        "--from": getattr(args, "start", None),
        "--to": getattr(args, "end", None),
        "--quarter": getattr(args, "quarter", None),
    }
    parsed = {}
    for option, key in given.items():
        if key is None:
            continue
        try:
            parsed[option] = FinancialQuarter.from_key(key)
        except ValueError:
            parsed[option] = None
        if parsed[option] not in known:
            raise config.SettingError(
                f"{option} {key!r}: expected a financial quarter from {known[0].key} to "
                f"{known[-1].key}, such as 2019-20-Q3"
            )
    start, end = given["--from"], given["--to"]
    if (start is None) != (end is None):
        raise config.SettingError("--from and --to: give both, or neither for every quarter")
    if start and parsed["--from"] > parsed["--to"]:
        raise config.SettingError(f"--from {start} is after --to {end}")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config.validate()  # every setting, before anything starts
        validate_arguments(args)
    except config.SettingError as exc:
        print(f"Cannot start: {exc}", file=sys.stderr)
        return 2
    if args.command == "reconcile":
        return reconcile_command(args)
    if args.command == "report":
        return report_command(args)

    prepare_environment()
    t0 = time.monotonic()
    if args.command == "prepare":
        prepare_manifest()
        return 0
    if args.command == "templates":
        prepare_manifest()
        return templates_command(args)
    if args.command == "backfill":
        return backfill_command(args, t0)
    return run_command(args, t0)


def backfill_command(args, t0: float) -> int:
    """``backfill``: one run of ``load_all`` over the range (BackfillPolicy.single_run), every
    asset built. The range is checked before the run exists, so a bad one leaves no run behind
    (``dagster job execute`` leaves a run "Not started" for ever)."""
    import dagster as dg

    from orchestration.planning import selection

    rng = (args.start, args.end) if args.start and args.end else None
    held = quarters_with_returns()
    keys = rng or (held[0], held[-1])
    with dg.DagsterInstance.get() as instance:
        plan = selection.everything(f"a backfill of {keys[0]} to {keys[1]} was asked for")
        prepare_manifest()
        result, log_path = _run_logged(keys, False, plan, instance)
    return report_outcome(result, log_path, time.monotonic() - t0)


def run_command(args, t0: float) -> int:
    """``run``: compare with the last publish, build what changed, say what happened."""
    rng = (args.start, args.end) if args.start and args.end else None
    import dagster as dg

    files = files_in_range(rng)
    # One instance for the comparison and the run (opening one costs a second or so).
    with dg.DagsterInstance.get() as instance:
        options = RunOptions(args.report_periods, args.lgbf_pack_councils, args.pdf_papers)
        plan = plan_run(instance, files, args.full_refresh, options)
        if nothing_changed(plan, files):
            return 0
        prepare_manifest()
        result, log_path = _run_logged(rng, args.full_refresh, plan, instance)
    return report_outcome(result, log_path, time.monotonic() - t0)


def report_outcome(result, log_path, took: float) -> int:
    """The run's summary and its exit status: 0 published, 1 failed or published without a
    rejected return (each named)."""
    ok = bool(result and result.success)
    rejected = rejected_returns(result) if result is not None else []
    _print_summary(result, log_path)
    if not ok:
        print(
            f"\nRun FAILED after {took:.1f}s; the published warehouse was left as it was:",
            file=sys.stderr,
        )
        print(f"  {config.published_warehouse_path()}", file=sys.stderr)
        for text in failure_descriptions(result) if result is not None else []:
            print("\n" + text, file=sys.stderr)
        return 1
    if rejected:
        print(
            f"\nRun published in {took:.1f}s WITHOUT the rejected return(s) below:", file=sys.stderr
        )
        for text in rejected:
            print(text, file=sys.stderr)
        print(f"  Warehouse (published): {config.published_warehouse_path()}", file=sys.stderr)
        return 1
    print(f"\nRun succeeded in {took:.1f}s.")
    print(f"  Warehouse (published): {config.published_warehouse_path()}")
    print(f"  Outputs folder:        {config.output_dir()}")
    print(f"  Dagster instance:      {config.dagster_home()}")
    return 0


def exit_after_handlers(status: list[int]) -> None:
    """End the process with ``status[0]``, once every other exit handler has run.

    Registered before anything else, it runs after every handler registered later (temporary
    files removed, file locks released, logs flushed), and then skips what Python would do next:
    free every object one at a time. This process holds dbt's parsed project and Dagster's
    definitions, and that teardown took 1.2 s of every run; the operating system reclaims the
    memory at once.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status[0])


if __name__ == "__main__":
    import atexit

    status = [1]  # kept for an uncaught exception, whose traceback Python has printed by then
    atexit.register(exit_after_handlers, status)
    status[0] = main()
    sys.exit(status[0])
