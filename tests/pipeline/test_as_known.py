"""Each report prints the returns as submitted by its date.

The seed 2019-20-Q3 return gives CS.CORP.SICKNESS 7.82 days (the 2019/20 seed report's Q3
column). A resubmission of that return, Submitted on 15 June 2020, changes it to 7.95 days:
**a test change**, not a figure from any council report. Then

* the Q3 2019/20 report (dated 25 February 2020: quarter end + 8 weeks) and the 2019/20
  annual report (26 May 2020) still print 7.82: they are dated before the resubmission (no
  version had been submitted by then either: the seed return was loaded today, with no
  "Submitted on", so they print the first version loaded);
* the annual report dated 12 weeks after the year end (23 June 2020: the report-date offset
  is a run option) prints 7.95 in its Q3 column, and so does the Q3 report regenerated as of
  today;
* the audit trail keeps both: raw.return_indicator_values_replaced and
  marts.fct_indicator_value_history hold 7.82, superseded on 15 June 2020.

The resubmission is dated after every seed period's default report date, so once the module
puts the seed return back (loaded today, undated), every report as of its default date is
as it was.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import openpyxl
import pytest

from orchestration import config
from orchestration.fingerprints import sha256_of
from orchestration.ops.cli import run
from orchestration.reports.queries import Period
from orchestration.reports.service_report import build_service_report, read_report_data
from orchestration.returns import format as fmt
from tests.support.paths import SEED_RETURNS
from tests.support.seed_state import restore_seed_returns

COUNCIL, SERVICE = "Midlothian", "Children's Services"
SICKNESS = "CS.CORP.SICKNESS"
Q3 = "2019-20-Q3"
Q3_FILE = fmt.file_name(COUNCIL, SERVICE, Q3)
SEED_VALUE = 7.82  # the 2019/20 seed report, Q3 2019/20 column (000 l.77)
TEST_VALUE = 7.95  # a test change: the resubmission's value
SUBMITTED_ON = "2020-06-15"


@pytest.fixture(scope="module", autouse=True)
def seed_state_after_module(built_warehouse, instance):
    """Other test modules share the session warehouse: leave it loaded from raw/returns."""
    yield
    restore_seed_returns(instance)


def _resubmitted_q3(folder: Path) -> Path:
    shutil.copytree(SEED_RETURNS, folder)
    path = folder / Q3_FILE
    wb = openpyxl.load_workbook(path)
    ws = wb[fmt.INDICATORS_SHEET]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == SICKNESS)
    assert ws.cell(row, 3).value == pytest.approx(SEED_VALUE)
    ws.cell(row, 3).value = TEST_VALUE
    meta = wb[fmt.METADATA_SHEET]
    row = next(r for r in range(1, meta.max_row + 1) if meta.cell(r, 1).value == "Submitted on")
    meta.cell(row, 2).value = SUBMITTED_ON
    wb.save(path)
    return path


def _q3_sickness(con, report_period: str, as_of: date) -> float:
    data = read_report_data(con, COUNCIL, SERVICE, Period.from_key(report_period), as_of)
    return data["values"][(SICKNESS, Q3)]["value"]


def _printed(path: Path) -> set:
    wb = openpyxl.load_workbook(path, read_only=True)
    return {c for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row}


def test_a_resubmission_shows_in_the_reports_dated_after_it_only(
    built_warehouse, instance, tmp_path, monkeypatch
):
    restore_seed_returns(instance, monkeypatch)
    returns = _resubmitted_q3(tmp_path / "returns")
    monkeypatch.setenv("RETURNS_DIR", str(returns.parent))
    assert run((Q3, Q3), instance=instance).success

    q3, year = Period.from_key(Q3), Period.from_key("2019-20")
    assert (q3.report_date(), year.report_date()) == (date(2020, 2, 25), date(2020, 5, 26))
    assert year.report_date(12) == date(2020, 6, 23)
    with duckdb.connect(str(config.published_warehouse_path()), read_only=True) as con:
        # Reports dated before the resubmission: as first returned.
        assert _q3_sickness(con, Q3, q3.report_date()) == pytest.approx(SEED_VALUE)
        assert _q3_sickness(con, "2019-20", year.report_date()) == pytest.approx(SEED_VALUE)
        # Reports dated after it: the annual report 12 weeks after the year end, and the Q3
        # report regenerated as of today.
        assert _q3_sickness(con, "2019-20", year.report_date(12)) == pytest.approx(TEST_VALUE)
        assert _q3_sickness(con, Q3, date.today()) == pytest.approx(TEST_VALUE)
        # The audit trail keeps both versions (earlier tests of the session may have replaced
        # the seed file too: the row this resubmission replaced is the one it names).
        replaced = con.execute(
            """select value from raw.return_indicator_values_replaced
               where indicator_code = ? and partition_key = ? and replaced_by_sha256 = ?""",
            [SICKNESS, Q3, sha256_of(returns)],
        ).fetchall()
        assert replaced == [(pytest.approx(SEED_VALUE),)]
        versions = con.execute(
            """select value, is_current, superseded_at::date from marts.fct_indicator_value_history
               where indicator_code = ? and period_key = ? order by is_current""",
            [SICKNESS, Q3],
        ).fetchall()
        assert [v for v in versions if v[1]] == [(pytest.approx(TEST_VALUE), True, None)]
        assert (pytest.approx(SEED_VALUE), False, date(2020, 6, 15)) in versions
        # The workbooks say the same: the annual report as of its default date and with the
        # 12-week offset (what the reports asset's weeks_after_period_end option writes).
        default, _ = build_service_report(con, COUNCIL, SERVICE, "2019-20", tmp_path / "8w")
        later, _ = build_service_report(
            con, COUNCIL, SERVICE, "2019-20", tmp_path / "12w", weeks_after_end=12
        )
    assert SEED_VALUE in _printed(default) and TEST_VALUE not in _printed(default)
    assert TEST_VALUE in _printed(later) and SEED_VALUE not in _printed(later)
