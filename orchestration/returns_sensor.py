"""The returns landing-folder sensor: load new and resubmitted return workbooks.

``returns_landing_sensor`` watches the returns folder (``RETURNS_DIR``, default
``raw/returns/``: the same folder the ``quarterly_returns`` asset loads from, so a run always
sees the file that triggered it). On each tick it compares every return workbook's sha256 with
the one recorded in its cursor and requests one ``load_all`` run per *affected* quarter:

* a new file, or a changed (resubmitted) file for any quarter, past or present, reruns exactly
  that quarter (the ingest reads only the changed workbooks and replaces what was loaded for
  their council, service and quarter);
* the run key is the quarter plus the content hash of the file(s) that changed, so a given
  file's content is never loaded twice, even if the cursor is lost or a file is renamed;
* unchanged files request nothing; hidden and temporary files (``.~lock``, ``~$`` Excel owner
  files, ``*.tmp``) are ignored silently; other names that do not follow
  ``<council>__<service>__<YYYY-YY>__Q<n>.xlsx`` are logged once and skipped; a workbook that
  is still being copied (not yet a complete zip archive) waits for the next tick.

A file removed from the folder requests no run (its rows stay until the quarter is next
loaded): an unmounted share must not empty the warehouse.

The cursor is JSON: ``{"files": {name: {"sha256", "size", "mtime_ns"}}, "ignored": {name: reason}}``.
Size and modification time let a tick skip re-hashing files that have not been touched.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import dagster as dg

from orchestration import settings
from orchestration.partitions import FinancialQuarter, financial_quarters
from orchestration.returns import format as fmt
from orchestration.returns.reader import sha256_of

SENSOR_NAME = "returns_landing_sensor"
DEFAULT_INTERVAL_SECONDS = 60
CURSOR_VERSION = 1
TEMPORARY_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", ".swp")


def interval_seconds() -> int:
    raw = os.environ.get("RETURNS_SENSOR_INTERVAL_SECONDS", "").strip()
    return int(raw) if raw else DEFAULT_INTERVAL_SECONDS


def is_temporary(name: str) -> bool:
    """Hidden files, editor lock files and partial downloads: never returns, never worth a log line."""
    return name.startswith((".", "~")) or name.lower().endswith(TEMPORARY_SUFFIXES)


def partition_for(name: str) -> tuple[str | None, str | None]:
    """``(partition key, None)`` for a return workbook's file name, else ``(None, why not)``."""
    m = fmt.FILE_NAME.match(name)
    if not m:
        return None, "name does not follow <council>__<service>__<YYYY-YY>__Q<n>.xlsx"
    key = f"{m.group('fy')}-Q{m.group('q')}"
    try:
        FinancialQuarter.from_key(key)
    except ValueError:
        return None, f"{m.group('fy')} is not a financial year (e.g. 2019-20)"
    if key not in financial_quarters.get_partition_keys():
        return None, f"quarter {key} is outside the partitions this warehouse defines"
    return key, None


def _load_cursor(raw: str | None) -> dict:
    cursor = json.loads(raw) if raw else {}
    if cursor.get("version") != CURSOR_VERSION:
        cursor = {}
    return {
        "version": CURSOR_VERSION,
        "files": cursor.get("files", {}),
        "ignored": cursor.get("ignored", {}),
    }


def evaluate(
    folder: Path, raw_cursor: str | None, log
) -> tuple[list[dg.RunRequest], str, list[str]]:
    """One tick over ``folder``: the run requests, the new cursor, and what happened (for the skip reason).

    Pure apart from reading the folder, so it can be reasoned about (and tested) without Dagster.
    """
    cursor = _load_cursor(raw_cursor)
    seen_files: dict[str, dict] = {}
    ignored: dict[str, str] = {}
    changed: dict[str, list[tuple[str, str]]] = {}  # partition -> [(file name, sha256)]
    notes: list[str] = []

    for path in sorted(folder.iterdir()):
        name = path.name
        if not path.is_file() or is_temporary(name):
            continue
        key, why_not = partition_for(name)
        if key is None:
            ignored[name] = why_not
            if cursor["ignored"].get(name) != why_not:
                log.warning(f"Ignoring {name} in {folder}: {why_not}")
            continue
        stat = path.stat()
        previous = cursor["files"].get(name)
        if (
            previous
            and previous["size"] == stat.st_size
            and previous["mtime_ns"] == stat.st_mtime_ns
        ):
            seen_files[name] = previous  # untouched since the last tick: no need to re-read it
            continue
        if not zipfile.is_zipfile(path):
            # An .xlsx is a zip whose directory is written last: a partial copy is not one yet.
            # Keep the previous entry (if any) so the file is looked at again next tick.
            notes.append(f"{name} is not a complete workbook yet (still being copied?)")
            if previous:
                seen_files[name] = previous
            continue
        sha = sha256_of(path)
        seen_files[name] = {"sha256": sha, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
        if previous and previous["sha256"] == sha:
            continue  # touched or copied again, same content
        what = "resubmitted" if previous else "new"
        log.info(f"{what} return {name} ({sha[:12]}) for {key}")
        changed.setdefault(key, []).append((name, sha))

    for name in sorted(set(cursor["files"]) - set(seen_files)):
        # Not a reason to reload: the quarter's rows stay until it is next loaded.
        log.info(f"{name} is no longer in {folder}; its rows stay in the warehouse")

    requests = []
    for key in sorted(changed, key=FinancialQuarter.from_key):
        files = sorted(changed[key])
        requests.append(
            dg.RunRequest(
                partition_key=key,
                # The content, not the name or the time: the same bytes never load twice.
                run_key=f"{key}:" + "+".join(sha for _, sha in sorted(files, key=lambda f: f[1])),
                tags={
                    "returns/trigger": "sensor",
                    "returns/files": ",".join(name for name, _ in files),
                },
            )
        )
    new_cursor = {"version": CURSOR_VERSION, "files": seen_files, "ignored": ignored}
    return requests, json.dumps(new_cursor, sort_keys=True), notes


def returns_sensor_for(job) -> dg.SensorDefinition:
    @dg.sensor(
        name=SENSOR_NAME,
        job=job,
        minimum_interval_seconds=interval_seconds(),
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(
            "Watch the returns folder (RETURNS_DIR) and load each quarter whose return workbooks "
            "are new or resubmitted."
        ),
    )
    def returns_landing_sensor(context: dg.SensorEvaluationContext):
        folder = settings.returns_dir()
        if not folder.is_dir():
            return dg.SkipReason(f"The returns folder {folder} does not exist")
        requests, cursor, notes = evaluate(folder, context.cursor, context.log)
        if requests:
            return dg.SensorResult(run_requests=requests, cursor=cursor)
        reason = "; ".join(notes) if notes else f"No new or resubmitted returns in {folder}"
        return dg.SensorResult(skip_reason=reason, cursor=cursor)

    return returns_landing_sensor
