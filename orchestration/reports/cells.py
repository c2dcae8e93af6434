"""How published workbooks look and stay safe, on xlsxwriter.

One :class:`Styles` per workbook creates every cell format once (xlsxwriter formats belong
to a workbook), and the writing helpers here are the only way reports put text, numbers,
statuses and trends into cells.

Notes and comments come from returns that people typed. A string that starts with ``=``,
``+``, ``-`` or ``@`` would be evaluated by a spreadsheet as a formula (CSV/formula
injection), so every text cell is written with ``write_string`` (never parsed as a formula)
and, where it starts like a formula, with Excel's "quote prefix" set: it displays and edits
as text and is never evaluated.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import xlsxwriter

from orchestration.faults import fail_point

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

# Fill and font colours by status, as council performance systems show them.
STATUS_COLOURS = {
    "On Target": ("#C6EFCE", "#006100"),  # green
    "Warning": ("#FFEB9C", "#9C5700"),  # amber
    "Off Target": ("#FFC7CE", "#9C0006"),  # red
    "Data Only": ("#EDEDED", "#404040"),  # neutral
}
STATUS_SYMBOLS = {"On Target": "✔", "Warning": "!", "Off Target": "✖", "Data Only": "●"}
TREND_ARROWS = {"Improving": "▲", "Getting Worse": "▼", "No Change": "►"}
TREND_COLOURS = {"Improving": "#006100", "Getting Worse": "#9C0006", "No Change": "#404040"}
QUARTILE_WORDS = {1: "Top", 2: "Second", 3: "Third", 4: "Bottom"}
DIFFERS_MARK = "‡"  # beside a computed status that differs from the reported one

HEADER_COLOUR = "#1F4E78"
BORDER_COLOUR = "#BFBFBF"

# Excel number formats by indicator unit. Percentages are stored in percentage points in the
# warehouse and written as fractions with a % format, as Excel itself holds them.
UNIT_FORMATS = {
    "%": "0.00%",
    "£m": '"£"#,##0.000"m"',
    "£": '"£"#,##0.00',
    "£ per week": '"£"#,##0.00',
    "days": "0.00",
    "count": "#,##0",
    "months": "0.0",
    "weeks": "0.0",
    "score": "0.0",
    "rate per 1,000": "0.0",
    "number": "#,##0.00",
}

PAPER_A4 = 9


def number_format(unit: str | None, decimals: int | None = None) -> str:
    """The unit's number format; with ``decimals`` (the framework's Decimals column), that
    many decimal places in place of the unit's own."""
    base = UNIT_FORMATS.get(unit or "", "#,##0.00")
    if decimals is None:
        return base
    places = "0" + ("." + "0" * decimals if decimals > 0 else "")
    return re.sub(r"0(\.0+)?(?!.*0)", places, base, count=1)


def excel_number(value: float | None, unit: str | None) -> float | None:
    if value is None:
        return None
    return value / 100 if unit == "%" else value


def short_year(financial_year: str) -> str:
    """'2016/17' -> '16/17', as the reports print years in notes and comparisons."""
    return f"{financial_year[2:4]}/{financial_year[5:7]}"


class Styles:
    """Every format a report uses, created once for its workbook."""

    def __init__(self, wb: xlsxwriter.Workbook):
        self.wb = wb
        body = {"border": 1, "border_color": BORDER_COLOUR, "valign": "top", "font_size": 9}
        self.title = wb.add_format({"bold": True, "font_size": 16})
        self.subtitle = wb.add_format({"bold": True, "font_size": 12, "font_color": HEADER_COLOUR})
        self.heading = wb.add_format(
            {"bold": True, "font_size": 11, "font_color": HEADER_COLOUR, "bottom": 1}
        )
        self.small = wb.add_format(
            {
                "italic": True,
                "font_size": 9,
                "font_color": "#595959",
                "text_wrap": True,
                "valign": "top",
            }
        )
        # one line that may run on across empty cells (a sheet's "Data as at" under its title)
        self.small_line = wb.add_format({"italic": True, "font_size": 9, "font_color": "#595959"})
        self.paragraph = wb.add_format({"text_wrap": True, "valign": "top", "font_size": 10})
        self.paragraph_quoted = wb.add_format(
            {"text_wrap": True, "valign": "top", "font_size": 10, "quote_prefix": True}
        )
        self.header = wb.add_format(
            {
                **body,
                "bold": True,
                "font_color": "#FFFFFF",
                "bg_color": HEADER_COLOUR,
                "text_wrap": True,
                "align": "center",
                "valign": "vcenter",
            }
        )
        self.text = wb.add_format({**body, "text_wrap": True})
        self.text_quoted = wb.add_format({**body, "text_wrap": True, "quote_prefix": True})
        self.footnote = wb.add_format({"text_wrap": True, "valign": "top", "font_size": 8})
        self.centre = wb.add_format({**body, "align": "center"})
        self.muted = wb.add_format(
            {**body, "align": "center", "italic": True, "font_color": "#595959"}
        )
        self.date = wb.add_format({**body, "num_format": "dd-mmm-yyyy"})
        self.percent0 = wb.add_format({**body, "num_format": "0%"})
        self.link = wb.add_format({**body, "font_color": "#0563C1", "underline": 1})
        self.integer = wb.add_format({**body, "num_format": "0"})
        self._numbers = {}
        self._body = body
        self.status = {
            s: wb.add_format(
                {**body, "align": "center", "bg_color": fill, "font_color": font, "text_wrap": True}
            )
            for s, (fill, font) in STATUS_COLOURS.items()
        }
        # A status the return reported differently: same colours, a thick border marks it.
        self.status_differs = {
            s: wb.add_format(
                {
                    **body,
                    "align": "center",
                    "bg_color": fill,
                    "font_color": font,
                    "text_wrap": True,
                    "bold": True,
                    "border": 5,
                    "border_color": "#000000",
                }
            )
            for s, (fill, font) in STATUS_COLOURS.items()
        }
        self.trend = {
            t: wb.add_format({**body, "align": "center", "bold": True, "font_color": colour})
            for t, colour in TREND_COLOURS.items()
        }

    def paragraph_for(self, text: str):
        """The paragraph format, quote-prefixed where the text starts like a formula."""
        return self.paragraph_quoted if text.startswith(FORMULA_TRIGGERS) else self.paragraph

    def number(self, unit: str | None, flagged: bool = False, whole: bool = False, decimals=None):
        """The number format for a unit (made on first use; at most one per unit and number
        of decimals), ``whole``: a whole percentage, printed without decimals."""
        key = (unit, flagged, whole, decimals)
        if key not in self._numbers:
            shown = "0%" if whole else number_format(unit, decimals)
            props = {**self._body, "num_format": shown}
            if flagged:
                props.update({"border": 5, "border_color": "#000000", "bold": True})
            self._numbers[key] = self.wb.add_format(props)
        return self._numbers[key]


def write_text(ws, row: int, col: int, text, styles: Styles, fmt=None) -> None:
    """Write untrusted text so that no spreadsheet evaluates it (row, col 0-based)."""
    if text is None or text == "":
        ws.write_blank(row, col, None, fmt or styles.text)
        return
    text = str(text)
    if fmt is None:
        fmt = styles.text_quoted if text.startswith(FORMULA_TRIGGERS) else styles.text
    ws.write_string(row, col, text, fmt)


def write_number(
    ws, row: int, col: int, value, unit: str | None, styles: Styles, flagged=False, decimals=None
):
    """A value in its unit's format, or with ``decimals`` places when the framework says."""
    if value is None:
        ws.write_blank(row, col, None, styles.text)
    else:
        fmt = styles.number(unit, flagged, _whole(value, unit, decimals), decimals)
        ws.write_number(row, col, excel_number(value, unit), fmt)


def _whole(value: float, unit: str | None, decimals: int | None) -> bool:
    """A whole percentage prints as the reports print it: 100%, not 100.00% (66.67% keeps
    its decimals), unless the framework gives the decimal places."""
    return decimals is None and unit == "%" and float(round(value, 6)).is_integer()


NUMBER_FORMAT = re.compile(r'(?:"([^"]*)")?(#,##0|0)(?:\.(0+))?(%?)(?:"([^"]*)")?')


def display(value: float, unit: str | None, decimals: int | None = None) -> str:
    """``value`` as :func:`write_number`'s cell shows it: its number format, rendered (the
    commentary's numbers, so that a sentence never disagrees with its table)."""
    shown = "0%" if _whole(value, unit, decimals) else number_format(unit, decimals)
    prefix, integer, places, percent, suffix = NUMBER_FORMAT.fullmatch(shown).groups()
    x = excel_number(value, unit) * (100 if percent else 1)
    digits = f"{abs(x):{',' if ',' in integer else ''}.{len(places or '')}f}"
    sign = "-" if x < 0 and float(digits.replace(",", "")) != 0 else ""
    return f"{sign}{prefix or ''}{digits}{percent}{suffix or ''}"


def write_status(ws, row: int, col: int, status: str | None, styles: Styles, reported=None):
    """The computed status; where the return reported another, both, in a marked cell."""
    if status is None:
        ws.write_blank(row, col, None, styles.text)
        return
    if reported and reported != status:
        fmt = styles.status_differs.get(status, styles.text)
        ws.write_string(row, col, f"{status} {DIFFERS_MARK}\n(reported: {reported})", fmt)
        return
    ws.write_string(row, col, status, styles.status.get(status, styles.centre))


def write_trend(ws, row: int, col: int, trend: str | None, styles: Styles) -> None:
    if trend in TREND_ARROWS:
        ws.write_string(row, col, TREND_ARROWS[trend], styles.trend[trend])
    else:
        ws.write_blank(row, col, None, styles.text)


def merge(ws, first_row: int, first_col: int, last_row: int, last_col: int) -> None:
    """Merge cells for text in a format with no border and no fill (a paragraph, a note):
    the caller then writes the first cell, in its format.

    Why: xlsxwriter's ``merge_range`` pads every other cell of the range with a blank in the
    range's format, so that a border runs round it; without a border or fill those blanks
    print nothing, and they were 17% of a report's cells (88 reports: 17,600 of 105,300).
    Merged without a format, the range gets no blanks (``write_blank`` writes nothing
    without a format): 20.1 -> 18.8 ms of CPU a report (88 reports, best of 4, before and
    after in turn), and the rendered pages are byte-identical."""
    ws.merge_range(first_row, first_col, last_row, last_col, None)


def write_header(ws, row: int, headers: list[str], styles: Styles) -> None:
    for c, header in enumerate(headers):
        ws.write_string(row, c, header, styles.header)


def lines_needed(texts: list[tuple[str | None, float]]) -> int:
    """Wrapped lines the tallest of these (text, column width) cells needs at 9 pt."""
    lines = 1
    for text, width in texts:
        if not text:
            continue
        per_line = max(width * 1.15, 1)
        lines = max(lines, sum(1 + int(len(part) / per_line) for part in str(text).split("\n")))
    return lines


def row_height(lines: int) -> float:
    return min(12.5 * lines + 2, 409)


# Every printed row has a height of its own. A row left to the spreadsheet's optimal height is
# measured twice by LibreOffice when it prints a sheet that is not the workbook's first: once
# when it breaks the sheet into pages and once when it draws them, and the two differ. Where
# the sheet's last page is nearly full, it then counts a page more than it draws, and the PDF
# has a page with nothing on it, not even its header (the Q2 2016/17 PI Report did: page 11
# of 13 blank). Measured on that report: growing every PI row by 0 to 0.5 pt gave the blank
# page, with optimal-height rows; with every row's height fixed, no step from -2 to +2 pt did.
ROW_HEIGHT = 15.75  # points: a blank row, or one line at up to 12 pt (Excel's own is 15)
TITLE_ROW_HEIGHT = 21.0  # one line of the 16 pt title


def write_title(ws, text: str, styles: Styles, row: int = 0) -> None:
    """A sheet's title line, in a row tall enough for it (see ``ROW_HEIGHT``)."""
    ws.write_string(row, 0, text, styles.title)
    ws.set_row(row, TITLE_ROW_HEIGHT)


def _escape_header_text(text: str) -> str:
    return text.replace("&", "&&")


def print_setup(
    ws,
    widths: list[float],
    title: str,
    as_at: str,
    repeat: tuple[int, int] | None,
    landscape: bool = True,
    scale: int | None = None,
) -> None:
    """Column widths and print set-up: A4, fit to width, repeated header rows, the report's
    title and data-as-at date in the page header, "Page x of y" in the footer, and every row
    not sized by its writer ``ROW_HEIGHT`` tall. ``scale``:
    print at this scale instead of fitting to the page width (keeps manual page breaks)."""
    for c, width in enumerate(widths):
        ws.set_column(c, c, width)
    ws.set_paper(PAPER_A4)
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    if scale is None:
        ws.fit_to_pages(1, 0)
    else:
        ws.set_print_scale(scale)  # spreadsheet apps ignore manual page breaks when fitting
    ws.set_margins(left=0.4, right=0.4, top=0.75, bottom=0.6)
    ws.set_default_row(ROW_HEIGHT)  # rows nobody sized are fixed too, not optimal
    ws.set_header(
        f"&L&8{_escape_header_text(title)}&R&8{_escape_header_text(as_at)}", {"margin": 0.3}
    )
    ws.set_footer("&L&8&A&R&8Page &P of &N", {"margin": 0.3})
    if repeat is not None:
        ws.repeat_rows(*repeat)


def new_workbook(path: Path) -> tuple[xlsxwriter.Workbook, Path]:
    """A workbook written beside ``path`` (see :func:`publish`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".xlsx.tmp", dir=path.parent)
    os.close(fd)
    # in_memory: no temporary files per worksheet (faster for many small workbooks)
    return xlsxwriter.Workbook(tmp, {"in_memory": True}), Path(tmp)


def publish(wb: xlsxwriter.Workbook, tmp: Path, path: Path) -> Path:
    """Close the workbook and rename it into place: readers never see a half-written file."""
    try:
        wb.close()
        fail_point("publish", tmp)  # fault-injection point for the publish-fault tests
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; published files are for everyone
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


# What the External Comparison cell says when no rank was held: the Improvement Service ranks
# a year only in its official releases (a council's own printed figures are never ranked).
NOT_RANKED = "No rank yet: no LGBF release ranking the councils on this indicator was held by the report date."


def external_comparison(ranks: list[tuple[str, int, int]]) -> str:
    """[('2017/18', 22, 3), ...] -> '17/18 Rank 22 (Third Quartile) ...', the reports' wording;
    no ranks: :data:`NOT_RANKED`."""
    if not ranks:
        return NOT_RANKED
    return " ".join(
        f"{short_year(fy)} Rank {rank} ({QUARTILE_WORDS[quartile]} Quartile)"
        for fy, rank, quartile in ranks
    )
