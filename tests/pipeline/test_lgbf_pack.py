"""The LGBF pack says which release each of its figures comes from, and where the council's
own reports printed a year otherwise.

A service report prints the LGBF as published at its date; the pack prints the latest
release. For the same CHN8a years the 2019/20 annual report and the pack print different
figures (issue 26): the reader must be able to see which release each is from, and which
years differ beyond rounding. Everything is checked against the session's warehouse (built
from the real workbook and transcriptions in raw/lgbf/) and the report built beside the pack.
"""

from __future__ import annotations

import re

import openpyxl
import pytest

from orchestration.reports import commentary, queries
from orchestration.reports.lgbf_pack import (
    CHART_DATA,
    COMMENTARY,
    COMMENTARY_HEADER,
    build_lgbf_pack,
)
from orchestration.reports.service_report import build_service_report

COUNCIL = "Midlothian"
CODE = "CHN8a"


def _release(name: str, on) -> str:
    return f"{name}, published {on:%d %B %Y}"


def _rows(ws, header_row: int) -> list[dict]:
    names = [c.value for c in ws[header_row]]
    return [
        dict(zip(names, r)) for r in ws.iter_rows(min_row=header_row + 1, values_only=True) if r[0]
    ]


def _header_row(ws, first: str) -> int:
    return next(c.row for c in ws["A"] if c.value == first)


def _rounded_alike(printed: float, value: float) -> bool:
    """The oracle for "the same figure": the printed one is the value rounded to whole units,
    one or two decimals (as the reports print money and percentages)."""
    return any(abs(round(value, d) - printed) < 1e-9 for d in (0, 1, 2))


@pytest.fixture
def books(warehouse, tmp_path):
    pack, _ = build_lgbf_pack(warehouse, COUNCIL, tmp_path)
    report, _ = build_service_report(warehouse, COUNCIL, "Children's Services", "2019-20", tmp_path)
    return openpyxl.load_workbook(pack), openpyxl.load_workbook(report)


def test_every_chn8a_figure_names_the_release_it_comes_from(warehouse, books):
    pack, _ = books
    served = warehouse.execute(
        """select period, value, release_name, published_on from marts.fct_lgbf_benchmark
           where council = ? and indicator_code = ? and value is not null order by period""",
        [COUNCIL, CODE],
    ).fetchall()
    assert len(served) >= 9
    # The chart's figures, each with its release: the warehouse's values and their release.
    charted = [r for r in _rows(pack[CHART_DATA], 1) if r["Code"] == CODE and r[COUNCIL]]
    assert [(r["Financial Year"], r[COUNCIL], r["Release"]) for r in charted] == [
        (period, pytest.approx(value), _release(name, on)) for period, value, name, on in served
    ]
    # The chart's page names those releases.
    page = next(
        ws
        for ws in pack.worksheets
        if any(c.title.tx.rich.p[0].r[0].t.startswith(f"{CODE}:") for c in ws._charts)
    )
    releases = sorted({_release(name, on) for _, _, name, on in served})
    assert page["A2"].value.startswith(f"Figures from {'; '.join(releases)}.")
    # The Summary's latest year names its release.
    summary = _rows(pack["Summary"], _header_row(pack["Summary"], "Code"))
    row = next(r for r in summary if r["Code"] == CODE)
    latest = next(x for x in served if x[0] == row["Latest Year"])
    assert row["Release"] == latest[2] and row["Value"] == pytest.approx(latest[1])


def test_the_years_the_annual_report_printed_otherwise_are_named_with_both_releases(
    warehouse, books
):
    """The 2019/20 annual report (as known at its date) prints CHN8a from another release
    than the pack; the pack's Printed Otherwise sheet names every year whose figure differs
    beyond rounding, with both figures and both releases, and no year that agrees."""
    pack, report = books
    period = queries.Period.from_key("2019-20")
    # The release of each CHN8a figure the report prints: the query it prints from.
    known = {
        x["financial_year"]: x
        for (rows,) in [
            queries.lgbf_values(
                warehouse,
                [queries.ReportJob(COUNCIL, "Children's Services", period, period.report_date())],
            )
        ]
        for x in rows
        if x["indicator_code"] == CODE
    }
    names = dict(
        warehouse.execute(
            "select publication_id, release_name from staging.stg_lgbf__publications"
        ).fetchall()
    )
    lgbf = report["LGBF"]
    printed = next(r for r in _rows(lgbf, _header_row(lgbf, "Code")) if r["Code"] == CODE)
    assert {y: printed[y] for y in known} == {
        y: pytest.approx(x["value"]) for y, x in known.items()
    }
    charted = {
        r["Financial Year"]: (r[COUNCIL], r["Release"])
        for r in _rows(pack[CHART_DATA], 1)
        if r["Code"] == CODE and r[COUNCIL] is not None
    }
    report_releases = {
        y: _release(names[x["publication_id"]], x["published_on"]) for y, x in known.items()
    }
    # As the data says: the report's figures come from another release than the pack's.
    assert all(report_releases[y] != charted[y][1] for y in known)
    differ = {y for y, x in known.items() if not _rounded_alike(x["value"], charted[y][0])}
    otherwise = {
        (r["Period"], r["Printed In"]): r
        for r in _rows(pack["Printed Otherwise"], _header_row(pack["Printed Otherwise"], "Code"))
        if r["Code"] == CODE
    }
    assert {y for y, printed_in in otherwise if printed_in in report_releases.values()} == differ
    assert differ and set(known) - differ  # some years differ (2010/11), some agree (2017/18)
    for year in differ:
        row = otherwise[year, report_releases[year]]
        assert row["Printed Figure"] == pytest.approx(known[year]["value"])
        assert row["This Pack's Figure"] == pytest.approx(charted[year][0])
        assert row["This Pack's Release"] == charted[year][1]


def test_the_packs_sentences_print_its_summary_figures_with_the_caution(books):
    """Each ranked indicator's sentence on the Commentary sheet says the rank, of how many,
    the quartile, the value and the family-group average that its Summary row prints, for
    that row's year (every indicator of the real workbook whose latest year is ranked). The
    CHN8a sentence is the one issue 25 asks for, from the January 2020 release."""
    pack, _ = books
    summary = pack["Summary"]
    head = _header_row(summary, "Code")
    by_code = {r["Code"]: (r, head + 1 + n) for n, r in enumerate(_rows(summary, head))}
    notes = pack[COMMENTARY]
    assert notes.cell(3, 1).value == commentary.LEAGUE_TABLE_CAUTION
    sentences = {r["Code"]: r[commentary.GENERATED] for r in _rows(notes, COMMENTARY_HEADER + 1)}
    assert sentences["CHN8a"] == (
        "Midlothian ranks 13th of 32 (second quartile) on CHN8a in 2018/19, at £3,880.04, up nine "
        "places from 22nd in 2017/18, against a family-group average of £3,959.91."
    )
    checked = 0
    for code, sentence in sentences.items():
        row, r = by_code[code]
        if row["Rank"] is None or f" in {row['Latest Year']}," not in sentence:
            continue  # its latest year is not ranked: the sentence speaks of an earlier one
        value, average = (summary.cell(r, c) for c in (6, 13))
        quartile = row["Quartile"].lower()
        assert re.search(r"ranks (?:joint )?(\d+)\w\w of", sentence).group(1) == str(row["Rank"])
        assert f" of {row['of']} ({quartile} quartile)" in sentence, sentence
        assert f"at {_as_printed(value)}" in sentence, (sentence, value.value)
        if average.value is not None:
            assert sentence.endswith(f"family-group average of {_as_printed(average)}."), sentence
        checked += 1
    assert checked >= 80


def _as_printed(cell) -> str:
    """The cell's number as its Excel number format prints it (the pack's formats: £, %,
    thousands separators, 0 to 2 places)."""
    fmt = cell.number_format
    places = len(fmt.split(".")[1].rstrip("%")) if "." in fmt else 0
    x = cell.value * (100 if fmt.endswith("%") else 1)
    text = f"{abs(x):,.{places}f}" if "," in fmt else f"{abs(x):.{places}f}"
    pound = "£" if "£" in fmt else ""
    return f"{'-' if x < 0 else ''}{pound}{text}{'%' if fmt.endswith('%') else ''}"
