"""How published workbooks look and stay safe: one place for fills, arrows, number formats,
and for writing untrusted text.

Notes and comments come from returns that people typed. A string that starts with ``=``,
``+``, ``-`` or ``@`` would be evaluated by a spreadsheet as a formula (CSV/formula
injection), so every text cell is written as an explicit string with Excel's "quote prefix"
set: it displays and edits as text and is never evaluated.
"""

from __future__ import annotations

import os
import tempfile
from copy import copy
from pathlib import Path

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

STATUS_FILLS = {
    "On Target": PatternFill("solid", start_color="FFC6EFCE", end_color="FFC6EFCE"),  # green
    "Warning": PatternFill("solid", start_color="FFFFEB9C", end_color="FFFFEB9C"),  # amber
    "Off Target": PatternFill("solid", start_color="FFFFC7CE", end_color="FFFFC7CE"),  # red
    "Data Only": PatternFill("solid", start_color="FFEDEDED", end_color="FFEDEDED"),  # neutral
}
STATUS_FONTS = {
    "On Target": Font(color="FF006100"),
    "Warning": Font(color="FF9C5700"),
    "Off Target": Font(color="FF9C0006"),
    "Data Only": Font(color="FF404040"),
}
TREND_ARROWS = {"Improving": "▲", "Getting Worse": "▼", "No Change": "►"}
TREND_FONTS = {
    "Improving": Font(color="FF006100", bold=True),
    "Getting Worse": Font(color="FF9C0006", bold=True),
    "No Change": Font(color="FF404040", bold=True),
}
QUARTILE_WORDS = {1: "Top", 2: "Second", 3: "Third", 4: "Bottom"}

HEADER_FILL = PatternFill("solid", start_color="FF1F4E78", end_color="FF1F4E78")
HEADER_FONT = Font(bold=True, color="FFFFFFFF")
TITLE_FONT = Font(bold=True, size=14)
SUBTITLE_FONT = Font(italic=True, color="FF595959")
THIN = Side(style="thin", color="FFBFBFBF")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
CENTRE_TOP = Alignment(horizontal="center", vertical="top")
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="center", horizontal="center")
TOP = Alignment(vertical="top")

# Excel number formats by indicator unit. Percentages are stored in percentage points in the
# warehouse and written as fractions with a % format, as Excel itself holds them.
UNIT_FORMATS = {
    "%": "0.00%",
    "£m": '"£"#,##0.000"m"',
    "£": '"£"#,##0.00',
    "£ per week": '"£"#,##0.00',
    "days": '0.00 "days"',
    "count": "#,##0",
    "months": '0.0 "months"',
    "weeks": '0.0 "weeks"',
    "score": "0.0",
    "rate per 1,000": "0.0",
    "number": "#,##0.00",
}


def number_format(unit: str | None) -> str:
    return UNIT_FORMATS.get(unit or "", "#,##0.00")


def excel_number(value: float | None, unit: str | None) -> float | None:
    if value is None:
        return None
    return value / 100 if unit == "%" else value


def restyle(cell, change: str, apply) -> None:
    """Make a named style change to a cell, through a cache kept on its workbook.

    openpyxl hashes every style object it is given to look it up in the workbook's style
    tables, which cost more than everything else in writing a report. The same change to a
    cell of the same style always ends in the same style array, so the change is made once
    per workbook and its result copied after that.
    """
    cache = cell.parent.parent.__dict__.setdefault("_restyle_cache", {})
    key = (change, tuple(cell._style or ()))  # a new cell has no style array yet
    done = cache.get(key)
    if done is None:
        apply(cell)
        cache[key] = copy(cell._style)
    else:
        cell._style = copy(done)


def _set(**styles):
    """``apply`` for :func:`restyle`: set these style attributes."""

    def apply(cell):
        for name, value in styles.items():
            setattr(cell, name, value)

    return apply


def write_text(ws: Worksheet, row: int, column: int, text) -> None:
    """Write untrusted text so that no spreadsheet evaluates it."""
    cell = ws.cell(row, column)
    if text is None or text == "":
        cell.value = None
        return
    text = str(text)
    cell.value = text
    cell.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
    if text.startswith(FORMULA_TRIGGERS):
        cell.quotePrefix = True
    restyle(cell, "wrap", _set(alignment=WRAP))


def write_status(ws: Worksheet, row: int, column: int, status: str | None) -> None:
    cell = ws.cell(row, column, status)
    if status in STATUS_FILLS:
        restyle(
            cell, f"status {status}", _set(fill=STATUS_FILLS[status], font=STATUS_FONTS[status])
        )
    restyle(cell, "centre", _set(alignment=CENTRE_TOP))


def write_trend(ws: Worksheet, row: int, column: int, trend: str | None) -> None:
    if trend in TREND_ARROWS:
        cell = ws.cell(row, column, TREND_ARROWS[trend])
        restyle(cell, f"trend {trend}", _set(font=TREND_FONTS[trend], alignment=CENTRE_TOP))


def write_header(ws: Worksheet, row: int, headers: list[str]) -> None:
    for c, header in enumerate(headers, start=1):
        cell = ws.cell(row, c, header)
        restyle(
            cell,
            "header",
            _set(fill=HEADER_FILL, font=HEADER_FONT, alignment=HEADER_ALIGNMENT, border=BORDER),
        )


def _body(is_text: bool):
    """Borders on every body cell; anything not text (already wrapped) aligned to the top."""

    def apply(cell):
        cell.border = BORDER
        if not is_text and cell.alignment.vertical is None:
            cell.alignment = TOP

    return apply


def finish_sheet(ws: Worksheet, header_row: int, last_row: int, widths: list[float]) -> None:
    """Frozen header, filter, borders, print set-up (landscape, fit to width, repeated titles)."""
    from openpyxl.utils import get_column_letter

    last_col = len(widths)
    for c, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
    for r in range(header_row + 1, last_row + 1):
        lines = 1
        for c in range(1, last_col + 1):
            cell = ws.cell(r, c)
            is_text = isinstance(cell.value, str)
            restyle(cell, f"body text={is_text}", _body(is_text))
            if is_text:
                # Spreadsheet apps do not always re-measure wrapped rows on open: size them here.
                chars_per_line = max(widths[c - 1] * 1.1, 1)
                wrapped = sum(
                    1 + int(len(part) / chars_per_line) for part in cell.value.split("\n")
                )
                lines = max(lines, wrapped)
        ws.row_dimensions[r].height = min(15 * lines, 409)
    ws.row_dimensions[header_row].height = 45
    ws.freeze_panes = ws.cell(header_row + 1, 1)
    ws.auto_filter.ref = f"A{header_row}:{get_column_letter(last_col)}{max(last_row, header_row)}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"1:{header_row}"
    ws.print_options.gridLines = False


def save_atomically(wb, path: Path) -> Path:
    """Write next to the target, then rename: readers never see a half-written workbook."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".xlsx.tmp", dir=path.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; published files are for everyone
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def external_comparison(ranks: list[tuple[str, int, int]]) -> str:
    """[('2017/18', 22, 3), ...] -> '17/18 Rank 22 (Third Quartile) ...', the reports' wording."""
    parts = []
    for financial_year, rank, quartile in ranks:
        short = f"{financial_year[2:4]}/{financial_year[5:7]}"
        parts.append(f"{short} Rank {rank} ({QUARTILE_WORDS[quartile]} Quartile)")
    return " ".join(parts)
