"""Printed, the reports and the LGBF pack read like documents a council can table.

Every service report, exceptions workbook and pack is rendered to PDF by the publishing
code (``orchestration/reports/pdf.py``) and each page is checked from its text and word boxes
(poppler's ``pdftotext -bbox``): the report's title and "Page x of y" on every page, no word
beyond the page's edges, every PI code on one page only (no row cut across a page break),
and in the pack each chart on one page, two at most to a page.

Needs LibreOffice and poppler (``deploy/install_libreoffice.sh``); skipped without them
unless ``REQUIRE_LIBREOFFICE=1`` (set by ``.ci/run``), where their absence is a failure.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess

import openpyxl
import pytest
from openpyxl.utils import range_boundaries

from orchestration import config
from orchestration.reports import pdf as papers
from orchestration.reports.lgbf_pack import CHART_DATA

PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)
WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>'
)


def _tools() -> None:
    missing = [t for t in ("soffice", "pdftotext") if shutil.which(t) is None]
    if missing:
        if os.environ.get("REQUIRE_LIBREOFFICE"):
            pytest.fail(f"{missing} not installed: run deploy/install_libreoffice.sh")
        pytest.skip(f"{missing} not installed (deploy/install_libreoffice.sh)")


@pytest.fixture(scope="module")
def rendered(built_warehouse, tmp_path_factory) -> dict[str, list[dict]]:
    """Each workbook's pages: width, height, words with their boxes, text."""
    _tools()
    out = tmp_path_factory.mktemp("pdf")
    books = sorted((config.output_dir() / "excel").glob("*.xlsx"))
    # the publishing code's own conversion (one LibreOffice run, bookmarks per sheet); the
    # suite's runs publish none (tests/conftest.py), so LibreOffice is looked up on PATH
    written, warning = papers.convert(books, out, shutil.which("soffice"))
    assert warning is None and len(written) == len(books), warning
    pages = {}
    for book in books:
        pdf = out / f"{book.stem}.pdf"
        bbox = subprocess.run(
            ["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True
        ).stdout
        pages[book.name] = [
            {
                "width": float(w),
                "height": float(h),
                "words": [
                    (float(a), float(b), float(c), float(d), html.unescape(t))
                    for a, b, c, d, t in WORD.findall(body)
                ],
            }
            for w, h, body in PAGE.findall(bbox)
        ]
        for page in pages[book.name]:
            page["text"] = " ".join(w[4] for w in page["words"])
    return pages


def test_every_page_has_title_and_page_number(rendered):
    # twelve reports (Midlothian 11, East Dunbartonshire 1), their council exceptions
    # workbooks, two packs
    assert len(rendered) == 26
    for name, pages in rendered.items():
        assert pages, name
        title = "LGBF benchmarking pack" if "lgbf" in name else "Performance Report"
        title = "Exceptions Report" if "exceptions" in name else title
        for i, page in enumerate(pages, start=1):
            assert title in page["text"], (name, i)
            assert f"Page {i} of {len(pages)}" in page["text"], (name, i)
            if "lgbf" not in name:
                assert "Data as at" in page["text"], (name, i)


def test_nothing_prints_beyond_the_page(rendered):
    for name, pages in rendered.items():
        for i, page in enumerate(pages, start=1):
            outside = [
                w[4]
                for w in page["words"]
                if w[0] < 0 or w[1] < 0 or w[2] > page["width"] + 0.5 or w[3] > page["height"] + 0.5
            ]
            assert not outside, (name, i, outside[:5])


def test_no_pi_row_is_cut_across_pages(rendered):
    """Each PI code of the PI report and balanced scorecard prints on exactly one of their
    pages (the Exceptions sheet names some of them again)."""
    annual = "midlothian__childrens-services__2019-20__performance-report.xlsx"
    book = openpyxl.load_workbook(config.output_dir() / "excel" / annual)
    codes = [
        ws.cell(r, 1).value
        for ws in (book["PI Report"], book["Balanced Scorecard"])
        for r in range(6, ws.max_row + 1)
        if ws.cell(r, 1).value and re.fullmatch(r"[A-Za-z.]+\d[\w.]*", ws.cell(r, 1).value)
    ]
    assert len(codes) > 30
    for code in codes:
        on = [
            i
            for i, p in enumerate(rendered[annual])
            if code in p["text"].split() and _footer_left(p) in ("PI Report", "Balanced Scorecard")
        ]
        assert len(on) == 1, (code, on)


def test_pack_charts_two_to_a_page_never_split(rendered):
    pages = rendered["midlothian__lgbf-benchmarking-pack.xlsx"]
    titles = ["CHN8a:", "CHN8b:", "CHN9:", "CHN22:", "CHN23:"]
    where = {t: [i for i, p in enumerate(pages) if t in p["text"].split()] for t in titles}
    assert all(len(on) == 1 for on in where.values()), where
    per_page = [sum(1 for on in where.values() if on == [i]) for i in range(len(pages))]
    assert max(per_page) == 2 and sum(per_page) == len(titles)


def test_pack_prints_no_chart_data_and_its_charts_still_draw_it(rendered, warehouse):
    """The rows the charts draw are on one hidden sheet: no printed page is chart data (26 of
    the pack's 81 pages were), and every chart series reads that sheet, where it finds the
    warehouse's figures of its indicator."""
    name = "midlothian__lgbf-benchmarking-pack.xlsx"
    pages = rendered[name]
    book = openpyxl.load_workbook(config.output_dir() / "excel" / name)
    data = book[CHART_DATA]
    assert data.sheet_state == "hidden"
    printed = [ws.title for ws in book.worksheets if ws.sheet_state == "visible"]
    # Each page's footer names its sheet: every page is a printed sheet's, none the data's.
    footers = [_footer_left(p) for p in pages]
    assert set(footers) == set(printed) and CHART_DATA not in printed
    heading = " ".join(c.value for c in data[1])
    assert not [i for i, p in enumerate(pages) if heading in p["text"]]
    charts = [ws for ws in book.worksheets if ws._charts]
    assert [f for f in footers if f.startswith("Charts")] == [ws.title for ws in charts]
    # Every series (the council, Scotland, the family-group average) reads the data sheet,
    # which holds the warehouse's figures of its indicator, year by year.
    column = {"Midlothian": "value", "Scotland": "scotland_value",
              "Family group average": "family_group_average"}  # fmt: skip
    held = {}
    for code, period, *figures in warehouse.execute(
        f"""select indicator_code, period, {", ".join(column.values())}
            from marts.fct_lgbf_benchmark where council = 'Midlothian' order by period"""
    ).fetchall():
        held.setdefault(code, []).append((period, *figures))
    n = 0
    for ws in charts:
        for chart in ws._charts:
            code = chart.title.tx.rich.p[0].r[0].t.split(":")[0]
            for series in chart.series:
                refs = (series.val.numRef.f, series.cat.strRef.f)
                assert all(ref.startswith(f"'{CHART_DATA}'!") for ref in refs), refs
                col, first, _, last = range_boundaries(refs[0].split("!")[1])
                rows = range(first, last + 1)
                assert {data.cell(r, 1).value for r in rows} == {code}, (code, refs)
                k = 1 + list(column).index(series.tx.v)
                drawn = [(data.cell(r, 2).value, data.cell(r, col).value) for r in rows]
                assert drawn == [(x[0], pytest.approx(x[k])) for x in held[code]], (code, refs)
                n += 1
    assert n == 3 * len(held) > 150


def _footer_left(page: dict) -> str:
    """The left of a page's footer (the words of its lowest line on the left half): the
    sheet's name, as ``cells.print_setup`` puts it there."""
    bottom = max(w[1] for w in page["words"])
    return " ".join(w[4] for w in page["words"] if w[1] == bottom and w[2] < page["width"] / 2)


OUTLINE = re.compile(r'<item page="(\d+)">(.*?)</item>')


def test_published_papers_are_the_latest_with_a_bookmark_per_sheet(rendered):
    """``make run``'s default (``--pdf-papers latest``) publishes each council-service's latest
    report, its exceptions workbook and the packs in output/pdf/, each sheet a bookmark at its
    first page, page for page the PDFs the checks above read."""
    published = sorted((config.output_dir() / "pdf").glob("*.pdf"))
    assert [p.name for p in published] == [
        "east-dunbartonshire__2023-24__exceptions-report.pdf",
        "east-dunbartonshire__education__2023-24__performance-report.pdf",
        "east-dunbartonshire__lgbf-benchmarking-pack.pdf",
        "midlothian__2019-20__exceptions-report.pdf",
        "midlothian__childrens-services__2019-20__performance-report.pdf",
        "midlothian__lgbf-benchmarking-pack.pdf",
    ]
    for path in published:
        book = openpyxl.load_workbook(config.output_dir() / "excel" / f"{path.stem}.xlsx")
        xml = subprocess.run(["pdftohtml", "-xml", "-i", "-stdout", str(path)],
                             check=True, capture_output=True, text=True).stdout  # fmt: skip
        marks = [(int(page), html.unescape(name)) for page, name in OUTLINE.findall(xml)]
        visible = [ws.title for ws in book.worksheets if ws.sheet_state == "visible"]
        assert [name for _, name in marks] == visible, path.name
        pages = rendered[f"{path.stem}.xlsx"]
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
        assert len(pages) == int(re.search(r"Pages:\s+(\d+)", info).group(1)), path.name
        for page, name in marks:  # the bookmark's page is the sheet's first
            assert _footer_left(pages[page - 1]) == name, (path.name, name, page)


def test_without_libreoffice_a_warning_and_no_pdf(tmp_path, monkeypatch):
    monkeypatch.delenv("SOFFICE", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice on it
    book = tmp_path / "a.xlsx"
    book.write_bytes(b"")
    assert papers.convert([book], tmp_path / "pdf", config.soffice()) == ([], papers.MISSING)
    assert not (tmp_path / "pdf").exists()
    assert "Excel outputs are published" in papers.MISSING
