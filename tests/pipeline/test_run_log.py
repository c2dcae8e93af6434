"""What the CLI prints at the end of a run: what was built, every warning with its count and
meaning; and the full logs it writes are kept to the newest few."""

from __future__ import annotations

import logging

from orchestration import config
from orchestration.defs import run_log
from orchestration.defs.run_log import _NoStackTraces
from orchestration.ops.cli import main


def test_the_summary_lists_every_warning_with_its_rows_and_meaning(pipeline_run, warehouse, defs):
    (disagree,) = warehouse.execute(
        "select count(*) from marts.fct_indicator_value where not status_agrees"
    ).fetchone()
    lines = run_log.summary(pipeline_run, defs)
    built = next(line for line in lines if line.startswith("Materialized"))
    (marts,) = warehouse.execute(
        "select count(*) from information_schema.tables where table_schema = 'marts'"
    ).fetchone()
    # published: the warehouse, the reports, the packs, Parquet and next quarter's templates
    assert f"marts {marts}," in built and "published 5" in built
    warning = next(line for line in lines if "reported_status_agrees_with_computed_status" in line)
    assert warning.startswith("  WARN reported_status_agrees_with_computed_status")
    assert f": {disagree} row(s). Rows whose status, as the return reported it" in warning


def test_only_the_newest_full_logs_are_kept(monkeypatch, tmp_path):
    monkeypatch.setenv("OUTPUT_DIR", str(tmp_path))
    paths = []
    for _ in range(run_log.KEEP_LOGS + 3):
        path = run_log.new_log_path()
        path.write_text("log")
        paths.append(path)
    kept = sorted((config.output_dir() / "logs").glob("run-*.log"))
    assert kept == paths[-run_log.KEEP_LOGS :]


def test_the_terminal_shows_no_stack_trace():
    """A failed step's event keeps its first line on the terminal; the CLI prints the reason
    once at the end, and the stack trace stays in the log file."""
    event = (
        'load_all - run - STEP_FAILURE - Execution of step "warehouse_dbt_models" failed.\n\n'
        "dagster._core.definitions.events.Failure: The dbt build failed:\n  - a test\n\n"
        'Stack Trace:\n  File "x.py", line 1, in y\n'
    )
    record = logging.LogRecord("dagster", logging.ERROR, __file__, 1, event, None, None)
    assert _NoStackTraces().filter(record)
    assert (
        record.getMessage()
        == 'load_all - run - STEP_FAILURE - Execution of step "warehouse_dbt_models" failed.'
    )
    info = logging.LogRecord(
        "dagster", logging.INFO, __file__, 1, "read 10 files\n\nStack Trace:\n  x", None, None
    )
    _NoStackTraces().filter(info)
    assert info.getMessage() == "read 10 files"


def test_cli_prepare_only_prepares_the_manifest(manifest):
    """`make dev` and `make backfill` call `python -m orchestration.ops.cli prepare`."""
    assert main(["prepare"]) == 0
    assert manifest.exists()
