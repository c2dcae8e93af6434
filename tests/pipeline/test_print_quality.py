"""Printed, the reports and the LGBF pack read like documents a council can table.

Every service report and the pack are rendered to PDF with LibreOffice (as
``scripts/render_pdf.sh`` does) and each page is checked from its text and word boxes
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

from orchestration import config

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
    profile = out / "profile"  # a private LibreOffice profile: safe beside another instance
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            *map(str, books),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
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
    assert len(rendered) == 14  # twelve reports (Midlothian 11, East Dunbartonshire 1), two packs
    for name, pages in rendered.items():
        assert pages, name
        title = "LGBF benchmarking pack" if "lgbf" in name else "Performance Report"
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
    """Each PI code of the PI report and balanced scorecard prints on exactly one page."""
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
        on = [i for i, p in enumerate(rendered[annual]) if code in p["text"].split()]
        assert len(on) == 1, (code, on)


def test_pack_charts_two_to_a_page_never_split(rendered):
    pages = rendered["midlothian__lgbf-benchmarking-pack.xlsx"]
    titles = ["CHN8a:", "CHN8b:", "CHN9:", "CHN22:", "CHN23:"]
    where = {t: [i for i, p in enumerate(pages) if t in p["text"].split()] for t in titles}
    assert all(len(on) == 1 for on in where.values()), where
    per_page = [sum(1 for on in where.values() if on == [i]) for i in range(len(pages))]
    assert max(per_page) == 2 and sum(per_page) == len(titles)
