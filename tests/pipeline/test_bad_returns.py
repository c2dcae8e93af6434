"""The bad-returns corpus (tests/support/bad_returns/generate.py) against the reader and the pipeline.

* Reader: every case has the outcome its table row declares. An accepted case's values reach
  the reader in canonical form; a rejected case's problem names the file, and the sheet, row
  and column where there is one, with the declared message.
* Pipeline: every rejected case lands in one folder beside copies of the real returns and the
  first batch of accepted cases. One run quarantines each rejected file with a report naming
  sheet, row and column (misnamed files too), fails the ``every_return_accepted`` check naming
  them, and loads and publishes the good files (no row of a rejected file reaches the
  warehouse). The next runs load the other accepted cases as resubmissions of the real
  quarters (one case per quarter per run); their normalised values are checked in staging.
  At the end the real returns are reloaded, since the session's warehouse is shared.
"""

from __future__ import annotations

import csv
import shutil
from collections import defaultdict

import duckdb
import pytest

from orchestration import config
from orchestration.defs.ingest.returns import ACCEPTED_CHECK, REJECTED_TAG
from orchestration.fingerprints import sha256_of
from orchestration.ops.cli import rejected_returns, run
from orchestration.returns import format as fmt
from orchestration.returns.reader import ReturnRejected, read_return
from tests.support.bad_returns import generate
from tests.support.bad_returns.generate import CASES, Accepted, Rejected
from tests.support.catalogue import CATALOGUE_CSV
from tests.support.paths import REPO, SEED_RETURNS
from tests.support.seed_state import restore_seed_returns

UNITS = {
    r["indicator_code"]: r["unit"] for r in csv.DictReader(CATALOGUE_CSV.open(encoding="utf-8"))
}
FIRST, LAST = "2015-16-Q2", "2019-20-Q4"  # the real returns' quarters
STAGING_COLUMN = {"Value": "value", "Numerator": "numerator", "Denominator": "denominator"}
STAGING_TEXT = {"Status": "reported_status"}
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
        parsed = read_return(path)
        for norm in case.expect.values:
            got = _read_back(parsed, norm)
            if isinstance(norm.expected, float):
                assert got == pytest.approx(norm.expected), norm
            else:
                assert got == norm.expected, norm
        return

    expect: Rejected = case.expect
    with pytest.raises(ReturnRejected) as raised:
        read_return(path)
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
    for fragment in expect.also:  # every problem of the file in the one message
        assert fragment in message, f"{fragment!r} not in:\n{message}"


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
            f"""select {STAGING_COLUMN.get(norm.field) or STAGING_TEXT[norm.field]}
                from staging.stg_returns__indicator_values
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


def _in_published(con, shas: list[str]) -> int:
    """Rows of these files (by content hash) in the published warehouse's raw tables."""
    return sum(
        con.execute(
            f"select count(*) from raw.{table} where source_sha256 in (select unnest(?))", [shas]
        ).fetchone()[0]
        for table in ("return_files", "return_indicator_values", "return_actions", "return_risks")
    )


def _check_staging(con, batch, corpus) -> None:
    """Each accepted case's normalised values, as staging holds them."""
    for c in batch:
        for norm in c.expect.values:
            got = _staging_value(con, sha256_of(corpus[c.name]), norm)
            if isinstance(norm.expected, float):
                assert got == pytest.approx(norm.expected), (c.name, norm)
            else:  # text, a date, or None (a blank marker)
                assert got == norm.expected, (c.name, norm)


def test_corpus_through_the_pipeline(corpus, built_warehouse, instance, tmp_path, monkeypatch):
    landing, quarantine = tmp_path / "returns", tmp_path / "quarantine"
    shutil.copytree(SEED_RETURNS, landing)
    for c in REJECTED:
        shutil.copy(corpus[c.name], landing / c.target_name)
    batches = _batches()
    # The first batch of accepted cases lands beside every rejected case: the good files of a
    # batch are not held hostage by the bad ones.
    for c in batches[0]:
        shutil.copy(corpus[c.name], landing / c.target_name)
    monkeypatch.setenv("RETURNS_DIR", str(landing))
    monkeypatch.setenv("QUARANTINE_DIR", str(quarantine))
    try:
        # 1. One run: every rejected file is quarantined with its report, the good ones are
        # loaded and published, and the acceptance check fails naming each rejected file.
        result = run((FIRST, LAST), instance=instance)
        assert result.success
        (evaluation,) = [
            e for e in result.get_asset_check_evaluations() if e.check_name == ACCEPTED_CHECK
        ]
        assert not evaluation.passed and evaluation.severity.value == "ERROR"
        # ... and the run's row in the UI's Runs page says so (a failed check leaves it green).
        tags = instance.get_run_by_id(result.run_id).tags
        assert (
            tags[REJECTED_TAG]
            == f"{len(REJECTED)} return(s) quarantined: see every_return_accepted"
        )
        (summary,) = rejected_returns(result)  # what `make run` prints, without a stack trace
        assert "Traceback" not in summary
        for c in REJECTED:
            expect: Rejected = c.expect
            assert f"Rejected {c.target_name}: moved to {quarantine}" in summary, c.name
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
                *expect.also,
            ):
                assert where is None or where in report, (c.name, where)
        # Only the returns are left in the landing folder; two files per rejected case.
        assert sorted(p.name for p in landing.iterdir()) == sorted(
            p.name for p in SEED_RETURNS.glob("*.xlsx")
        )
        quarantined = sorted(p.name for p in quarantine.iterdir())
        assert len(quarantined) == 2 * len(REJECTED)
        with duckdb.connect(str(config.published_warehouse_path()), read_only=True) as con:
            assert _in_published(con, [sha256_of(corpus[c.name]) for c in REJECTED]) == 0
            _check_staging(con, batches[0], corpus)
        print(
            f"\n{len(CASES)} inputs: {len(ACCEPTED)} accepted with a normalisation, {len(REJECTED)} "
            f"rejected and quarantined by one run that published {len(batches[0])} good files"
        )

        # 2. The next runs: the other accepted cases load as resubmissions, normalised.
        for batch in batches[1:]:
            for c in batch:
                shutil.copy(corpus[c.name], landing / c.target_name)
            assert run((FIRST, LAST), instance=instance).success
            assert sorted(p.name for p in quarantine.iterdir()) == quarantined
            with duckdb.connect(str(config.published_warehouse_path()), read_only=True) as con:
                _check_staging(con, batch, corpus)
    finally:
        # 3. Put the real returns back for the rest of the session.
        restore_seed_returns(instance, monkeypatch)
