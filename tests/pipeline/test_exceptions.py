"""The exceptions report: the sheet at the front of each service report and the council-wide
workbook, checked against what the councils printed (the 2019/20 seed transcription, East
Dunbartonshire's published RAG), each row linked to the row it names."""

from __future__ import annotations

import csv
import re
from datetime import date

import duckdb
import openpyxl
import pytest

from orchestration import config, vocabulary
from orchestration.reports.exceptions import KIND, returns_not_received
from orchestration.reports.exceptions_sheet import HEADER_ROW, SHEET
from orchestration.reports.queries import Period
from tests.support.paths import REPO, seed_line

ANNUAL = "midlothian__childrens-services__2019-20__performance-report.xlsx"
COUNCIL = "midlothian__2019-20__exceptions-report.xlsx"
TENANT = "east-dunbartonshire__education__2023-24__performance-report.xlsx"
TRANSCRIPTION = REPO / "raw" / "transcription"


def _excel(name: str):
    return openpyxl.load_workbook(config.output_dir() / "excel" / name)


def _by_kind(ws, code_column: int = 1) -> dict[str, list[tuple]]:
    """Kind heading -> its rows (cells as values), under the header row."""
    out: dict[str, list[tuple]] = {}
    heading = None
    for row in ws.iter_rows(min_row=HEADER_ROW + 2):
        first = row[0].value
        match = re.match(r"(.+) \(\d+\): ", str(first or ""))
        if match:
            heading = match.group(1)
            out[heading] = []
        elif first != "None this period.":
            out[heading].append(row)
    return out


def _seed_off_target() -> dict[str, tuple[str, str]]:
    """The 2019/20 annual report's Off Target PIs: code -> (seed file, line)."""
    with open(TRANSCRIPTION / "indicator_values.csv", encoding="utf-8") as f:
        return {
            r["indicator_code"]: (r["seed_file"], r["seed_line"].split("-")[0])
            for r in csv.DictReader(f)
            if r["financial_year"] == "2019/20" and not r["quarter"]
            and r["status_printed"] == "Off Target"
        }  # fmt: skip


def test_exceptions_sheet_follows_the_cover(built_warehouse):
    assert _excel(ANNUAL).sheetnames[:3] == ["Report", SHEET, "Dashboard"]


def test_every_off_target_pi_of_the_2019_20_seed_is_an_exception(built_warehouse):
    """Each PI the seed prints Off Target is listed: as Off Target when the warehouse computes
    it so, else among the reported statuses that differ (with both statuses)."""
    seed = _seed_off_target()
    assert len(seed) == 9
    for code, (file, line) in seed.items():
        assert "Off Target" in seed_line(file, int(line)), code
    book = _excel(ANNUAL)
    kinds = _by_kind(book[SHEET])
    off = {r[0].value for r in kinds[KIND["off_target"].heading]}
    differs = {r[0].value: r[6].value for r in kinds[KIND["status_differs"].heading]}
    for code in seed:
        assert code in off or "the service reported it as Off Target" in differs.get(code, ""), code
    assert off <= set(seed)  # and nothing the council printed otherwise
    # Value, target and gap are the row's, as the report's own tables print them.
    sickness = next(
        r for r in kinds[KIND["off_target"].heading] if r[0].value == "CS.CORP.SICKNESS"
    )
    assert [c.value for c in sickness[2:5]] == pytest.approx([11.02, 9.0, 2.02])
    assert "11.02" in seed_line(*seed["CS.CORP.SICKNESS"][:1], 77)


def test_each_row_links_to_its_row_in_the_report(built_warehouse):
    book = _excel(ANNUAL)
    n = 0
    for rows in _by_kind(book[SHEET]).values():
        for row in rows:
            link = row[7].hyperlink
            sheet, cell = re.fullmatch(r"'(.+)'!A(\d+)", link.location).groups()
            target = book[sheet]
            # the row holds the PI (its code, or its title where the sheet prints no code)
            assert {target.cell(int(cell), c).value for c in (1, 2)} & {row[0].value, row[1].value}
            n += 1
    assert n >= 9


def test_east_dunbartonshire_two_red_five_amber(built_warehouse):
    with open(TRANSCRIPTION / "tenants" / "east-dunbartonshire-education-2023-24.csv",
              encoding="utf-8") as f:  # fmt: skip
        printed = {r["indicator_code"]: r["status_printed"].lower() for r in csv.DictReader(f)}
    rag = {
        row["other_spellings"].lower(): row["status"]
        for row in vocabulary.seed_rows(vocabulary.STATUSES)
        if row["other_spellings"]
    }
    wanted = {
        code: rag[w] for code, w in printed.items() if rag.get(w) in ("Off Target", "Warning")
    }
    assert sorted(wanted.values()).count("Off Target") == 2
    assert sorted(wanted.values()).count("Warning") == 5
    rows = _by_kind(_excel(TENANT)[SHEET])[KIND["off_target"].heading]
    assert {r[0].value: r[6].value for r in rows} == wanted


def test_council_workbook_across_services_links_to_the_service_report(built_warehouse):
    ws = _excel(COUNCIL)[SHEET]
    service_sheet = _by_kind(_excel(ANNUAL)[SHEET])
    kinds = _by_kind(ws)
    for heading, rows in service_sheet.items():
        assert [r[0].value for r in rows] == [r[1].value for r in kinds[heading]], heading
    assert kinds[KIND["not_received"].heading] == []  # every service's return is in
    first = kinds[KIND["off_target"].heading][0]
    assert first[0].value == "Children's Services"
    assert first[8].hyperlink.target.startswith(ANNUAL)  # beside it in output/excel
    names = sorted(
        p.name for p in (config.output_dir() / "excel").glob("*__exceptions-report.xlsx")
    )
    assert len(names) == 12  # a workbook per council-period with a report


def test_a_quarter_the_council_sent_no_return_for_lists_the_service(built_warehouse):
    """raw/returns has no Midlothian return for Q3 2015/16 (the seeds start at Q2 2015/16 and
    the next return is the year end's): its report date finds Children's Services not
    received; Q2 2015/16, whose return is loaded, finds none."""
    with duckdb.connect(str(config.published_warehouse_path()), read_only=True) as con:
        missing = returns_not_received(con, "Midlothian", Period(2015, 3), date(2016, 2, 24))
        loaded = returns_not_received(con, "Midlothian", Period(2015, 2), date(2015, 11, 25))
    assert [(r["kind"], r["service"], r["detail"]) for r in missing] == [
        ("not_received", "Children's Services", "no return loaded")
    ]
    assert missing[0]["subject"] == ("return", "Children's Services")
    assert loaded == []
