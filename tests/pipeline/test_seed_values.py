"""The warehouse reproduces the numbers printed in the two real seed reports.

Each expectation names the seed line that prints it; the test first checks that the line
really prints that text, then that the value came through spreadsheets, Dagster and dbt.
"""

from __future__ import annotations

import csv

import openpyxl
import pytest

from orchestration.workbook.values import parse_number
from tests.support.paths import REPO, seed_line

A = "000_09dcfc9c775a2e22.txt"  # Annual Performance Report 2019/20
Q = "001_1ca03212745a48c4.txt"  # Quarter 2 Performance Report 2016/17

# (indicator, financial year, quarter or None for the year-end value, column, expected,
#  seed file, seed line, text printed on that line)
EXPECTED = [
    ("CS.CORP.SICKNESS", "2019/20", None, "value", 11.02, A, 77, "11.02"),
    ("CS.CORP.SICKNESS", "2019/20", None, "numerator", 1427.88, A, 77, "1,427.88"),
    ("CS.CORP.SICKNESS", "2019/20", None, "denominator", 129.55, A, 78, "129.55"),
    ("CS.CORP.SICKNESS", "2019/20", 3, "value", 7.82, A, 77, "7.82"),
    ("CS.CORP.INVOICES", "2019/20", None, "value", 98, A, 86, "98%"),
    ("CS.CORP.INVOICES", "2019/20", None, "denominator", 11918, A, 86, "11,918"),
    ("CS.CORP.INVOICES", "2019/20", None, "numerator", 11731, A, 87, "11,731"),
    ("CS.CORP.BUDGET", "2019/20", None, "value", 15.139, A, 76, "£15.139m"),
    ("CS.CORP.BUDGET", "2018/19", None, "value", 15.722, A, 76, "£15.722m"),
    ("CS.CORP.PIS_ON_TARGET", "2019/20", 2, "value", 90.91, A, 88, "90.91%"),
    ("CS.COMP.RECEIVED_QTR", "2019/20", 4, "value", 9, A, 106, "\t9\t"),
    ("CS.COMP.RECEIVED_QTR", "2019/20", None, "value", 43, A, 106, "\t43\t"),
    ("CS.COMP.S2_AVG_DAYS", "2019/20", None, "value", 18.69, A, 112, "18.69"),
    ("CS.COMP.S1_PCT_5D", "2019/20", 4, "value", 33.33, A, 114, "33.33%"),
    ("CS.COMP.ESC_PCT_20D", "2019/20", None, "value", 78.95, A, 116, "78.95%"),
    ("xCSPC.P.2.1a", "2019/20", None, "value", 246, A, 181, "\t246\t"),
    ("xCSPC.P.2.1d", "2019/20", None, "value", 9.2, A, 180, "9.2%"),
    ("BS.CSPC.04", "2017/18", None, "value", 4893, A, 235, "4,893"),
    ("BS.CSPC.16a", "2019/20", None, "value", 70, A, 243, "\t70\t"),
    ("P.G.CSPC.3.3a", "2019/20", None, "value", 74.5, A, 258, "74.5%"),
    ("CS.CORP.SICKNESS", "2016/17", 2, "value", 6.40, Q, 47, "6.40"),
    ("CS.CORP.SICKNESS", "2016/17", 2, "numerator", 899.02, Q, 46, "899.02"),
    ("CS.CORP.SICKNESS", "2016/17", 2, "denominator", 140.42, Q, 47, "140.42"),
    ("CS.CORP.SICKNESS", "2015/16", None, "value", 12.84, Q, 47, "12.84"),
    ("CS.CORP.SICKNESS", "2015/16", 2, "value", 5.94, Q, 47, "5.94"),
    ("CS.COMP.S2_AVG_DAYS", "2016/17", 2, "value", 25.29, Q, 35, "25.29"),
    ("CS.COMP.S2_AVG_DAYS", "2016/17", 2, "numerator", 177, Q, 35, "177"),
    ("CS.COMP.S2_PCT_40D", "2015/16", 2, "value", 66.67, Q, 39, "66.67 %"),
    ("CS.CORP.INVOICES", "2016/17", 2, "numerator", 1017, Q, 55, "1,017"),
    ("CS.CORP.INVOICES", "2016/17", 2, "denominator", 1049, Q, 54, "1,049"),
    ("BS.CS.04", "2016/17", 2, "value", 2446, Q, 128, "2,446"),
    ("BS.CS.LPI.04", "2016/17", 2, "value", 68, Q, 92, "68%"),
    ("CS.S.02.04b", "2016/17", 2, "value", 17, Q, 113, "\t17\t"),
]


@pytest.mark.parametrize(
    "code,fy,quarter,column,expected,seed,line,printed",
    EXPECTED,
    ids=[f"{e[0]}-{e[1]}-{'Q' + str(e[2]) if e[2] else 'year'}-{e[3]}" for e in EXPECTED],
)
def test_seed_value_reproduced(warehouse, code, fy, quarter, column, expected, seed, line, printed):
    assert printed in seed_line(seed, line), f"{seed}:{line} does not print {printed!r}"
    rows = warehouse.execute(
        f"""select {column} from staging.stg_returns__indicator_values
            where council = 'Midlothian' and indicator_code = ? and financial_year = ?
              and quarter is not distinct from ?""",
        [code, fy, quarter],
    ).fetchall()
    assert len(rows) == 1, f"expected one row for {code} {fy} {quarter}, got {rows}"
    assert rows[0][0] == pytest.approx(expected, abs=0.0051)


def test_year_end_value_is_distinct_from_q4(warehouse):
    rows = dict(
        warehouse.execute(
            """select coalesce('Q' || quarter, 'year'), value from staging.stg_returns__indicator_values
               where indicator_code = 'CS.COMP.RECEIVED_QTR' and financial_year = '2019/20'"""
        ).fetchall()
    )
    assert rows == {"Q1": 15, "Q2": 11, "Q3": 9, "Q4": 9, "year": 43}


def test_every_transcribed_value_is_in_the_warehouse(warehouse):
    """raw/transcription -> workbooks -> warehouse loses and changes nothing."""
    with open(REPO / "raw" / "transcription" / "indicator_values.csv", encoding="utf-8") as f:
        transcribed = list(csv.DictReader(f))
    loaded = {
        (r[0], r[1], r[2]): r[3:]
        for r in warehouse.execute(
            """select indicator_code, financial_year, quarter, value, numerator, denominator,
                      reported_status
               from staging.stg_returns__indicator_values where council = 'Midlothian'"""
        ).fetchall()
    }
    assert len(loaded) == len(transcribed)
    for row in transcribed:
        key = (
            row["indicator_code"],
            row["financial_year"],
            int(row["quarter"]) if row["quarter"] else None,
        )
        assert key in loaded, f"{key} missing ({row['seed_file']}:{row['seed_line']})"
        value, numerator, denominator, status = loaded[key]
        for printed, got in (
            (row["value_printed"], value),
            (row["numerator_printed"], numerator),
            (row["denominator_printed"], denominator),
        ):
            want = parse_number(printed).value
            assert (got is None) == (want is None) and (
                want is None or got == pytest.approx(want)
            ), f"{key}: printed {printed!r}, loaded {got!r} ({row['seed_file']}:{row['seed_line']})"
        assert (status or "") == row["status_printed"], key


def test_actions_and_risks(warehouse):
    progress, due = warehouse.execute(
        """select progress_pct, due_date from staging.stg_returns__actions
           where action_code = 'xCSPC.P.1.1' and financial_year = '2019/20'"""
    ).fetchone()
    assert "31-Mar-2020\t\t100%" in seed_line(A, 130)
    assert progress == 100 and str(due) == "2020-03-31"
    assert "31-Mar- 2017\t\t50%" in seed_line(Q, 74)
    (progress,) = warehouse.execute(
        """select progress_pct from staging.stg_returns__actions
           where action_code = 'CS.S.01.01' and financial_year = '2016/17' and quarter = 2"""
    ).fetchone()
    assert progress == 50
    scores = dict(
        warehouse.execute("select risk_code, risk_score from staging.stg_returns__risks").fetchall()
    )
    assert seed_line(A, 223).endswith("\t12") and seed_line(A, 224).endswith("\t9")
    assert scores == {"C.RR.01-23": 12, "C.RR.01-09": 9, "C.RR.01-10": 9}


def test_lineage_points_at_the_source_row(warehouse):
    file, sheet, row, ref = warehouse.execute(
        """select source_file, source_sheet, source_row, source_ref
           from staging.stg_returns__indicator_values
           where indicator_code = 'CS.CORP.SICKNESS' and financial_year = '2019/20' and quarter is null"""
    ).fetchone()
    assert file == "midlothian__childrens-services__2019-20__Q4.xlsx" and sheet == "Indicators"
    assert ref.startswith(f"{A}:77")

    ws = openpyxl.load_workbook(REPO / "raw" / "returns" / file)["Indicators"]
    assert ws.cell(row, 1).value == "CS.CORP.SICKNESS" and ws.cell(row, 2).value == "Year end"
