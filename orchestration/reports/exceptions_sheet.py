"""The exceptions, written: the "Exceptions" sheet at the front of a service report, and the
council-wide exceptions workbook across its services for a period.

Rows come from :mod:`orchestration.reports.exceptions`, grouped under each kind's heading in
its order, every kind listed (with "None this period." when it has no row: a committee reads
that nothing was found, not that nothing was looked at). Each row links to its place in the
service report: on the report's own sheet an internal link to the row (``internal:'PI
Report'!A12``); in the council workbook a link to the service report's file at that row,
beside it in ``output/excel/`` (``external:<file>#'PI Report'!A12``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from orchestration.reports import cells
from orchestration.reports.exceptions import KINDS, Period
from orchestration.workbook.sheets import slug

SHEET = "Exceptions"
HEADER_ROW = 4  # as the report's section sheets: title, section title, data as at, blank
# (heading, width); the council workbook adds the Service column first
COLUMNS = (
    ("Code", 17),
    ("Indicator, action, risk or return", 40),
    ("Value", 9.5),
    ("Target", 9.5),
    ("Gap", 9.5),
    ("Short Trend", 6),
    ("Detail", 42),
    ("In the report", 20),
)
SERVICE_COLUMN = ("Service", 18)


def exceptions_title(period: Period) -> str:
    """'Exceptions Report 2019/20', 'Quarter 2 Exceptions Report 2019/20'."""
    if period.quarter is None:
        return f"Exceptions Report {period.financial_year}"
    return f"Quarter {period.quarter} Exceptions Report {period.financial_year}"


def exceptions_path(out_dir: Path, council: str, period_key: str) -> Path:
    """The council-wide workbook, named as the service reports are (``report_path``)."""
    return out_dir / f"{slug(council)}__{period_key}__exceptions-report.xlsx"


def write_sheet(ws, styles: cells.Styles, title: str, subtitle: str, as_at: str,
                rows: list[dict], with_service: bool = False) -> int:  # fmt: skip
    """The exceptions on ``ws`` under ``title``; each row's ``link`` (an xlsxwriter URL, or
    None) and ``link_text`` say where it goes. Returns how many exceptions it lists."""
    columns = ((SERVICE_COLUMN,) if with_service else ()) + COLUMNS
    last = len(columns) - 1
    cells.write_title(ws, title, styles)
    ws.write_string(1, 0, subtitle, styles.subtitle)
    ws.write_string(2, 0, as_at, styles.small_line)
    cells.write_header(ws, HEADER_ROW, [h for h, _ in columns], styles)
    ws.set_row(HEADER_ROW, 30)
    r = HEADER_ROW
    for kind in KINDS:
        if kind.key == "not_received" and not with_service:
            continue  # the council's, not a service's: in the council workbook
        mine = [row for row in rows if row["kind"] == kind.key]
        r += 1
        text = f"{kind.heading} ({len(mine)}): {kind.meaning}"
        ws.merge_range(r, 0, r, last, text, styles.heading)
        ws.set_row(r, 18)
        if not mine:
            r += 1
            cells.merge(ws, r, 0, r, last)
            ws.write_string(r, 0, "None this period.", styles.paragraph)
        for row in mine:
            r += 1
            _row(ws, r, row, with_service, styles)
    ws.freeze_panes(HEADER_ROW + 1, 0)
    cells.print_setup(ws, [w for _, w in columns], title, as_at, (HEADER_ROW, HEADER_ROW))
    return len(rows)


def _row(ws, r: int, row: dict, with_service: bool, s: cells.Styles) -> None:
    c = 0
    if with_service:
        cells.write_text(ws, r, c, row["service"], s)
        c += 1
    unit, decimals = row.get("unit"), row.get("decimals")
    cells.write_text(ws, r, c, row["code"], s)
    cells.write_text(ws, r, c + 1, row["title"], s)
    for i, key in enumerate(("value", "target", "gap"), start=c + 2):
        value = row.get(key)
        if row["kind"] == "risk_rose" and key == "value":
            ws.write_number(r, i, value, s.integer)
        else:
            cells.write_number(
                ws, r, i, value, unit if "unit" in row else None, s, decimals=decimals
            )
    cells.write_trend(ws, r, c + 5, row.get("trend"), s)
    cells.write_text(ws, r, c + 6, row["detail"], s)
    if row.get("link"):
        ws.write_url(r, c + 7, row["link"], s.link, row["link_text"])
    else:
        ws.write_blank(r, c + 7, None, s.text)
    widths = [w for _, w in COLUMNS]
    ws.set_row(
        r,
        cells.row_height(
            cells.lines_needed([(row["title"], widths[1]), (row["detail"], widths[6])])
        ),
    )


def internal_link(place: tuple[str, int] | None) -> tuple[str | None, str | None]:
    """(URL, text) of a link to ``(sheet, 0-based row)`` in the same workbook."""
    if place is None:
        return None, None
    sheet, row = place
    return f"internal:'{sheet}'!A{row + 1}", f"{sheet}, row {row + 1}"


def build_council_exceptions(
    out_dir: Path, council: str, period: Period, as_of: date, rows: list[dict]
) -> Path:
    """The council-wide workbook for ``period``: every service's exceptions (each row's
    ``file`` and ``place`` say where in which service report), and its returns not received."""
    path = exceptions_path(out_dir, council, period.key)
    wb, tmp = cells.new_workbook(path)
    styles = cells.Styles(wb)
    title = f"{council} Council - {exceptions_title(period)}"
    as_at = f"Data as at {as_of:%d %B %Y}"
    wb.set_properties({"title": title, "author": "council-performance pipeline",
                       "comments": as_at})  # fmt: skip
    linked = []
    for row in rows:
        url, text = None, None
        if row.get("file") and row.get("place"):
            sheet, r = row["place"]
            url, text = f"external:{row['file']}#'{sheet}'!A{r + 1}", f"{sheet}, row {r + 1}"
        elif row.get("file"):
            url, text = f"external:{row['file']}#'{SHEET}'!A1", SHEET
        linked.append(dict(row, link=url, link_text=text))
    services = sorted({row["service"] for row in rows if row["kind"] != "not_received"})
    subtitle = f"Exceptions across the council's services: {', '.join(services) or 'none'}"
    ws = wb.add_worksheet(SHEET)
    write_sheet(ws, styles, title, subtitle, as_at, linked, with_service=True)
    return cells.publish(wb, tmp, path)
