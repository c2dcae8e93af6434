"""Read an LGBF publication, in either published layout, into one long table.

Layout (a), the master workbook (``new bnch data_Jan20.xlsx``): sheet ``Raw Data``, one row
per council then ``Scotland``, one column per ``<code> <year>`` (e.g. ``CHN8a 2017-18``),
``... Real`` columns for real-terms values, free-text numerator/denominator columns right
after each value column, ``dna`` / ``*`` / ``!`` / blank for missing.

Layout (b), the open-data CSV (``LGBF_Data_Table_Real.csv``): one row per indicator x
council x year, codes zero-padded (``CHN08a``, ``C&L02``, ``CORP06b``), percentages as
proportions, years ``2010-11``, with Scotland and family-group averages on every row. Its
columns have had two namings: the one this project first knew
(``Indicators_Information_Code``, ``LA_Data_LA_IndicatorReal``,
``Scotland_Data_Scotland_Indicator_Real``, ...) and the later one the Improvement Service's
Spatial Hub downloads use (``LA_Data_IndicatorCode``, ``LA_Data_IndicatorReal``,
``LA_Data_IndicatorCash``, ``Scotland_Indicator_Real``, ...; read by Stirling Council's public
``SC-TPP/LGBF`` notebooks). ``OPEN_DATA_NAMES`` lists every name accepted for each field.

Both come out with the same columns (``LONG_COLUMNS``), codes/years/councils *as
published*: normalisation (codes, year labels, units, council names) happens in one place,
the dbt staging model ``stg_lgbf__values``. Scotland is a row with council ``Scotland``.
"""

from __future__ import annotations

import csv
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from openpyxl.utils import get_column_letter

from orchestration.lgbf.layout import (
    OPEN_DATA_COLUMNS,
    OPEN_DATA_MARKERS,
    OPEN_DATA_NAMES,
    OPEN_DATA_REQUIRED,
    open_data_columns,
)

__all__ = [
    "LONG_COLUMNS",
    "OPEN_DATA_COLUMNS",
    "Publication",
    "PublicationError",
    "read_family_groups",
    "read_metadata",
    "read_publication",
]

LONG_COLUMNS = [
    "code_published",
    "council_published",
    "year_published",
    "value",
    "value_real",
    "numerator",
    "denominator",
    "published_fg_average",
    "published_family_group",
    "source_sheet",
    "source_row",
    "source_column",
]

# `CHN8a 2017-18`, `CHN8a 2017-18 Real`, `CORP 6b 2017-18`, `C&L5a 2012-15` (rolling periods
# are kept as published; staging labels them `2012/15`).
VALUE_COLUMN = re.compile(r"^(CORP \d+[a-z]?|\S+) (\d{4}-\d{2})( Real)?$")
RAW_DATA_SHEET = "Raw Data"
MISSING = {"dna", "*", "!", "", "-", "..", "n/a"}


class PublicationError(ValueError):
    """An LGBF file that cannot be read; the message names file, sheet, row and column."""


@dataclass(frozen=True)
class Publication:
    layout: str  # "master_workbook" | "open_data_csv"
    values: pd.DataFrame  # LONG_COLUMNS
    # `value` holds cash figures (the workbook; the open data's later naming). The first
    # open-data naming publishes real terms only, so there `value` repeats `value_real`.
    cash_published: bool = True


def _number(raw) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return None if raw != raw else float(raw)
    text = str(raw).strip().replace(",", "")
    if text.lower() in MISSING:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def detect_layout(path: Path) -> str:
    if zipfile.is_zipfile(path):
        return "master_workbook"
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as f:
        header = next(csv.reader(f), [])
    if open_data_columns(header, OPEN_DATA_MARKERS) is not None:
        return "open_data_csv"  # read_open_data_csv names any other column it needs
    raise PublicationError(
        f"{path.name}: neither an LGBF master workbook (.xlsx with a '{RAW_DATA_SHEET}' sheet) "
        "nor the LGBF open-data CSV (a header naming the indicator code, local authority, "
        "year and real-terms value, e.g. Indicators_Information_Code or LA_Data_IndicatorCode)"
    )


def read_publication(path: Path) -> Publication:
    layout = detect_layout(path)
    if layout == "master_workbook":
        return Publication(layout, read_master_workbook(path))
    values = read_open_data_csv(path)
    return Publication(layout, values, cash_published=values.attrs["cash_published"])


def read_master_workbook(path: Path) -> pd.DataFrame:
    """Layout (a) -> long rows. Numerator/denominator are the two free-text columns that
    follow a value column (they are named in prose, so position is the only reliable key)."""
    try:
        frame = pd.read_excel(path, sheet_name=RAW_DATA_SHEET, header=None, engine="calamine")
    except ValueError as exc:
        raise PublicationError(f"{path.name}: no sheet '{RAW_DATA_SHEET}' ({exc})") from exc
    headers = [str(h).strip() if h is not None and h == h else "" for h in frame.iloc[0].tolist()]
    if not headers or headers[0].lower() != "local authority":
        raise PublicationError(
            f"{path.name}: sheet '{RAW_DATA_SHEET}', row 1, column A: expected 'Local Authority', "
            f"got {headers[0] if headers else ''!r}"
        )
    # Every column is read, including the block of single-year survey columns after the first
    # blank header: the Improvement Service's tool leaves those out, and so does ranking here,
    # through the corrections seed (one place for every exclusion), not by dropping them unread.
    end = len(headers)

    cash: dict[tuple[str, str], int] = {}
    real: dict[tuple[str, str], int] = {}
    feeders: dict[tuple[str, str], list[int]] = {}
    last_cash: tuple[str, str] | None = None
    for i in range(1, end):
        m = VALUE_COLUMN.match(headers[i])
        if m:
            key = (m.group(1), m.group(2))
            if m.group(3):
                real[key] = i
                last_cash = None
            else:
                cash[key] = i
                last_cash = key
                feeders[key] = []
        elif headers[i] == "":
            last_cash = None  # a blank header separates blocks: no feeder columns across it
        elif last_cash is not None and len(feeders[last_cash]) < 2:
            feeders[last_cash].append(i)
    if not cash:
        raise PublicationError(
            f"{path.name}: sheet '{RAW_DATA_SHEET}', row 1: no '<code> <year>' columns"
        )

    councils = frame.iloc[1:, 0]
    rows = []
    for r_offset, council in enumerate(councils.tolist(), start=1):
        if council is None or council != council or str(council).strip() == "":
            continue
        row = frame.iloc[r_offset]
        for key, ci in cash.items():
            fi = feeders.get(key, [])
            ri = real.get(key)
            rows.append(
                (
                    key[0],
                    str(council).strip(),
                    key[1],
                    _number(row.iat[ci]),
                    _number(row.iat[ri]) if ri is not None else None,
                    _number(row.iat[fi[0]]) if len(fi) > 0 else None,
                    _number(row.iat[fi[1]]) if len(fi) > 1 else None,
                    None,
                    None,
                    RAW_DATA_SHEET,
                    r_offset + 1,
                    get_column_letter(ci + 1),
                )
            )
    return pd.DataFrame(rows, columns=LONG_COLUMNS)


def read_open_data_csv(path: Path) -> pd.DataFrame:
    """Layout (b), either naming -> long rows; the Scotland figures on every row become one
    Scotland row. ``value`` is the cash figure where the file gives one (the later naming),
    else the real-terms figure, which is what the first naming publishes."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        cols = open_data_columns(reader.fieldnames or [])
        if cols is None:
            missing = [
                " or ".join(OPEN_DATA_NAMES[field])
                for field in OPEN_DATA_REQUIRED
                if not any(c in (reader.fieldnames or []) for c in OPEN_DATA_NAMES[field])
            ]
            raise PublicationError(f"{path.name}: row 1: missing column(s) {'; '.join(missing)}")

        def get(rec, field):
            return _number(rec[cols[field]]) if field in cols else None

        rows, scotland = [], {}
        for line, rec in enumerate(reader, start=2):
            code = (rec[cols["code"]] or "").strip()
            year = (rec[cols["year"]] or "").strip()
            council = (rec[cols["council"]] or "").strip()
            if not code or not council or not year:
                raise PublicationError(
                    f"{path.name}: row {line}: blank indicator code, local authority or year"
                )
            real = get(rec, "value_real")
            cash = get(rec, "value_cash")
            fg = get(rec, "family_group")
            rows.append(
                (
                    code,
                    council,
                    year,
                    cash if "value_cash" in cols else real,
                    real,
                    get(rec, "numerator"),
                    get(rec, "denominator"),
                    get(rec, "fg_average"),
                    int(fg) if fg is not None else None,
                    "csv",
                    line,
                    cols["value_real"],
                )
            )
            s_value = get(rec, "scotland")
            if s_value is not None and (code, year) not in scotland:
                scotland[(code, year)] = (
                    code,
                    "Scotland",
                    year,
                    s_value,
                    s_value,
                    get(rec, "scotland_numerator"),
                    get(rec, "scotland_denominator"),
                    None,
                    None,
                    "csv",
                    line,
                    cols["scotland"],
                )
    frame = pd.DataFrame(rows + list(scotland.values()), columns=LONG_COLUMNS)
    frame.attrs["cash_published"] = "value_cash" in cols
    return frame


def read_metadata(path: Path) -> pd.DataFrame:
    """Indicator metadata, one row per indicator with a direction, with its sheet row.

    Two files are understood: the Improvement Service's ``Metadata - Shiny.xlsx`` (``Variable
    name``, ``Title``, ``Category``, ``Domain``, ``One is high``) and an indicator-information
    table (``Indicator Information.csv`` as Stirling Council's ``SC-TPP/LGBF`` keeps it:
    ``Code``, ``Title``, ``ISCategory``, ``FamilyGrouping``, ``Ranking_Type`` Ascending /
    Descending), mapped to the same columns.
    """
    if path.suffix.lower() == ".csv":
        frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    else:
        frame = pd.read_excel(path, engine="calamine", dtype=str)
    frame["source_row"] = range(2, len(frame) + 2)
    if "Variable name" not in frame.columns and "Ranking_Type" in frame.columns:
        frame = _from_indicator_information(path, frame)
    needed = ["Variable name", "Title", "Category", "Domain", "One is high"]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise PublicationError(f"{path.name}: row 1: missing column(s) {', '.join(missing)}")
    frame = frame[[*needed, "source_row"]].copy()
    frame.columns = ["code_published", "title", "category", "domain", "one_is_high", "source_row"]
    for c in frame.columns[:-1]:
        frame[c] = frame[c].astype("string").str.strip()
    # Only indicators carry a direction; num/den names, groupings and SIMD rows do not.
    return frame[frame["one_is_high"].isin(["Yes", "No"])].reset_index(drop=True)


def _from_indicator_information(path: Path, frame: pd.DataFrame) -> pd.DataFrame:
    """Indicator-information columns -> the metadata file's. ``Ranking_Type`` Ascending means
    the lowest value ranks first (lower is better); other ranking types (Goldilocks) carry no
    direction here and are left unranked."""
    needed = ["Code", "Title", "Ranking_Type", "FamilyGrouping"]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise PublicationError(f"{path.name}: row 1: missing column(s) {', '.join(missing)}")
    people = frame["FamilyGrouping"].fillna("").str.contains("Children, Social Work", regex=False)
    return pd.DataFrame(
        {
            "Variable name": frame["Code"],
            "Title": frame["Title"],
            "Category": people.map({True: "People Services", False: "Other Services"}),
            "Domain": frame.get("ISCategory", pd.Series(dtype=str)),
            "One is high": frame["Ranking_Type"]
            .str.strip()
            .map({"Ascending": "No", "Descending": "Yes"}),
            "source_row": frame["source_row"],
        }
    )


def read_family_groups(path: Path) -> pd.DataFrame:
    """Family groups (``SIMDvalues.xlsx``): people services by deprivation, other by density."""
    frame = pd.read_excel(path, engine="calamine")
    frame.columns = [str(c).strip() for c in frame.columns]
    frame["source_row"] = range(2, len(frame) + 2)
    needed = ["Local Authority", "deprivationFG_2012", "popdensityFG_2012"]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise PublicationError(f"{path.name}: row 1: missing column(s) {', '.join(missing)}")
    out = frame[[*needed, "source_row"]].copy()
    out.columns = [
        "council_published",
        "people_services_family_group",
        "other_services_family_group",
        "source_row",
    ]
    out["council_published"] = out["council_published"].astype(str).str.strip()
    out = out[out["council_published"] != "Scotland"]
    return out.astype(
        {"people_services_family_group": "int64", "other_services_family_group": "int64"}
    )
