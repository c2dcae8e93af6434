"""The bad-returns corpus (tests/bad_returns/generate.py) against the reader and the pipeline.

* Reader: every case has the outcome its table row declares. An accepted case's values reach
  the reader in canonical form; a rejected case's problem names the file, and the sheet, row
  and column where there is one, with the declared message.
* Pipeline: every rejected case lands in one folder beside copies of the real returns; the
  run fails, each rejected file is quarantined with a report naming sheet, row and column,
  and the published warehouse, the published Excel and Parquet files and the working
  warehouse's raw tables are unchanged (checksums). The next run, with the quarantined files
  gone, succeeds and loads the accepted cases as resubmissions of the real quarters (in two
  batches: two cases per quarter); their normalised values are checked in staging. At the
  end the real returns are reloaded, since the session's warehouse is shared.
"""

from __future__ import annotations

import csv
import shutil
from collections import defaultdict

import duckdb
import pytest

from orchestration import settings
from orchestration.catalogue import CATALOGUE_CSV, known_indicator_codes
from orchestration.cli import run
from orchestration.returns import format as fmt
from orchestration.returns.reader import ReturnRejected, read_return, sha256_of
from tests.bad_returns import generate
from tests.bad_returns.generate import CASES, Accepted, Rejected
from tests.conftest import REPO
from tests.test_reliability import (
    SEED_RETURNS,
    assert_unchanged,
    restore_seed_returns,
    snapshot,
)

UNITS = {
    r["indicator_code"]: r["unit"] for r in csv.DictReader(CATALOGUE_CSV.open(encoding="utf-8"))
}
FIRST, LAST = "2015-16-Q2", "2019-20-Q4"  # the real returns' quarters
STAGING_COLUMN = {"Value": "value", "Numerator": "numerator", "Denominator": "denominator"}
PERIOD_TYPE = {fmt.PERIOD_QUARTER: "quarter", fmt.PERIOD_YEAR_END: "year"}
REJECTED = [c for c in CASES if not c.accepted]
ACCEPTED = [c for c in CASES if c.accepted]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Generate the corpus once, through the script's command-line entry point."""
    out = tmp_path_factory.mktemp("bad_returns")
    assert generate.main([str(out)]) == 0
    return {c.name: out / c.name / c.target_name for c in CASES}


def canonical(code: str, value, is_percent: bool):
    """The documented percentage rule (docs/return_format.md), applied in staging: a plain
    number strictly between 0 and 1 for a % indicator is a proportion."""
    if value is not None and UNITS.get(code) == "%" and not is_percent and 0 < value < 1:
        return round(value * 100, 10)
    return value


def test_the_corpus_table():
    assert len(CASES) >= 30
    assert len({c.name for c in CASES}) == len(CASES)
    # every rejected file can sit in one landing folder
    assert len({c.target_name for c in REJECTED}) == len(REJECTED)
    for c in ACCEPTED:
        assert c.target_name == generate.real_return(c.base).name and c.expect.values
    # docs/reliability.md has a row for every case
    doc = (REPO / "docs" / "reliability.md").read_text(encoding="utf-8")
    assert [c.name for c in CASES if f"| `{c.name}` |" not in doc] == []
    # the list, each at least once
    names = " ".join(c.name for c in CASES)
    for topic in ("missing_sheet", "renamed_column", "missing_column", "extra_columns", "text_in",
                  "percent_as_points", "percent_as_text", "percent_cell_format", "percent_as_plain_proportion",
                  "disagrees_with_file_name", "quarter_q5", "2019_21", "duplicate_pi_code", "unknown_pi_code",
                  "empty_workbook", "csv_renamed_xlsx", "password_protected", "zip_bomb", "formula_with_cached",
                  "formula_without_cached", "merged_cells", "dates_as_text", "very_large_sheet",
                  "invisible_characters_in_codes", "stray_whitespace_in_headers"):  # fmt: skip
        assert topic in names, topic


# --- reader level -------------------------------------------------------------------------


def _read_back(parsed, norm: generate.Norm):
    if norm.sheet == fmt.METADATA_SHEET:
        return getattr(parsed, norm.key)
    records = parsed.indicators if norm.sheet == fmt.INDICATORS_SHEET else parsed.actions
    key = "PI Code" if norm.sheet == fmt.INDICATORS_SHEET else "Code"
    found = [r for r in records if r[key] == norm.key and r["Period"] == norm.period]
    assert len(found) == 1, (norm, [r[key] for r in records])
    value = found[0][norm.field]
    if norm.field in STAGING_COLUMN:
        value, is_percent = value
        return canonical(norm.key, value, is_percent) if norm.field == "Value" else value
    return value


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_reader_outcome_matches_the_table(corpus, case):
    path = corpus[case.name]
    if isinstance(case.expect, Accepted):
        parsed = read_return(path, known_codes=known_indicator_codes())
        for norm in case.expect.values:
            got = _read_back(parsed, norm)
            if isinstance(norm.expected, float):
                assert got == pytest.approx(norm.expected), norm
            else:
                assert got == norm.expected, norm
        return

    expect: Rejected = case.expect
    with pytest.raises(ReturnRejected) as raised:
        read_return(path, known_codes=known_indicator_codes())
    exc = raised.value
    message = str(exc)
    assert message.startswith(f"Return {path.name} rejected")
    for p in exc.problems:
        assert p.file == path.name and str(p).startswith(path.name)
        assert p.sheet or (p.row is None and p.column is None), p  # a row or column is on a sheet
    matching = [p for p in exc.problems if expect.message in p.problem]
    assert matching, f"{expect.message!r} not in:\n{message}"
    p = matching[0]
    assert p.sheet == expect.sheet, p
    assert p.row == expect.row, p
    if expect.sheet:
        assert f"sheet '{expect.sheet}'" in str(p)
    if expect.row:
        assert f"row {expect.row}" in str(p)
    if expect.column:
        assert expect.column in (p.column or "") and f"column {p.column}" in str(p), p
    else:
        assert p.column is None, p
    if not case.picked_up:  # e.g. a Q5 file name: the ingest never offers it to the reader
        assert not fmt.FILE_NAME.match(path.name)


# --- pipeline level -----------------------------------------------------------------------


def _staging_value(con, file_sha: str, norm: generate.Norm):
    """The value a loaded file (by content hash) has in staging for one Norm."""
    if norm.sheet == fmt.METADATA_SHEET:
        rows = con.execute(
            f"select distinct {norm.key} from staging.stg_returns__indicator_values where source_sha256 = ?",
            [file_sha],
        ).fetchall()
    elif norm.sheet == fmt.INDICATORS_SHEET:
        rows = con.execute(
            f"""select {STAGING_COLUMN[norm.field]} from staging.stg_returns__indicator_values
                where indicator_code = ? and period_type = ? and source_sha256 = ?""",
            [norm.key, PERIOD_TYPE[norm.period], file_sha],
        ).fetchall()
    else:
        column = {"Due Date": "due_date", "Progress %": "progress_pct"}[norm.field]
        rows = con.execute(
            f"""select {column} from staging.stg_returns__actions
                where action_code = ? and period_type = ? and source_sha256 = ?""",
            [norm.key, PERIOD_TYPE[norm.period], file_sha],
        ).fetchall()
    assert len(rows) == 1, (norm, rows)
    return rows[0][0]


def _batches() -> list[list[generate.Case]]:
    """Accepted cases in batches with at most one case per real quarter (one file name each)."""
    by_base = defaultdict(list)
    for c in ACCEPTED:
        by_base[c.base].append(c)
    return [
        [cases[i] for cases in by_base.values() if i < len(cases)]
        for i in range(max(map(len, by_base.values())))
    ]


def test_corpus_through_the_pipeline(corpus, built_warehouse, instance, tmp_path, monkeypatch):
    landing, quarantine = tmp_path / "returns", tmp_path / "quarantine"
    shutil.copytree(SEED_RETURNS, landing)
    for c in REJECTED:
        shutil.copy(corpus[c.name], landing / c.target_name)
    monkeypatch.setenv("RETURNS_DIR", str(landing))
    monkeypatch.setenv("QUARANTINE_DIR", str(quarantine))
    picked = [c for c in REJECTED if c.picked_up]
    try:
        # 1. Every rejected case at once: the run fails and changes nothing.
        before = snapshot()
        result = run((FIRST, LAST), instance=instance)
        assert not result.success
        checks = assert_unchanged(before, snapshot())  # every published file, every raw table
        assert checks == len(before) > 10
        failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
        failure_text = failure.step_failure_data.error.message + str(
            failure.step_failure_data.user_failure_data
        )
        for c in picked:
            expect: Rejected = c.expect
            assert c.target_name in failure_text
            assert not (landing / c.target_name).exists()
            moved = [p for p in quarantine.glob(f"*__{c.target_name}")]
            assert len(moved) == 1, (c.name, moved)
            assert sha256_of(moved[0]) == sha256_of(corpus[c.name])  # kept as received
            report = moved[0].with_name(moved[0].name + ".txt").read_text(encoding="utf-8")
            assert f"Rejected: {c.target_name}" in report and expect.message in report, c.name
            for where in (
                f"sheet '{expect.sheet}'" if expect.sheet else None,
                f"row {expect.row}" if expect.row else None,
                f"column {expect.column}" if expect.column else None,
            ):
                assert where is None or where in report, (c.name, where)
        for c in REJECTED:
            if not c.picked_up:  # not a return's file name: never read, left where it is
                assert (landing / c.target_name).exists()
        assert sorted(
            p.name for p in landing.glob("*.xlsx") if fmt.FILE_NAME.match(p.name)
        ) == sorted(p.name for p in SEED_RETURNS.glob("*.xlsx"))
        quarantined = sorted(p.name for p in quarantine.iterdir())
        assert len(quarantined) == 2 * len(picked)
        print(
            f"\n{len(CASES)} inputs: {len(ACCEPTED)} accepted with a normalisation, {len(REJECTED)} "
            f"rejected ({len(picked)} quarantined by one run); {checks} unchanged-output checks passed"
        )

        # 2. The next runs, with the rejected files gone: the accepted cases load as
        # resubmissions, normalised.
        for batch in _batches():
            for c in batch:
                shutil.copy(corpus[c.name], landing / c.target_name)
            assert run((FIRST, LAST), instance=instance).success
            assert sorted(p.name for p in quarantine.iterdir()) == quarantined
            with duckdb.connect(str(settings.published_warehouse_path()), read_only=True) as con:
                for c in batch:
                    for norm in c.expect.values:
                        got = _staging_value(con, sha256_of(corpus[c.name]), norm)
                        if isinstance(norm.expected, float):
                            assert got == pytest.approx(norm.expected), (c.name, norm)
                        else:  # text, a date, or None (a blank marker)
                            assert got == norm.expected, (c.name, norm)
    finally:
        # 3. Put the real returns back for the rest of the session.
        restore_seed_returns(instance, monkeypatch)
