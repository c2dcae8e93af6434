"""Load one or more quarters' return workbooks into ``raw.*``, and set aside those rejected.

The ``quarterly_returns`` asset (``orchestration/defs/ingest/returns.py``) calls these two
steps on the working warehouse:

* :func:`load_returns`: every changed file (a sha256 the warehouse does not hold for its
  name) is read and checked, on every core, against the return format, the data rules and
  its council's framework in force; the good ones are written in ONE transaction (all or
  nothing if the process dies) and logged with the run's id, so that a dbt test failing later
  in the run can undo exactly this load (``orchestration/transform/recovery.py``);
* :func:`set_aside`: each rejected file, and each file whose name is not a return's, leaves
  the landing folder for the quarantine folder with its report, and is logged as rejected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from orchestration.faults import pause_point
from orchestration.fingerprints import sha256_of
from orchestration.frameworks.in_force import codes_from_folder
from orchestration.frameworks.store import codes_in_force
from orchestration.returns import landing
from orchestration.returns.batch import ReaderPool
from orchestration.returns.quarantine import quarantine
from orchestration.returns.reader import ParsedReturn
from orchestration.returns.store import (
    RAW_TABLES,
    ensure_raw_schema,
    loaded_files,
    log_ingest,
    write_returns,
)

BATCH_FILES = 1000  # files parsed and held in memory at once


@dataclass
class Load:
    """What a load of some quarters found and did."""

    files: int  # return workbooks for the quarters
    changed: list[Path] = field(default_factory=list)  # read (new or resubmitted)
    loaded: list[ParsedReturn] = field(default_factory=list)
    rejected: list = field(default_factory=list)  # ReturnRejected, with the file's path
    shas: dict[Path, str] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RAW_TABLES, 0))

    @property
    def unchanged(self) -> int:
        return self.files - len(self.changed)


def _log_rows(loaded: list[ParsedReturn]) -> list[dict]:
    return [
        {
            "source_file": r.path.name,
            "source_sha256": r.sha256,
            "partition_key": r.partition_key,
            "council": r.council,
            "service": r.service,
            "financial_year": r.quarter.financial_year,
        }
        for r in loaded
    ]


def load_returns(con, paths: list[Path], keys: list[str], run_id: str, now: datetime) -> Load:
    """Read the changed files among ``paths`` (the workbooks of the quarters ``keys``) and
    write the good ones in one transaction; a rejected file is left out, never the load."""
    ensure_raw_schema(con)
    held = loaded_files(con, keys)
    load = Load(files=len(paths), shas={p: sha256_of(p) for p in paths})  # each file read once
    load.changed = [p for p in paths if held.get(p.name) != load.shas[p]]
    con.execute("begin transaction")
    try:
        # A warehouse without a framework load yet (a quarter loaded on its own): the
        # framework workbooks in the framework folder, as a reader on its own uses.
        codes = codes_in_force(con) or codes_from_folder()
        with ReaderPool(len(load.changed), codes=codes) as pool:
            for start in range(0, len(load.changed), BATCH_FILES):
                batch = load.changed[start : start + BATCH_FILES]
                parsed, bad = pool.read(batch, [load.shas[p] for p in batch])
                load.rejected += bad
                written = write_returns(con, parsed, now)
                load.rows = {t: load.rows[t] + written[t] for t in load.rows}
                load.loaded += parsed
        log_ingest(con, run_id, now, "loaded", _log_rows(load.loaded))
        pause_point("ingest")  # fault-injection point for the crash-safety tests
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return load


def set_aside(con, load: Load, misnamed: list[Path], run_id: str, now: datetime) -> list[dict]:
    """Move each rejected and each misnamed file to the quarantine folder with its report (so
    that the next run does not trip over it again), log them, and return one dict each."""
    rejections = [
        {
            "source_file": exc.path.name,
            "source_sha256": load.shas[exc.path],
            "partition_key": landing.partition_key_of(exc.path.name),
            "quarantined_to": str(quarantine(exc.path, str(exc))),
            "problems": len(exc.problems) + exc.more,
            "message": str(exc),
        }
        for exc in load.rejected
    ]
    for path in misnamed:
        message = f"{path.name}: {landing.EXPECTED_NAME}"
        rejections.append(
            {
                "source_file": path.name,
                "source_sha256": sha256_of(path),
                "partition_key": landing.quarter_mentioned(path.name),
                "quarantined_to": str(quarantine(path, message)),
                "problems": 1,
                "message": message,
            }
        )
    log_ingest(con, run_id, now, "rejected", rejections)
    return rejections


def rejection_line(r: dict) -> str:
    return (
        f"Rejected {r['source_file']}: moved to {r['quarantined_to']} ({r['problems']} problem(s))"
    )


def rejection_summary(rejections: list[dict]) -> str:
    """One line per rejected file (where it went), then each file's problems."""
    lines = "\n".join(rejection_line(r) for r in rejections)
    return lines + "\n\n" + "\n\n".join(r["message"] for r in rejections)
