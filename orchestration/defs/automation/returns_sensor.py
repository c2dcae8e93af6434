"""The returns landing-folder sensor: load new and resubmitted return workbooks.

``returns_landing_sensor`` watches the returns folder (``RETURNS_DIR``, default
``raw/returns/``: the same folder the ``quarterly_returns`` asset loads from, so a run always
sees the file that triggered it). On each tick it hashes the workbooks that were touched
since the last tick and compares every return's sha256 with what the **published**
warehouse holds (``raw.return_files``):

* a quarter with files the published warehouse does not hold (new, resubmitted, or loaded by
  a run that then failed and undid its load) gets one ``load_all`` run for exactly that
  quarter. The run key is the quarter plus the hashes of those files, so the same content is
  never requested twice; but when the set changes (a bad file of a failed run was
  quarantined, leaving the good ones) the key changes and the good files are requested
  again, without anyone touching them;
* files the published warehouse already holds request nothing: the first ``make dev`` after
  ``make run`` starts no run;
* hidden and temporary files (``.~lock``, ``~$`` Excel owner files, ``*.tmp``) are ignored
  silently; a file whose name is not a return's is logged once, and when its name still says
  which quarter it is for (``…__2016-17__Q2 (1).xlsx``, a browser's second download) that
  quarter's run is requested so that the file is quarantined with a report at once (the load
  quarantines every misnamed file it finds); a workbook that is still being copied (not yet a
  complete zip archive) waits for the next tick.

A file removed from the folder requests no run (its rows stay until the quarter is next
loaded): an unmounted share must not empty the warehouse.

The cursor is JSON: ``{"files": {name: {"sha256", "size", "mtime_ns"}}, "ignored": {name:
reason}, "requested": {quarter: run key}}``. Size and modification time let a tick skip
re-hashing files that have not been touched.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Sequence
from pathlib import Path

import dagster as dg

from orchestration import config
from orchestration.defs.resources import Warehouse
from orchestration.fingerprints import sha256_of
from orchestration.periods import FinancialQuarter
from orchestration.planning import changes, selection
from orchestration.returns import landing
from orchestration.warehouse.published import input_sha256s

SENSOR_NAME = "returns_landing_sensor"
CURSOR_VERSION = 2


def _load_cursor(raw: str | None) -> dict:
    cursor = json.loads(raw) if raw else {}
    if cursor.get("version") != CURSOR_VERSION:
        cursor = {"files": cursor.get("files", {})}  # the file hashes are still good
    return {
        "version": CURSOR_VERSION,
        "files": cursor.get("files", {}),
        "ignored": cursor.get("ignored", {}),
        "requested": cursor.get("requested", {}),
    }


def _sha(path: Path, previous: dict | None, seen_files: dict, notes: list[str]) -> str | None:
    """The file's sha256 (from the cursor when untouched); None while it is being copied."""
    stat = path.stat()
    if previous and previous["size"] == stat.st_size and previous["mtime_ns"] == stat.st_mtime_ns:
        seen_files[path.name] = previous  # untouched since the last tick: no need to re-read it
        return previous["sha256"]
    if not zipfile.is_zipfile(path):
        # An .xlsx is a zip whose directory is written last: a partial copy is not one yet.
        # Keep the previous entry (if any) so the file is looked at again next tick.
        notes.append(f"{path.name} is not a complete workbook yet (still being copied?)")
        if previous:
            seen_files[path.name] = previous
        return None
    sha = sha256_of(path)
    seen_files[path.name] = {"sha256": sha, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    return sha


def evaluate(
    folder: Path, raw_cursor: str | None, log, published: set[str] | None = None
) -> tuple[list[dg.RunRequest], str, list[str]]:
    """One tick over ``folder``: the run requests, the new cursor, and what happened (for the
    skip reason). ``published``: the hashes the published warehouse holds (read if None).

    Pure apart from reading the folder and the published warehouse, so it can be reasoned
    about (and tested) without Dagster.
    """
    published = input_sha256s("returns") if published is None else published
    cursor = _load_cursor(raw_cursor)
    found = landing.scan(folder)
    seen_files: dict[str, dict] = {}
    ignored: dict[str, str] = {}
    pending: dict[str, list[tuple[str, str]]] = {}  # partition -> [(file name, sha256)]
    notes: list[str] = []

    for key, paths in found.returns.items():
        for path in paths:
            sha = _sha(path, cursor["files"].get(path.name), seen_files, notes)
            if sha is not None and sha not in published:
                pending.setdefault(key, []).append((path.name, sha))
    for path in found.misnamed:
        key = landing.quarter_mentioned(path.name)
        why = "name does not follow <council>__<service>__<YYYY-YY>__Q<n>.xlsx"
        ignored[path.name] = why
        if cursor["ignored"].get(path.name) != why:
            then = f"the load of {key} quarantines it" if key else "the next load quarantines it"
            log.warning(f"{path.name} in {folder}: {why}; {then}")
        if key is not None:
            sha = _sha(path, cursor["files"].get(path.name), seen_files, notes)
            if sha is not None:
                pending.setdefault(key, []).append((path.name, sha))

    for name in sorted(set(cursor["files"]) - set(seen_files)):
        # Not a reason to reload: the quarter's rows stay until it is next loaded.
        log.info(f"{name} is no longer in {folder}; its rows stay in the warehouse")

    requests, requested = [], {}
    for key in sorted(pending, key=FinancialQuarter.from_key):
        files = sorted(pending[key])
        # The content, not the name or the time: the same bytes never load twice.
        run_key = f"{key}:" + "+".join(sorted(sha for _, sha in files))
        requested[key] = run_key
        if cursor["requested"].get(key) == run_key:
            continue  # asked for already: Dagster would not launch the same key twice anyway
        for name, sha in files:
            log.info(f"return {name} ({sha[:12]}) for {key} is not in the published warehouse")
        requests.append(
            dg.RunRequest(
                partition_key=key,
                run_key=run_key,
                tags={
                    "returns/trigger": "sensor",
                    "returns/files": ",".join(name for name, _ in files),
                },
            )
        )
    new_cursor = {
        "version": CURSOR_VERSION,
        "files": seen_files,
        "ignored": ignored,
        "requested": requested,
    }
    return requests, json.dumps(new_cursor, sort_keys=True), notes


def planned_request(
    request: dg.RunRequest, instance: dg.DagsterInstance, assets: Sequence[dg.AssetsDefinition]
) -> dg.RunRequest:
    """``request`` building only what is downstream of what changed since the last publish
    (``orchestration/planning/selection.py``): the quarter's returns, and anything else that changed."""

    found = changes.since_last_publish(
        instance, selection.run_files({"dagster/partition": request.partition_key})
    )
    # A misnamed file is not a return the comparison sees, but its quarter's load is what
    # quarantines it.
    found.returns = sorted(set(found.returns) | set(request.tags["returns/files"].split(",")))
    plan = selection.plan(found)
    return request.with_replaced_attrs(
        asset_selection=plan.asset_keys(assets),
        run_config=plan.run_config(),
        tags={**request.tags, **plan.tags()},
    )


def returns_sensor_for(job, assets: Sequence[dg.AssetsDefinition]) -> dg.SensorDefinition:
    """The sensor for ``job`` (``load_all``); ``assets``: the code location's, among which a
    run's plan selects."""

    @dg.sensor(
        name=SENSOR_NAME,
        job=job,
        minimum_interval_seconds=config.returns_sensor_interval_seconds(),
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(
            "Watch the returns folder (RETURNS_DIR) and load each quarter with return workbooks "
            "the published warehouse does not hold yet (new, resubmitted, or left over by a failed run)."
        ),
    )
    def returns_landing_sensor(context: dg.SensorEvaluationContext, warehouse: Warehouse):
        folder = config.returns_dir()
        if not folder.is_dir():
            return dg.SkipReason(f"The returns folder {folder} does not exist")
        published = warehouse.published_input_sha256s("returns")
        requests, cursor, notes = evaluate(folder, context.cursor, context.log, published)
        if requests:
            planned = [planned_request(r, context.instance, assets) for r in requests]
            return dg.SensorResult(run_requests=planned, cursor=cursor)
        reason = "; ".join(notes) if notes else f"No new or resubmitted returns in {folder}"
        return dg.SensorResult(skip_reason=reason, cursor=cursor)

    return returns_landing_sensor
