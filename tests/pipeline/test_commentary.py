"""The generated commentary in the published reports: after the officer's note, marked, and
every number in a sentence the figure its table prints in the same row (the 2019/20 annual
report: PI sheets and the LGBF table)."""

from __future__ import annotations

import re
from datetime import date

import duckdb
import openpyxl
import pytest

from orchestration import config
from orchestration.reports import commentary, queries
from orchestration.reports.batch import commentary_path

ANNUAL = "midlothian__childrens-services__2019-20__performance-report.xlsx"
HEADER = 5
NUMBER = re.compile(r"-?£?(\d[\d,]*(?:\.\d+)?)(m|%)?")


def _figures(text: str) -> list[tuple[float, int]]:
    """Each number in ``text`` with its decimal places, as printed (£, m and % stripped)."""
    text = re.sub(r"(Q\d )?\d{4}/\d\d", "", text)  # period labels are not figures
    return [
        (float(m.group(1).replace(",", "")), len(m.group(1).partition(".")[2]))
        for m in NUMBER.finditer(text)
    ]


def _shown(cell) -> float:
    """A cell's number as its format shows it (a % format shows the fraction times 100)."""
    return cell.value * 100 if "%" in cell.number_format else cell.value


@pytest.fixture(scope="module")
def annual(built_warehouse):
    return openpyxl.load_workbook(config.output_dir() / "excel" / ANNUAL)


def test_every_pi_sentence_prints_its_rows_figures(annual):
    checked = 0
    for sheet in ("PI Summary", "Complaints", "PI Report", "Balanced Scorecard"):
        ws = annual[sheet]
        headers = {ws.cell(HEADER, c).value: c for c in range(1, ws.max_column + 1)}
        title_col = headers["Indicator"]
        for r in range(HEADER + 1, ws.max_row + 1):
            note = ws.cell(r, headers["Note"]).value
            if not (isinstance(note, str) and commentary.GENERATED in note):
                continue
            sentence = note.split(f"{commentary.GENERATED} ", 1)[1]
            title = ws.cell(r, title_col).value
            assert sentence.startswith(title), (sheet, r)
            figures = _figures(sentence[len(title) :])
            cells = [ws.cell(r, headers["2019/20"])]  # the value, then the target, the year before
            if "(target " in sentence:
                cells.append(ws.cell(r, headers["Annual Target 2019/20"]))
            if " 2018/19 (" in sentence:
                cells.append(ws.cell(r, headers["2018/19"]))
            assert len(figures) == len(cells), (sheet, title, sentence)
            for (figure, places), cell in zip(figures, cells):
                assert figure == pytest.approx(round(_shown(cell), places), abs=1e-9), (
                    sheet, title, sentence, cell.coordinate)  # fmt: skip
            # the officer's note prints first, the sentence after it
            officer = commentary.officer_note(note)
            assert officer is None or note.startswith(officer + "\n")
            checked += 1
    assert checked >= 30


def test_every_lgbf_sentence_prints_its_tables_figures_with_the_caution(annual):
    ws = annual["LGBF"]
    headers = {ws.cell(HEADER, c).value: c for c in range(1, ws.max_column + 1)}
    rows = {
        ws.cell(r, 1).value: r
        for r in range(HEADER + 1, ws.max_row + 1)
        if ws.cell(r, 2).value and ws.cell(r, 1).value
    }
    column_a = [ws.cell(r, 1).value for r in range(1, ws.max_row + 1)]
    start = column_a.index(commentary.GENERATED)
    sentences = [t for t in column_a[start + 1 :] if t and t.startswith("Midlothian ranks")]
    assert len(sentences) == 5
    assert column_a[start + 1 + len(sentences)] == commentary.LEAGUE_TABLE_CAUTION
    for text in sentences:
        m = re.fullmatch(
            r"Midlothian ranks (joint )?(\d+)\w\w \((\w+) quartile\) on (\w+) in (\d{4}/\d\d), "
            r"at (.+?), (up|down) .+ from (\d+)\w\w in (\d{4}/\d\d)\.",
            text,
        )
        assert m, text
        rank, quartile, code, year, value, prior, prior_year = m.group(2, 3, 4, 5, 6, 8, 9)
        row = rows[code]
        ((figure, places),) = _figures(value)
        assert figure == pytest.approx(round(_shown(ws.cell(row, headers[year])), places))
        ranks = ws.cell(row, headers["External Comparison"]).value
        short = lambda fy: f"{fy[2:4]}/{fy[5:7]}"  # noqa: E731
        assert f"{short(year)} Rank {rank} ({quartile.capitalize()} Quartile)" in ranks
        assert f"{short(prior_year)} Rank {prior} " in ranks


def test_the_analysts_table_holds_the_sentences_the_report_prints(annual):
    """``output/parquet/commentary/<council>__<period>__commentary.parquet``: each report's
    sentences, as printed, under its council, service and period."""
    table = commentary_path(config.output_dir() / "excel", "Midlothian", "2019-20")
    held = duckdb.sql(
        f"select source, indicator_code, sentence from '{table}' where council = 'Midlothian' "
        "and service = 'Children''s Services' and period_key = '2019-20' order by all"
    ).fetchall()
    printed = {}
    for ws in annual.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                text = cell.value
                if isinstance(text, str) and f"{commentary.GENERATED} " in text:
                    printed[ws.cell(cell.row, 1).value, ws.cell(cell.row, 2).value] = text.split(
                        f"{commentary.GENERATED} ", 1
                    )[1]
    pis = {sentence for source, _, sentence in held if source == "PI"}
    assert pis == set(printed.values()) and len(pis) >= 30
    lgbf = [(code, sentence) for source, code, sentence in held if source == "LGBF"]
    column_a = [c.value for c in annual["LGBF"]["A"]]
    assert [code for code, _ in lgbf] == sorted(["CHN8a", "CHN8b", "CHN9", "CHN22", "CHN23"])
    assert all(sentence in column_a for _, sentence in lgbf)


def test_a_rank_is_tied_when_another_council_holds_it(warehouse):
    """The LGBF rows the report reads say whether the rank is shared (the sentence then says
    "joint"), counted over every council ranked as known at the report date. Midlothian's
    children's indicators share no rank in any year held (ties elsewhere: 767 in the release)."""
    day = date(2020, 5, 26)
    (rows,) = queries.lgbf_values(
        warehouse,
        [
            queries.ReportJob(
                "Midlothian", "Children's Services", queries.Period.from_key("2019-20"), day
            )
        ],
    )
    shared = {
        (code, fy, rank)
        for code, fy, rank in warehouse.execute(
            """select indicator_code, financial_year, rank from marts.fct_lgbf_benchmark_history
               where rank is not null and known_from <= ? and (superseded_at is null or superseded_at > ?)
               group by all having count(*) > 1""",
            [day, day],
        ).fetchall()
    }
    ranked = [r for r in rows if r["rank"]]
    assert len(ranked) >= 20 and shared
    for r in ranked:
        assert r["tied"] == ((r["indicator_code"], r["financial_year"], r["rank"]) in shared), r
