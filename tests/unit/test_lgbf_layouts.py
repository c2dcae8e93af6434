"""The LGBF open data in each column naming it has had, built here from the shared workbook's
own figures: the naming this project first knew (``Indicators_Information_Code``,
``LA_Data_LA_IndicatorReal``, ``Scotland_Data_Scotland_Indicator_Real``, ...), the later
per-council file (``LA_Data_IndicatorCode``, ``LA_Data_IndicatorReal``,
``LA_Data_IndicatorCash``, ``LA_Data_LGBF_Year``) and the later data table (``Code``,
``LA_IndicatorReal``, ``Scotland_Indicator_Real``), as Stirling Council's public ``SC-TPP/LGBF``
notebooks read them. Each is recognised by the fetcher and read to the same figures.
"""

from __future__ import annotations

import csv
import re

import pandas as pd
import pytest

from orchestration.lgbf.fetch import fetch_publication
from orchestration.lgbf.parse import read_metadata, read_publication
from tests.support.paths import LGBF_DIR

WORKBOOK = LGBF_DIR / "new bnch data_Jan20.xlsx"
CODES = ("CHN8a", "CHN9", "C&L5a", "CORP 6b")  # real terms, a percentage, rolling, a spaced code

NAMINGS = {
    "first": {
        "code": "Indicators_Information_Code",
        "council": "LA_Information_LocalAuthority",
        "year": "LA_Data_LGBF_Year",
        "real": "LA_Data_LA_IndicatorReal",
        "scotland": "Scotland_Data_Scotland_Indicator_Real",
    },
    "later per-council file": {
        "code": "LA_Data_IndicatorCode",
        "council": "LA_Data_LocalAuthority",
        "year": "LA_Data_LGBF_Year",
        "real": "LA_Data_IndicatorReal",
        "cash": "LA_Data_IndicatorCash",
    },
    "later data table": {
        "code": "Code",
        "council": "LocalAuthority",
        "year": "Year",
        "real": "LA_IndicatorReal",
        "scotland": "Scotland_Indicator_Real",
    },
}


@pytest.fixture(scope="module")
def workbook_figures():
    """(code as in the workbook, council, period) -> (cash, real) straight from Raw Data."""
    raw = pd.read_excel(WORKBOOK, sheet_name="Raw Data", header=0, index_col=0)
    out = {}
    for column in raw.columns:
        m = re.match(r"^(.+) (\d{4}-\d{2})$", str(column))
        if not m or m.group(1) not in CODES:
            continue
        real_column = f"{column} Real"
        for council, cash in pd.to_numeric(raw[column], errors="coerce").items():
            real = raw.at[council, real_column] if real_column in raw.columns else cash
            out[(m.group(1), council, m.group(2))] = (cash, pd.to_numeric(real, errors="coerce"))
    return out


def _text(x) -> str:
    return "" if x != x else repr(float(x))  # numpy 2 reprs as np.float64(...)


def _write(path, naming, figures):
    names = NAMINGS[naming]
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(names.values()))
        writer.writeheader()
        for (code, council, period), (cash, real) in figures.items():
            if council == "Scotland":
                continue
            # the open data pads codes with zeros and drops the space: CHN08a, CORP06b, C&L05a
            padded = re.sub(r"^([A-Za-z&]+) ?(\d)(?!\d)", r"\g<1>0\2", code).replace(" ", "")
            row = {
                names["code"]: padded,
                names["council"]: council,
                names["year"]: period,
                names["real"]: _text(real),
            }
            if "cash" in names:
                row[names["cash"]] = _text(cash)
            if "scotland" in names:
                _, s_real = figures[(code, "Scotland", period)]
                row[names["scotland"]] = _text(s_real)
            writer.writerow(row)
    return path


@pytest.mark.parametrize("naming", sorted(NAMINGS))
def test_each_open_data_naming_reads_to_the_workbooks_figures(naming, workbook_figures, tmp_path):
    path = _write(tmp_path / "LGBF_Data_Table_Real.csv", naming, workbook_figures)
    fetched = fetch_publication(path.as_uri(), tmp_path / "landing")
    assert fetched.status == "new", fetched.reason

    publication = read_publication(path)
    assert publication.layout == "open_data_csv"
    assert publication.cash_published == ("cash" in NAMINGS[naming])
    read = {
        (r.code_published, r.council_published, r.year_published): (r.value, r.value_real)
        for r in publication.values.itertuples()
    }
    councils = {k: v for k, v in workbook_figures.items() if k[1] != "Scotland"}
    assert len(councils) == 32 * len({(c, p) for c, _, p in councils}) > 500
    for (code, council, period), (cash, real) in councils.items():
        padded = re.sub(r"^([A-Za-z&]+) ?(\d)(?!\d)", r"\g<1>0\2", code).replace(" ", "")
        value, value_real = read[(padded, council, period)]
        expected_value = cash if "cash" in NAMINGS[naming] else real
        assert value == pytest.approx(expected_value, nan_ok=True)
        assert value_real == pytest.approx(real, nan_ok=True)
    scotland = {k: v for k, v in read.items() if k[1] == "Scotland"}
    if "scotland" in NAMINGS[naming]:
        assert scotland[("CHN08a", "Scotland", "2018-19")][0] == pytest.approx(
            workbook_figures[("CHN8a", "Scotland", "2018-19")][1]
        )
    else:
        assert scotland == {}


def test_indicator_information_file_reads_as_metadata(tmp_path):
    """The indicator-information table (Stirling Council's layout: Code, Title, Ranking_Type,
    FamilyGrouping, ISCategory) maps to the metadata file's columns; Ascending = lower is
    better, Goldilocks carries no direction."""
    path = tmp_path / "Indicator Information.csv"
    path.write_text(
        "Title,Code,Ranking_Type,FamilyGrouping,ISCategory\n"
        "Literacy Attainment Gap,CHN14a,Ascending,"
        '"Children, Social Work and Housing indicators",Children\'s Services\n'
        "Cost per planning application,ECON02,Ascending,"
        '"Environmental, Culture & Leisure, Economic Development, Corporate and Property '
        'indicators",Economic Development\n'
        "Positive destinations,CHN11,Descending,"
        '"Children, Social Work and Housing indicators",Children\'s Services\n'
        'Gender pay gap,CORP03c,Goldilocks,"Environmental",Corporate Services\n',
        encoding="utf-8",
    )
    meta = read_metadata(path)
    assert meta[["code_published", "category", "one_is_high", "source_row"]].values.tolist() == [
        ["CHN14a", "People Services", "No", 2],
        ["ECON02", "Other Services", "No", 3],
        ["CHN11", "People Services", "Yes", 4],
    ]
