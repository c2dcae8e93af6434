"""The session warehouse's state, for tests that change it and must leave it as they found
it: checksums of the published warehouse, outputs and raw tables; restoring the seed returns
after a test loaded others; and the returns a performance officer would resubmit.

Every pipeline test shares the one warehouse the session's run built from ``raw/``: a test
that loads something else calls :func:`restore_seed_returns` (or keeps the outputs with
:func:`preserved_outputs`) so that no test depends on which ran before it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import openpyxl

from orchestration import config
from orchestration.fingerprints import sha256_of
from orchestration.ops.cli import run
from orchestration.returns import format as fmt
from tests.support.paths import SEED_RETURNS

Q2 = "2019-20-Q2"
Q2_FILE = fmt.file_name("Midlothian", "Children's Services", Q2)
SICKNESS = "CS.CORP.SICKNESS"


# --- checksums ----------------------------------------------------------------------------


def table_checksums(db: Path, schema: str) -> dict[str, tuple]:
    """``schema.table -> (row count, sum of a hash of every whole row)`` for every table."""
    with duckdb.connect(str(db), read_only=True) as con:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where schema_name = ? order by 1", [schema]
            ).fetchall()
        ]
        return {
            f"{schema}.{t}": con.execute(
                f'select count(*), sum(hash(t)) from {schema}."{t}" as t'
            ).fetchone()
            for t in tables
        }


def published_checksums() -> dict[str, str]:
    """sha256 of the published warehouse and of every file under the outputs' excel/ and parquet/."""
    out = config.output_dir()
    sums = {"warehouse.duckdb": sha256_of(config.published_warehouse_path())}
    for sub in ("excel", "parquet"):
        for path in sorted((out / sub).rglob("*")) if (out / sub).exists() else []:
            if path.is_file():
                sums[str(path.relative_to(out))] = sha256_of(path)
    return sums


def snapshot() -> dict[str, object]:
    """Everything a failed or killed run must not change: the published warehouse and outputs
    (sha256 per file) and the working warehouse's raw tables (count and row hash per table,
    the ``*_replaced`` audit tables included)."""
    return {**published_checksums(), **table_checksums(config.work_warehouse_path(), "raw")}


def assert_unchanged(before: dict, after: dict) -> int:
    """Compare two snapshots key by key; returns how many checks passed."""
    assert after.keys() == before.keys()
    changed = [k for k in before if before[k] != after[k]]
    assert not changed, f"changed by a run that should have changed nothing: {changed}"
    return len(before)


def loaded_sha(partition_key: str) -> dict[str, str]:
    with duckdb.connect(str(config.work_warehouse_path()), read_only=True) as con:
        return dict(
            con.execute(
                "select source_file, source_sha256 from raw.return_files where partition_key = ?",
                [partition_key],
            ).fetchall()
        )


def published_value(code: str, period_key: str) -> float:
    with duckdb.connect(str(config.published_warehouse_path()), read_only=True) as con:
        return con.execute(
            "select value from marts.fct_indicator_value where indicator_code = ? and period_key = ?",
            [code, period_key],
        ).fetchone()[0]


def restore_seed_returns(instance, monkeypatch=None) -> None:
    """Reload any seed quarter whose loaded file differs from raw/returns (a no-op when none)."""
    if monkeypatch is not None:
        monkeypatch.setenv("RETURNS_DIR", str(SEED_RETURNS))
    else:
        os.environ.pop("RETURNS_DIR", None)
    stale = []
    for path in sorted(SEED_RETURNS.glob("*.xlsx")):
        m = fmt.FILE_NAME.match(path.name)
        key = f"{m.group('fy')}-Q{m.group('q')}"
        if loaded_sha(key).get(path.name) != sha256_of(path):
            stale.append(key)
    if stale:
        keys = sorted(stale, key=lambda k: (k[:7], k[-1]))
        assert run((keys[0], keys[-1]), instance=instance).success


def corrected_return(folder: Path, value: float) -> Path:
    """A copy of raw/returns in ``folder`` with the 2019-20-Q2 sickness value corrected (no
    "Submitted on": it counts as submitted the day it is loaded)."""
    shutil.copytree(SEED_RETURNS, folder)
    path = folder / Q2_FILE
    wb = openpyxl.load_workbook(path)
    ws = wb[fmt.INDICATORS_SHEET]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == SICKNESS)
    ws.cell(row, 3).value = value
    wb.save(path)
    return path


def seed_file(quarter: str) -> str:
    """The file name of Midlothian's seed return for ``quarter`` (``2019-20-Q4``)."""
    fy, q = quarter.rsplit("-", 1)
    return f"midlothian__childrens-services__{fy}__{q}.xlsx"


def resubmit(path: Path, code: str, value: float) -> None:
    """What a performance officer does: open the return, correct a value, save it again."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Indicators"]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[header.index("PI Code")].value == code:
            row[header.index("Value")].value = value
            break
    else:
        raise AssertionError(f"{code} not in {path.name}")
    wb.save(path)


@contextlib.contextmanager
def preserved_outputs() -> Iterator[None]:
    """Put the session's output folder (working and published warehouses, reports, Parquet)
    back as it was when the block ends: for tests that load other LGBF publications into the
    session warehouse, which reloading ``raw/`` does not undo (a publication once held stays
    held, as it must for reports as known at a date)."""
    out = config.output_dir()
    kept = out.with_name(out.name + ".kept")
    shutil.rmtree(kept, ignore_errors=True)
    shutil.copytree(out, kept, symlinks=True)
    try:
        yield
    finally:
        shutil.rmtree(out, ignore_errors=True)
        kept.rename(out)
