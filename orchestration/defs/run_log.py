"""What ``make run`` and the CLI show: INFO-level progress on the terminal, everything in a file.

* The terminal gets Dagster's console logger at INFO: what each step read, built and wrote
  (files loaded, dbt progress and totals, reports written, the warehouse published), not
  Dagster's DEBUG events nor dbt's line per node.
* The full log (Dagster's events at DEBUG and dbt's own output) goes to
  ``$OUTPUT_DIR/logs/run-<UTC time>.log``, whose path the CLI prints; the newest
  ``KEEP_LOGS`` are kept.
* The end summary lists what changed, every warning with its count and meaning (dbt tests of
  severity warn, as asset checks), and where the outputs are.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg

from orchestration import config

KEEP_LOGS = 10


def new_log_path() -> Path:
    folder = config.output_dir() / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    logs = sorted(folder.glob("run-*.log"))
    for old in logs[: max(len(logs) - (KEEP_LOGS - 1), 0)]:
        old.unlink(missing_ok=True)
    return folder / f"run-{datetime.now(UTC):%Y%m%d-%H%M%S-%f}.log"


@dg.logger(
    {"path": dg.Field(str), "log_level": dg.Field(str, is_required=False, default_value="DEBUG")},
    description="Every Dagster event of the run, appended to a file.",
)
def file_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    logger = logging.Logger(
        "council_performance_file", level=init_context.logger_config["log_level"]
    )
    handler = logging.FileHandler(init_context.logger_config["path"], encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    return logger


class _NoStackTraces(logging.Filter):
    """The terminal says once what failed and why, never with a stack trace (the full event
    stays in the log file and the run's event log): step and run failures keep their first
    line, since the CLI prints each failed step's reason at the end of the run."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "RUN_FAILURE" in message or "STEP_FAILURE" in message:
            message = message.split("\n", 1)[0]
        record.msg, record.args = message.split("\n\nStack Trace:", 1)[0].rstrip(), None
        return True


@dg.logger(
    {
        "log_level": dg.Field(str, is_required=False, default_value="INFO"),
        "name": dg.Field(str, is_required=False, default_value="dagster"),
    },
    description="Dagster's colored console logger, without stack traces.",
)
def terminal_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    logger = dg.colored_console_logger.logger_fn(init_context)
    logger.addFilter(_NoStackTraces())
    return logger


def run_config(log_path: Path) -> dict:
    """Console at INFO, the file at DEBUG."""
    return {
        "loggers": {
            "console": {"config": {"log_level": "INFO"}},
            "file": {"config": {"path": str(log_path)}},
        }
    }


def summary(result, defs) -> list[str]:
    """The end of a run: what was materialized, and every warning with its count and meaning."""
    lines = []
    graph = defs.resolve_asset_graph()
    keys = {event.asset_key for event in result.get_asset_materialization_events()}
    built = Counter(graph.get(key).group_name or "other" for key in keys)
    if built:
        lines.append(
            "Materialized (assets by group): "
            + ", ".join(f"{group} {n}" for group, n in sorted(built.items()))
        )
    specs = {spec.key: spec for a in graph.assets_defs for spec in a.check_specs}
    warnings = [e for e in result.get_asset_check_evaluations() if not e.passed]
    if warnings:
        lines.append(f"{len(warnings)} warning(s):")
    for e in warnings:
        rows = e.metadata.get("dagster_dbt/failed_row_count")
        count = f"{rows.value} row(s)" if rows is not None else "failed"
        spec = specs.get(e.asset_check_key)
        meaning = spec.description if spec is not None else ""
        lines.append(
            f"  {e.severity.value} {e.check_name} on {e.asset_key.to_user_string()}: {count}. {meaning}"
        )
    return lines


def dbt_progress(context: dg.AssetExecutionContext, events):
    """Pass dagster-dbt's events through, logging progress at INFO about every fifth of the
    build and the totals at the end (dbt's own line per node goes to the log file only)."""
    total = len(context.selected_asset_keys) + len(context.selected_asset_check_keys)
    step = max(total // 5, 1)
    models = checks = 0
    for event in events:
        if isinstance(event, dg.AssetCheckResult | dg.AssetCheckEvaluation):
            checks += 1
        else:
            models += 1
        if (models + checks) % step == 0:
            context.log.info(
                f"dbt: {models + checks}/{total} done ({models} models, {checks} tests)"
            )
        yield event
    context.log.info(f"dbt built {models} models and seeds and ran {checks} tests")
