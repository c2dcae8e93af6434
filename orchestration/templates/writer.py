"""Write one quarter's pre-filled return template for a council and service (xlsxwriter).

The workbook *is* a return (docs/return_format.md): saved into the returns folder once filled
in, it loads unchanged. What the officer must not change (codes, titles, targets, last values,
the Metadata) is locked; the sheets are protected without a password, so only the input cells
(value, numerator, denominator, status, note; progress, status and comment of an action; a
risk's score and note) take typing. Excel's own data validation checks each input as it is
typed: numbers, a percentage range for '%' PIs, progress and risk scores within the ranges
the return rules accept, and drop-downs of the accepted statuses. Those ranges and words are
the return rules themselves (:mod:`orchestration.workbook.rules`, read from the dbt tests), so
the template and the reader cannot disagree. Reference columns (title, unit, targets, last
value) are extra columns, which the reader ignores.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_range

from orchestration import parallel
from orchestration.returns import format as fmt
from orchestration.templates.content import TemplateContent
from orchestration.workbook import rules

INSTRUCTIONS_SHEET = "Instructions"
INPUT_FILL = "#FFF2CC"  # the officer's cells: pale yellow, as Pentana's data-entry cells
HEADER_FILL = "#DDEBF7"
# Units whose values cannot be negative (a minimum for the number validation).
NON_NEGATIVE_UNITS = {"count", "days", "months", "score", "number", "rate per 1,000"}
INPUT_ROWS = 20  # blank, unlocked rows for actions, risks and narrative the service adds
LINE_HEIGHT = 15  # points per line of wrapped text (xlsxwriter does not measure text)


def _height(texts: list[tuple[str, int]]) -> float:
    """Row height for wrapped cells: (text, column width in characters) pairs."""
    lines = max((len(t or "") // max(w - 2, 1) + 1 for t, w in texts), default=1)
    return LINE_HEIGHT * lines


def _rule(sheet: str, field: str, test: str) -> rules.Rule | None:
    return next(
        (r for r in rules.rules_for(sheet) if r.field == field and r.test == test),
        None,
    )


def accepted_statuses(sheet: str) -> list[str]:
    """The statuses a return's ``sheet`` accepts, as the dbt tests declare them."""
    rule = _rule(sheet, "Status", "in_vocabulary")  # seeds/pentana_statuses.csv
    return [str(v) for v in rule.values] if rule else []


def accepted_range(sheet: str, field: str) -> tuple[float, float] | None:
    rule = _rule(sheet, field, "accepted_range")
    return (rule.min_value, rule.max_value) if rule else None


def template_name(content: TemplateContent) -> str:
    """The name the filled-in return must have: the return's own file name."""
    return fmt.file_name(content.council, content.service, content.quarter.key)


class _Formats:
    def __init__(self, wb: xlsxwriter.Workbook):
        self.header = wb.add_format(
            {"bold": True, "bg_color": HEADER_FILL, "border": 1, "text_wrap": True}
        )
        self.locked = wb.add_format({"text_wrap": True, "valign": "top"})
        self.locked_number = wb.add_format({"num_format": "#,##0.00", "valign": "top"})
        self.locked_whole = wb.add_format({"num_format": "#,##0", "valign": "top"})
        # a period beside a right-aligned number: indented, so 1,478 and 2019-20 do not run on
        self.locked_period = wb.add_format({"text_wrap": True, "valign": "top", "indent": 1})
        self.locked_pct = wb.add_format({"num_format": "0.0%", "valign": "top"})
        self.locked_date = wb.add_format({"num_format": "dd-mmm-yyyy", "valign": "top"})
        base = {"locked": False, "bg_color": INPUT_FILL, "border": 1, "valign": "top"}
        self.input = wb.add_format({**base, "text_wrap": True})
        self.input_number = wb.add_format({**base, "num_format": "#,##0.00"})
        self.input_pct = wb.add_format({**base, "num_format": "0.0%"})
        self.input_date = wb.add_format({**base, "num_format": "dd-mmm-yyyy"})
        self.title = wb.add_format({"bold": True, "font_size": 14})
        self.wrap = wb.add_format({"text_wrap": True, "valign": "top"})


def _protect(ws) -> None:
    # No password: the lock guards against slips, not people (issue 13).
    ws.protect("", {"format_columns": True, "format_rows": True, "autofilter": True})
    # Printed (or saved as PDF) on A4 landscape, fitted to the page width.
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)


def _headers(ws, headers: list[str], widths: list[int], f: _Formats) -> None:
    for c, (header, width) in enumerate(zip(headers, widths)):
        ws.write_string(0, c, header, f.header)
        ws.set_column(c, c, width)
    ws.set_row(0, 2 * LINE_HEIGHT)  # two-line headers ("Annual Target")
    ws.freeze_panes(1, 1)
    ws.repeat_rows(0)


def _whole(x: float) -> float | int:
    """1.0 as 1: Excel's validation shows the number as written."""
    return int(x) if float(x).is_integer() else x


def _number_validation(pi: dict) -> dict:
    """Excel validation for a PI's Value cell: within the PI's range, the one the reader
    enforces (the framework's Min Value / Max Value, 0-100 for a % PI that gives none:
    stg_frameworks__indicators). A % cell is percent-formatted, so 45% is typed as 45% and
    stored as 0.45. Otherwise a number, not negative where the unit cannot be."""
    unit, low, high = pi["unit"], pi.get("min_value"), pi.get("max_value")
    if unit == "%":
        low = -1e12 if low is None else low
        high = 1e12 if high is None else high
        return {
            "validate": "decimal",
            "criteria": "between",
            "minimum": _whole(low / 100),
            "maximum": _whole(high / 100),
            "error_title": "A percentage",
            "error_message": f"Enter a percentage between {low:g}% and {high:g}%, e.g. 87.5%.",
        }
    if low is not None or high is not None:
        low = -1e12 if low is None else low
        high = 1e12 if high is None else high
        return {
            "validate": "decimal",
            "criteria": "between",
            "minimum": low,
            "maximum": high,
            "error_title": "A number",
            "error_message": f"Enter a number of {unit} between {low:g} and {high:g}.",
        }
    if unit in NON_NEGATIVE_UNITS:
        return {
            "validate": "decimal",
            "criteria": ">=",
            "value": 0,
            "error_title": "A number",
            "error_message": f"Enter a number of {unit} (0 or more), without text.",
        }
    return {
        "validate": "decimal",
        "criteria": "between",
        "minimum": -1e12,
        "maximum": 1e12,
        "error_title": "A number",
        "error_message": f"Enter a number ({unit or 'the PI unit'}), without text.",
    }


FEEDER_VALIDATION = {
    "validate": "decimal",
    "criteria": "between",
    "minimum": -1e12,
    "maximum": 1e12,
    "error_message": "Enter a number (feeder data), without text.",
}


def _cells(col: int, rows: list[int]) -> str:
    """The cells of ``col`` in ``rows`` (0-based, ascending) as an Excel range list, runs of
    rows as one range: 'E2:E3 E7'."""
    runs: list[list[int]] = []
    for r in rows:
        if runs and r == runs[-1][1] + 1:
            runs[-1][1] = r
        else:
            runs.append([r, r])
    return " ".join(xl_range(first, col, last, col) for first, last in runs)


def _list_validation(values: list[str], what: str) -> dict:
    return {
        "validate": "list",
        "source": values,
        "error_title": f"Choose a {what}",
        "error_message": f"Choose one of: {', '.join(values)}, or leave it blank.",
    }


def _write_metadata(wb, content: TemplateContent, f: _Formats) -> None:
    ws = wb.add_worksheet(fmt.METADATA_SHEET)
    ws.write_row(0, 0, ["Field", "Value"], f.header)
    filled = {
        "Council": content.council,
        "Service": content.service,
        "Financial year": content.quarter.financial_year,
        "Quarter": f"Q{content.quarter.quarter}",
    }
    for r, field in enumerate(fmt.METADATA_FIELDS, start=1):
        ws.write_string(r, 0, field, f.header)
        if field in filled:
            ws.write_string(r, 1, filled[field], f.locked)
        elif field == "Submitted on":
            ws.write_blank(r, 1, None, f.input_date)
            ws.data_validation(
                r,
                1,
                r,
                1,
                {
                    "validate": "date",
                    "criteria": ">=",
                    "value": datetime.combine(content.quarter.start_date, datetime.min.time()),
                    "error_message": "Enter the date you submit the return, e.g. 14/05/2020.",
                },
            )
        else:
            ws.write_blank(r, 1, None, f.input)
    ws.set_column(0, 0, 18)
    ws.set_column(1, 1, 40)
    _protect(ws)


INDICATOR_COLUMNS = [  # (header, width, the reader's column or a reference column)
    ("PI Code", 24),
    ("Title", 50),
    ("Unit", 9),
    ("Period", 9),
    ("Annual Target", 16),
    ("Quarter Target", 11),
    ("Last Value", 12),
    ("Last Period", 12),
    ("Value", 12),
    ("Numerator", 12),
    ("Denominator", 12),
    ("Status", 13),
    ("Note", 50),
]


def _reference_number(
    ws, r: int, c: int, value, unit: str | None, f: _Formats, why_none: str | None = None
) -> None:
    """A reference figure (locked); none held: ``why_none`` in its place, or blank."""
    if value is None and why_none:
        ws.write_string(r, c, why_none, f.locked)
    elif value is None:
        ws.write_blank(r, c, None, f.locked)
    elif unit == "%":  # the warehouse holds percentage points; the sheet shows a percentage
        ws.write_number(r, c, value / 100, f.locked_pct)
    else:  # a count as a count (1,478), a rate or an average with its decimals (11.02)
        ws.write_number(r, c, value, f.locked_whole if value == int(value) else f.locked_number)


def _write_indicators(wb, content: TemplateContent, f: _Formats) -> None:
    ws = wb.add_worksheet(fmt.INDICATORS_SHEET)
    headers = [h for h, _ in INDICATOR_COLUMNS]
    _headers(ws, headers, [w for _, w in INDICATOR_COLUMNS], f)
    col = {h: i for i, h in enumerate(headers)}
    periods = [fmt.PERIOD_QUARTER] + ([fmt.PERIOD_YEAR_END] if content.quarter.quarter == 4 else [])
    statuses = accepted_statuses(fmt.INDICATORS_SHEET)
    value_rows: dict[tuple, list[int]] = {}  # a Value cell's validation -> the rows it checks
    r = 1
    for pi in content.indicators:
        for period in periods:
            unit = pi["unit"]
            ws.write_string(r, col["PI Code"], pi["indicator_code"], f.locked)
            ws.write_string(r, col["Title"], pi["title"] or "", f.locked)
            ws.write_string(r, col["Unit"], unit or "", f.locked)
            ws.write_string(r, col["Period"], period, f.locked)
            fy = content.quarter.financial_year
            # A blank reference cell says why it is blank.
            _reference_number(ws, r, col["Annual Target"], pi["annual_target"], unit, f,
                              f"none for {fy}")  # fmt: skip
            quarter_target = pi["quarter_target"] if period == fmt.PERIOD_QUARTER else None
            _reference_number(ws, r, col["Quarter Target"], quarter_target, unit, f)
            _reference_number(ws, r, col["Last Value"], pi["last_value"], unit, f,
                              "none held")  # fmt: skip
            ws.write_string(r, col["Last Period"], pi["last_period"] or "", f.locked_period)
            value_fmt = f.input_pct if unit == "%" else f.input_number
            ws.write_blank(r, col["Value"], None, value_fmt)
            rule = _number_validation(pi)
            value_rows.setdefault(tuple(rule.items()), []).append(r)
            for feeder, name in (
                ("Numerator", pi["numerator_name"]),
                ("Denominator", pi["denominator_name"]),
            ):
                ws.write_blank(r, col[feeder], None, f.input_number)
                if name:
                    ws.write_comment(r, col[feeder], f"{feeder}: {name}")
            ws.write_blank(r, col["Status"], None, f.input)
            ws.write_blank(r, col["Note"], None, f.input)
            ws.set_row(r, _height([(pi["title"], INDICATOR_COLUMNS[1][1])]))
            r += 1
    # One validation per distinct rule, over every Value cell it checks: a validation per
    # row was 15% of a template's time (320 national templates, py-spy), and Excel checks
    # each cell the same either way.
    for rule, rows_ in value_rows.items():
        ws.data_validation(rows_[0], col["Value"], rows_[0], col["Value"],
                           {**dict(rule), "multi_range": _cells(col["Value"], rows_)})  # fmt: skip
    if r > 1:
        ws.data_validation(1, col["Numerator"], r - 1, col["Denominator"], FEEDER_VALIDATION)
        ws.data_validation(
            1, col["Status"], r - 1, col["Status"], _list_validation(statuses, "status")
        )
    ws.autofilter(0, 0, max(r - 1, 1), len(headers) - 1)
    _protect(ws)


def _open_rows(ws, headers: list[str], first: int, f: _Formats, formats: dict | None = None):
    """INPUT_ROWS empty rows from ``first`` for what the service adds this quarter: every
    cell open but the "Last ..." reference columns; ``formats`` by header (default input)."""
    for r in range(first, first + INPUT_ROWS):
        for c, header in enumerate(headers):
            if not header.startswith("Last "):
                ws.write_blank(r, c, None, (formats or {}).get(header, f.input))


ACTION_COLUMNS = [
    ("Code", 14),
    ("Period", 9),
    ("Priority", 30),
    ("Action", 50),
    ("Due Date", 12),
    ("Last Progress %", 11),
    ("Last Status", 12),
    ("Progress %", 11),
    ("Status", 13),
    ("Comment", 50),
]


def _write_actions(wb, content: TemplateContent, f: _Formats) -> None:
    ws = wb.add_worksheet(fmt.ACTIONS_SHEET)
    headers = [h for h, _ in ACTION_COLUMNS]
    _headers(ws, headers, [w for _, w in ACTION_COLUMNS], f)
    col = {h: i for i, h in enumerate(headers)}
    r = 1
    for action in content.actions:
        ws.write_string(r, col["Code"], action["action_code"], f.locked)
        ws.write_string(r, col["Period"], fmt.PERIOD_QUARTER, f.locked)
        ws.write_string(r, col["Priority"], action["priority"] or "", f.locked)
        ws.write_string(r, col["Action"], action["action"] or "", f.locked)
        if isinstance(action["due_date"], date):
            due = datetime.combine(action["due_date"], datetime.min.time())
            ws.write_datetime(r, col["Due Date"], due, f.locked_date)
        else:
            ws.write_blank(r, col["Due Date"], None, f.locked)
        if action["progress_pct"] is None:
            ws.write_blank(r, col["Last Progress %"], None, f.locked)
        else:
            ws.write_number(r, col["Last Progress %"], action["progress_pct"] / 100, f.locked_pct)
        ws.write_string(r, col["Last Status"], action["status"] or "", f.locked)
        for name in ("Progress %", "Status", "Comment"):
            ws.write_blank(r, col[name], None, f.input_pct if name == "Progress %" else f.input)
        ws.set_row(r, _height([(action["action"], 50), (action["priority"], 30)]))
        r += 1
    # Rows for actions the service adds this quarter: every cell open.
    _open_rows(ws, headers, r, f, {"Due Date": f.input_date, "Progress %": f.input_pct})
    last = r + INPUT_ROWS - 1
    low, high = accepted_range(fmt.ACTIONS_SHEET, "Progress %") or (0, 100)
    ws.data_validation(
        1,
        col["Progress %"],
        last,
        col["Progress %"],
        {
            "validate": "decimal",
            "criteria": "between",
            "minimum": low / 100,  # a percent-formatted cell: 50% is stored as 0.5
            "maximum": high / 100,
            "error_message": f"Enter the progress as a percentage from {low:g}% to {high:g}%.",
        },
    )
    ws.data_validation(
        1,
        col["Status"],
        last,
        col["Status"],
        _list_validation(accepted_statuses(fmt.ACTIONS_SHEET), "status"),
    )
    ws.data_validation(
        1,
        col["Due Date"],
        last,
        col["Due Date"],
        {
            "validate": "date",
            "criteria": ">=",
            "value": datetime(2000, 1, 1),
            "error_message": "Enter a date, e.g. 31/03/2021.",
        },
    )
    _protect(ws)


RISK_COLUMNS = [
    ("Code", 14),
    ("Period", 9),
    ("Title", 40),
    ("Identification", 40),
    ("Control Measures", 40),
    ("Related Action", 14),
    ("Last Risk Score", 10),
    ("Current Risk Score", 10),
    ("Latest Note", 50),
]


def _write_risks(wb, content: TemplateContent, f: _Formats) -> None:
    ws = wb.add_worksheet(fmt.RISKS_SHEET)
    headers = [h for h, _ in RISK_COLUMNS]
    _headers(ws, headers, [w for _, w in RISK_COLUMNS], f)
    col = {h: i for i, h in enumerate(headers)}
    r = 1
    for risk in content.risks:
        ws.write_string(r, col["Code"], risk["risk_code"], f.locked)
        ws.write_string(r, col["Period"], fmt.PERIOD_QUARTER, f.locked)
        ws.write_string(r, col["Title"], risk["title"] or "", f.locked)
        # Identification and control measures change as the risk is managed: open.
        ws.write_string(r, col["Identification"], risk["identification"] or "", f.input)
        ws.write_string(r, col["Control Measures"], risk["control_measures"] or "", f.input)
        ws.write_string(r, col["Related Action"], risk["related_action"] or "", f.locked)
        if risk["risk_score"] is None:
            ws.write_blank(r, col["Last Risk Score"], None, f.locked)
        else:
            ws.write_number(r, col["Last Risk Score"], risk["risk_score"], f.locked)
        # Pre-filled with the last score (required): the officer changes it if it moved.
        if risk["risk_score"] is None:
            ws.write_blank(r, col["Current Risk Score"], None, f.input)
        else:
            ws.write_number(r, col["Current Risk Score"], risk["risk_score"], f.input)
        ws.write_blank(r, col["Latest Note"], None, f.input)
        ws.set_row(
            r,
            _height(
                [(risk["title"], 40), (risk["identification"], 40), (risk["control_measures"], 40)]
            ),
        )
        r += 1
    _open_rows(ws, headers, r, f)
    low, high = accepted_range(fmt.RISKS_SHEET, "Current Risk Score") or (1, 25)
    ws.data_validation(
        1,
        col["Current Risk Score"],
        r + INPUT_ROWS - 1,
        col["Current Risk Score"],
        {
            "validate": "integer",
            "criteria": "between",
            "minimum": int(low),
            "maximum": int(high),
            "error_message": f"Enter the risk score (likelihood x impact), {low:g} to {high:g}.",
        },
    )
    _protect(ws)


def _write_narrative(wb, f: _Formats) -> None:
    ws = wb.add_worksheet(fmt.NARRATIVE_SHEET)
    headers = fmt.NARRATIVE.headers
    _headers(ws, headers, [30, 9, 90, 20], f)
    for r in range(1, INPUT_ROWS + 1):
        for c in range(len(headers)):
            ws.write_blank(r, c, None, f.input)
    _protect(ws)


def _write_instructions(wb, content: TemplateContent, f: _Formats) -> None:
    ws = wb.add_worksheet(INSTRUCTIONS_SHEET)
    q = content.quarter
    lines = [
        f"{content.council} - {content.service}: performance return for {q.label} "
        f"({q.start_date:%d %B %Y} to {q.end_date:%d %B %Y})",
        "",
        "1. Fill in the yellow cells only; everything else is locked (Review > Unprotect "
        "Sheet needs no password, but the pipeline reads only the columns named in "
        "docs/return_format.md).",
        "2. Indicators: one row per PI of the council's framework in force for the quarter"
        + (" (Q4: a second row for the Year end value)." if q.quarter == 4 else ".")
        + " Enter the Value (percentages as a percentage, e.g. 87.5%), the Numerator and "
        "Denominator where the PI has feeder data (hover over the cell for what they count), "
        "the Status you report (drop-down) and a Note. Leave Value blank if not available.",
        "   Annual Target, Quarter Target and Last Value are for reference: the warehouse "
        "judges the status from the value and the target in force for the quarter.",
        "3. Actions: each open action with its due date and last progress. Enter this "
        "quarter's Progress %, Status and Comment; add new actions in the rows below.",
        "4. Risks: each risk with its last score, repeated as the Current Risk Score: change "
        "it if the risk moved (1-25) and write the Latest Note.",
        "5. Narrative (optional): the report's Successes and Challenges paragraphs, one a row.",
        f"6. Save the workbook as {template_name(content)} (exactly this name) into the "
        "returns folder. A problem is reported with its sheet, row and column; nothing of a "
        "rejected file is loaded.",
        "",
        f"Template generated from the published warehouse for {q.key}.",
    ]
    ws.write_string(0, 0, lines[0], f.title)
    for r, line in enumerate(lines[1:], start=1):
        ws.write_string(r, 0, line, f.wrap)
        ws.set_row(r, _height([(line, 110)]))
    ws.set_column(0, 0, 110)
    ws.activate()
    _protect(ws)


# Templates written in one process below this many: a worker's start (about 0.2 s) costs
# more than it saves. Measured on the national set: 320 next-quarter templates took 5.9 s
# in one process (18 ms each).
PARALLEL_FROM = 40


def _write_all(job: tuple[list[TemplateContent], Path]) -> list[Path]:
    contents, out_dir = job
    return [write_template(c, out_dir) for c in contents]


def write_templates(contents: Iterable[TemplateContent], out_dir: Path) -> list[Path]:
    """Write every template (:func:`write_template`), on every core when there are many;
    returns their paths in the order of ``contents``."""
    contents = list(contents)
    if len(contents) < PARALLEL_FROM:
        return _write_all((contents, out_dir))
    jobs = [(chunk, out_dir) for chunk in parallel.split(contents, parallel.cores())]
    return [path for paths in parallel.map_on_cores(_write_all, jobs) for path in paths]


def write_template(content: TemplateContent, out_dir: Path) -> Path:
    """Write the template as ``out_dir/<return file name>``; returns its path. Written beside
    the target and renamed into place, so no half-written template is ever seen."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / template_name(content)
    partial = path.with_suffix(".partial.xlsx")
    # in_memory: the workbook's parts are assembled in memory, not each in a temporary file
    # written, zipped and removed; the files' creation and removal were 3.2 of the 7.9 s of
    # writing 60 templates (the bytes written are the same).
    wb = xlsxwriter.Workbook(str(partial), {"in_memory": True})
    wb.set_properties(
        {"title": f"{content.council} {content.service} return {content.quarter.label}"}
    )
    f = _Formats(wb)
    _write_instructions(wb, content, f)
    _write_metadata(wb, content, f)
    _write_indicators(wb, content, f)
    _write_actions(wb, content, f)
    _write_risks(wb, content, f)
    _write_narrative(wb, f)
    wb.close()
    partial.replace(path)
    return path
