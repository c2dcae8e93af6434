"""The quarterly schedule: load the quarter that has just closed.

Councils return a quarter's performance in the weeks after it ends, so the deadline load runs
on a configurable day of the month after each quarter (``QUARTERLY_LOAD_DAY``, default the
15th, at ``QUARTERLY_LOAD_HOUR``:00, default 06:00, UK time) and requests the partition of the
quarter that has just ended: the tick on 15 October 2019 loads ``2019-20-Q2`` (July-September),
the tick on 15 April 2020 loads ``2019-20-Q4``.

Returns that arrive earlier or later are loaded by the landing-folder sensor
(``orchestration/defs/automation/returns_sensor.py``); this schedule is the guarantee that every quarter is
loaded once its deadline has passed, even with the sensor stopped.
"""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

from orchestration import config
from orchestration.periods import FinancialQuarter
from orchestration.planning import selection
from orchestration.returns.landing import files_for

SCHEDULE_NAME = "quarterly_returns_schedule"
# Months that follow the end of a financial quarter: Q1 ends in June, Q2 in September,
# Q3 in December and Q4 in March.
MONTHS_AFTER_QUARTER_END = "1,4,7,10"
TIMEZONE = "Europe/London"


def cron_schedule(day: int | None = None, hour: int | None = None) -> str:
    day = config.quarterly_load_day() if day is None else day
    hour = config.quarterly_load_hour() if hour is None else hour
    return f"0 {hour} {day} {MONTHS_AFTER_QUARTER_END} *"


def quarter_just_ended(scheduled: object) -> FinancialQuarter:
    """The quarter before the one containing ``scheduled`` (a date or datetime)."""
    day = scheduled.date() if hasattr(scheduled, "date") else scheduled
    return FinancialQuarter.containing(day).previous()


def quarterly_schedule_for(job, assets: Sequence[dg.AssetsDefinition]) -> dg.ScheduleDefinition:
    """The schedule for ``job`` (the ``load_all`` job); reads the day/hour from the environment.
    ``assets``: the code location's, among which a run's plan selects."""

    @dg.schedule(
        name=SCHEDULE_NAME,
        job=job,
        cron_schedule=cron_schedule(),
        execution_timezone=TIMEZONE,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=(
            "After each quarter closes: load the quarter just ended, rebuild the warehouse and publish it."
        ),
    )
    def quarterly_returns_schedule(context: dg.ScheduleEvaluationContext):
        quarter = quarter_just_ended(context.scheduled_execution_time)
        files = files_for([quarter])
        if not files:
            # Loading an empty quarter would mark it materialised with nothing in it; the
            # landing-folder sensor loads the returns whenever they do arrive.
            return dg.SkipReason(
                f"No returns for {quarter.key} ({quarter.label}) in {config.returns_dir()} yet"
            )
        # What changed since the last publish decides what the run builds (one place:
        # orchestration/planning/selection.py); with nothing changed there is no run to start.

        plan = selection.since_last_publish(context.instance, files)
        if plan.nothing:
            return dg.SkipReason(
                f"Nothing changed since the last successful publish: the {len(files)} return(s) "
                f"for {quarter.key}, the LGBF files, the frameworks and the code are as published"
            )
        return dg.RunRequest(
            partition_key=quarter.key,
            tags={"returns/trigger": "schedule", "returns/files": str(len(files)), **plan.tags()},
            asset_selection=plan.asset_keys(assets),
            run_config=plan.run_config(),
        )

    return quarterly_returns_schedule
