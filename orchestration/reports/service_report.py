"""The service performance report (quarterly or annual) as an Excel workbook.

Laid out like the council's own reports (the seed reports), one sheet per section in their
order: the title block with a key to the symbols and the narrative; the dashboard; the PI
summary under its group headings with feeder data on their own rows; complaints; actions
grouped by outcome; the service PI report with its Benchmark column; the risk register; the
balanced scorecard; the LGBF table with its "External Comparison". Sections, headings and the
order of rows come from the catalogue (``dim_indicator``: section, report_heading,
print_order), not from code; every figure comes from :mod:`orchestration.reports.queries`.

Status is shown honestly: where the status computed from the value and target differs from
the one the service reported, the cell shows both, is marked, and a footnote says why in one
sentence for a councillor; the dashboard counts by the same rule (:func:`printed_status`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from orchestration import vocabulary
from orchestration.reports import cells, commentary, exceptions, exceptions_sheet, queries
from orchestration.reports.queries import Period, comparison_periods
from orchestration.workbook.sheets import slug

__all__ = ["Period", "build_service_report", "latest_year", "report_path", "report_title"]

# Why a PI shows a status other than the one the service reported, where no documented
# exception (reference.status_exceptions) says: each completes "shown as Data Only because ...".
NO_TARGET = "the PI has no target for the period"
UNDOCUMENTED = "that is what its value and target give"
# An action row with no status from the service: the dashboard counts it under the same words.
NO_ACTION_STATUS = "No status given"
DASHBOARD_NOTE = (
    "Computed: the status worked out from each PI's value and target, as the tables show it. "
    "As returned: the status the service reported, which differs from the computed one where "
    f"a table marks the status {cells.DIFFERS_MARK}."
)
NARRATIVE_TITLE = "Progress in delivery of strategic outcomes"


def report_path(out_dir: Path, council: str, service: str, period_key: str) -> Path:
    return out_dir / f"{slug(council)}__{slug(service)}__{period_key}__performance-report.xlsx"


def report_title(service: str, period: Period) -> str:
    if period.quarter is None:
        return f"{service} Annual Performance Report {period.financial_year}"
    return f"{service} Quarter {period.quarter} Performance Report {period.financial_year}"


@dataclass
class Report:
    """One report being written: what it is about, its workbook and formats."""

    con: object
    council: str
    service: str
    period: Period
    as_of: date
    wb: object
    styles: cells.Styles
    titles: dict = field(default_factory=dict)
    counts: dict = field(default_factory=dict)
    # (kind, code) -> (sheet, 0-based row) of each PI, action and risk: the exceptions' links
    places: dict = field(default_factory=dict)
    # LGBF code -> the sentence under the LGBF table
    lgbf_commentary: dict = field(default_factory=dict)

    @property
    def title(self) -> str:
        return f"{self.council} Council - {report_title(self.service, self.period)}"

    @property
    def as_at(self) -> str:
        return f"Data as at {self.as_of:%d %B %Y}"

    def sheet_title(self, sheet: str) -> str:
        """The sheet's title as the council's report for this period words it."""
        return self.titles[sheet].format(service=self.service, year=self.period.financial_year)


# Section sheets: sheet name -> (catalogue section, columns); each sheet's title is data
# (reference.report_titles, per council and period). Column keys:
# priority, code, title, values (one per comparison period), status, note, short_trend,
# target, benchmark, feeder (feeder name and value: two columns); "benchmark?": only where a
# printed PI has one.
INDICATOR_SECTIONS = {
    "PI Summary": (
        "PI summary",
        ["priority", "title", "values", "status", "note", "short_trend", "target", "feeder"],
    ),
    "Complaints": (
        "Complaints",
        ["title", "values", "status", "note", "target"],
    ),
    "PI Report": (
        "Service priority PIs",
        ["code", "title", "values", "status", "short_trend", "note", "target", "benchmark"],
    ),
    "Balanced Scorecard": (
        "Balanced scorecard",
        ["code", "title", "values", "status", "short_trend", "note", "target", "benchmark?"],
    ),
}
SHEET_ORDER = [
    "Report",
    "Dashboard",
    "PI Summary",
    "Complaints",
    "Actions",
    "PI Report",
    "Risks",
    "Balanced Scorecard",
    "LGBF",
]
WIDTHS = {
    "priority": 20,
    "code": 13,
    "title": 34,
    "value": 9.5,
    "status": 11,
    "note": 42,
    "short_trend": 6,
    "target": 9,
    "benchmark": 18,
    "feeder": 26,
    "feeder_value": 10,
}
HEADERS = {
    "priority": "Priorities",
    "code": "PI Code",
    "title": "Indicator",
    "status": "Status",
    "note": "Note",
    "short_trend": "Short Trend",
    "benchmark": "Benchmark",
}
HEADER_ROW = 4  # 0-based: title, section title, data as at, blank, header


def _sheet(report: Report, name: str, section_title: str, landscape: bool = True):
    ws = report.wb.add_worksheet(name)
    cells.write_title(ws, report.title, report.styles)
    ws.write_string(1, 0, section_title, report.styles.subtitle)
    ws.write_string(2, 0, report.as_at, report.styles.small_line)
    return ws


def _columns(spec: list[str], shown: list[Period], financial_year: str) -> list[tuple]:
    """(key, header, width) per printed column."""
    out = []
    for key in spec:
        if key == "values":
            out += [("value", p, p.label, WIDTHS["value"]) for p in shown]
        elif key == "target":
            out.append(("target", None, f"Annual Target {financial_year}", WIDTHS["target"]))
        elif key == "feeder":
            out.append(("feeder", None, "Feeder Data", WIDTHS["feeder"]))
            out.append(("feeder_value", None, "Value", WIDTHS["feeder_value"]))
        else:
            out.append((key, None, HEADERS[key], WIDTHS[key]))
    return out


def _new_for(ind: dict, p: Period) -> str | None:
    """'New for 16/17' in a year column before the PI was introduced, as the reports print."""
    if ind["new_in"] and p.quarter is None and p.financial_year < ind["new_in"]:
        return f"New for {cells.short_year(ind['new_in'])}"
    return None


def _status_reason(v: dict) -> str:
    """Why the PI shows its status, as a clause for a councillor ("because ...")."""
    if v["status_reason"]:
        return v["status_reason"].rstrip(".")
    if v["status"] == "Data Only" and v["target"] is None:
        return NO_TARGET
    return UNDOCUMENTED


def printed_status(current: dict) -> tuple[str | None, str | None]:
    """The status a PI's row prints, and the service's own beside it where that differs.

    The one rule for what a status cell says: the tables print by it and the dashboard counts
    by it, so a dashboard and the tables behind it count the same things in the same words."""
    status, reported = current.get("status"), current.get("reported_status")
    if status is None or reported is None or reported == status:
        return status, None
    return status, reported


def action_status(action: dict) -> str:
    """The status an action's row prints (the service's word for its progress), which the
    dashboard's action chart counts."""
    return action["reported_status"] or NO_ACTION_STATUS


def footnote_title(title: str) -> str:
    """The PI's title as a footnote opens with it (a title ending "period." loses the stop)."""
    return title.rstrip(". ")


def _printed(data: dict, sections: tuple[str, ...], period: Period) -> list[dict]:
    """The PIs of these sections this report prints, in print order: those the report's
    periods hold a row for (a value, or N/A with a note)."""
    periods = comparison_periods(period)
    return [
        i
        for i in data["indicators"]
        if i["section"] in sections
        and any((i["indicator_code"], p.key) in data["values"] for p in periods)
    ]


def tables(titles: dict[str, str]) -> dict[str, tuple[str, ...]]:
    """Section sheet -> the catalogue sections its table prints: its own, and those of later
    sheets whose title in force is the same, as one table, as the council's report prints
    them (Q2 2016/17: the complaints in the "Performance Indicator Summary", the balanced
    scorecard among the "Service Priority Performance Indicators"; 2019/20: a table each)."""
    out: dict[str, tuple[str, ...]] = {}
    first_with: dict[str, str] = {}
    for sheet in SHEET_ORDER:
        if sheet not in INDICATOR_SECTIONS:
            continue
        section = INDICATOR_SECTIONS[sheet][0]
        home = first_with.setdefault(titles[sheet], sheet)
        out[home] = (*out.get(home, ()), section)
    return out


def _indicator_sheet(report: Report, sheet_name: str, data: dict, sections: tuple[str, ...]) -> int:
    """One table's sheet, in the sheet's columns: the PIs of ``sections`` (the sheet's own
    section and any printed with it, :func:`tables`) in print order. Returns how many PIs it
    prints."""
    _section, spec = INDICATOR_SECTIONS[sheet_name]
    period = report.period
    pis = _printed(data, sections, period)
    if not pis:
        return 0
    columns = _indicator_columns(spec, pis, data["values"], period)
    ws = _sheet(report, sheet_name, report.sheet_title(sheet_name))
    s = report.styles
    cells.write_header(ws, HEADER_ROW, [c[2] for c in columns], s)
    ws.set_row(HEADER_ROW, 30)
    footnotes: list[str] = []
    r = HEADER_ROW
    heading = object()
    for ind in pis:
        if ind["report_heading"] != heading:
            heading = ind["report_heading"]
            if heading:
                r += 1
                ws.merge_range(r, 0, r, len(columns) - 1, heading, s.heading)
                ws.set_row(r, 18)
        report.places.setdefault(("pi", ind["indicator_code"]), (sheet_name, r + 1))
        r = _indicator_rows(ws, r + 1, ind, columns, data, period, footnotes, s)
    last_data_row = r
    r = _footnotes(ws, r, footnotes, len(columns), s)
    ws.freeze_panes(HEADER_ROW + 1, 0)
    cells.print_setup(
        ws, [c[3] for c in columns], report.title, report.as_at, (HEADER_ROW, HEADER_ROW)
    )
    ws.print_area(0, 0, max(r, last_data_row), len(columns) - 1)
    return len(pis)


def _indicator_columns(spec, pis: list[dict], values: dict, period: Period):
    """The section's columns for these PIs: the comparison periods with something to print
    (a value, or "New for"), and the benchmark column only when a PI has a benchmark."""
    shown = [
        p
        for p in comparison_periods(period)
        if any((i["indicator_code"], p.key) in values or _new_for(i, p) for i in pis)
    ]
    has_benchmark = any(i["benchmark"] for i in pis)
    spec = [k.rstrip("?") for k in spec if k != "benchmark?" or has_benchmark]
    return _columns(spec, shown, period.financial_year)


def feeders(ind: dict, current: dict) -> list[tuple[str, float]]:
    """The PI's feeder data held for the period, named, in the order the council prints them."""
    named = [
        (ind["numerator_name"] or "Numerator", current.get("numerator")),
        (ind["denominator_name"] or "Denominator", current.get("denominator")),
    ]
    if ind["first_feeder"] == "denominator":
        named.reverse()
    return [(name, value) for name, value in named if value is not None]


def pi_summary_mismatch(ind: dict, v: dict | None, pi_summary: dict | None, period: Period):
    """The footnote when ``ind`` is the PI that reports the share of PIs on target and the
    service's figure differs from the share of the report's own PIs on target; otherwise None."""
    if not (
        pi_summary
        and ind["indicator_code"] == pi_summary["reported_indicator_code"]
        and v
        and v["value"] is not None
        and round(v["value"], 2) != round(pi_summary["pct_on_target"], 2)
    ):
        return None
    counts = (
        f" ({pi_summary['reported_on_target']:g} of {pi_summary['reported_pis']:g})"
        if pi_summary["reported_pis"] is not None and pi_summary["reported_on_target"] is not None
        else ""
    )
    return (
        f"{footnote_title(ind['title'])}: the service reported {v['value']:g}%{counts}, but "
        f"{pi_summary['pis_on_target']} of the {pi_summary['pis_with_target']} service PIs "
        f"with a target in this report are on target in {period.label} "
        f"({pi_summary['pct_on_target']:g}%)."
    )


STATUS_FOOTNOTE = (
    "{title}: shown as {status} because {reason}; the service reported it as {reported}."
)


def status_footnote(ind: dict, current: dict) -> str | None:
    """The footnote when the PI shows a status other than the one the service reported: what
    differs and why, in one sentence a councillor can read (:data:`STATUS_FOOTNOTE`)."""
    status, reported = printed_status(current)
    if reported is None:
        return None
    return STATUS_FOOTNOTE.format(
        title=footnote_title(ind["title"]),
        status=status,
        reason=_status_reason(current),
        reported=reported,
    )


def status_footnote_reason(footnote: str) -> str | None:
    """The reason a :func:`status_footnote` gives (what follows "because"), read back by the
    reconcile; None for another footnote."""
    head, because, rest = footnote.partition(" because ")
    reason, reported, _ = rest.partition("; the service reported it as ")
    return reason if because and reported and ": shown as " in head else None


def _indicator_rows(ws, r, ind, columns, data, period, footnotes, s) -> int:
    """One PI's row at ``r`` (and its second feeder's below it); returns the last row written.
    Footnotes it needs are appended to ``footnotes``."""
    code, unit = ind["indicator_code"], ind["unit"]
    values = data["values"]
    current = values.get((code, period.key)) or {}
    fed = feeders(ind, current)
    texts = []  # (text, column width): what sets the row's height
    for c, (key, p, _header, width) in enumerate(columns):
        if key in ("priority", "title", "benchmark", "note"):
            text = {"priority": ind["priority_group"], "title": ind["title"],
                    "benchmark": ind["benchmark"],
                    "note": commentary.with_note(current.get("note"),
                                                 data["commentary"].get(code))}[key]  # fmt: skip
            cells.write_text(ws, r, c, text, s)
            texts.append((text, width))
        elif key == "code":
            cells.write_text(ws, r, c, code, s)
        elif key == "value":
            v = values.get((code, p.key))
            mismatch = (
                pi_summary_mismatch(ind, v, data["pis_on_target"], period) if p == period else None
            )
            if mismatch:
                footnotes.append(mismatch)
            grown = _value_cell(ws, r, c, v, ind, p, mismatch, s)
            if grown:
                texts.append((grown, width))
        elif key == "status":
            differs = status_footnote(ind, current)
            if differs:
                footnotes.append(differs)
                texts.append(("x" * 30, width))  # two lines
            shown, beside = printed_status(current)
            cells.write_status(ws, r, c, shown, s, beside)
        elif key == "short_trend":
            cells.write_trend(ws, r, c, current.get("short_trend"), s)
        elif key == "target":
            cells.write_number(ws, r, c, current.get("target"), unit, s, decimals=ind["decimals"])
        elif key == "feeder":
            name = fed[0][0] if fed else None
            cells.write_text(ws, r, c, name, s)
            texts.append((name, width))
        elif key == "feeder_value":
            value = fed[0][1] if fed else None
            cells.write_number(ws, r, c, value, _feeder_unit(value), s)
    ws.set_row(r, cells.row_height(cells.lines_needed(texts)))
    if any(col[0] == "feeder" for col in columns) and len(fed) > 1:
        # the second feeder on its own row, as the reports print it
        r += 1
        c = next(i for i, col in enumerate(columns) if col[0] == "feeder")
        for i in range(len(columns)):
            if i not in (c, c + 1):
                ws.write_blank(r, i, None, s.text)
        cells.write_text(ws, r, c, fed[1][0], s)
        cells.write_number(ws, r, c + 1, fed[1][1], _feeder_unit(fed[1][1]), s)
        ws.set_row(r, cells.row_height(cells.lines_needed([(fed[1][0], WIDTHS["feeder"])])))
    return r


def _value_cell(ws, r, c, v, ind, p, mismatch, s) -> str | None:
    """A period's value: the number (flagged, with the footnote as a comment, when it is the
    PI summary's mismatch), N/A, "New for 16/17" before the PI existed, or blank. Returns the
    text written when it may need a taller row."""
    if v is None:
        new_for = _new_for(ind, p)
        if new_for:
            ws.write_string(r, c, new_for, s.muted)
        else:
            ws.write_blank(r, c, None, s.text)
        return new_for
    elif v["value"] is None:
        ws.write_string(r, c, "N/A", s.muted)
    else:
        cells.write_number(ws, r, c, v["value"], ind["unit"], s, bool(mismatch), ind["decimals"])
        if mismatch:
            ws.write_comment(r, c, mismatch)
    return None


def _feeder_unit(value) -> str:
    return "count" if value is None or float(value).is_integer() else "number"


def _footnotes(ws, r: int, footnotes: list[str], width_cols: int, s: cells.Styles) -> int:
    if not footnotes:
        return r
    r += 2
    ws.write_string(r, 0, f"{cells.DIFFERS_MARK} Notes on status and values", s.heading)
    for n, text in enumerate(footnotes, start=1):
        r += 1
        cells.merge(ws, r, 0, r, width_cols - 1)
        ws.write_string(r, 0, f"{n}. {text}", s.footnote)
        ws.set_row(r, cells.row_height(cells.lines_needed([(text, 150)])))
    return r


def _cover_sheet(report: Report, data: dict, lgbf_note: str) -> None:
    s = report.styles
    ws = report.wb.add_worksheet("Report")
    cells.write_title(ws, f"{report.council} Council", s)
    ws.write_string(1, 0, report_title(report.service, report.period), s.subtitle)
    cells.merge(ws, 2, 0, 2, 7)
    ws.write_string(2, 0, f"{report.as_at}: returns as held on that date; {lgbf_note}", s.small)
    ws.set_row(2, 26)
    r = 4
    ws.write_string(r, 0, "Key to the symbols", s.heading)
    key = [
        (s.status[word], word, text)
        for word, text in vocabulary.key_texts(vocabulary.STATUSES).items()
    ]
    key.append(
        (
            s.status_differs["Data Only"],
            f"Status {cells.DIFFERS_MARK}",
            "the status worked out from value and target differs from the one the service "
            "reported: both are shown, and a note under the table says why",
        )
    )
    key += [
        (s.trend[word], cells.TREND_ARROWS[word], text)
        for word, text in vocabulary.key_texts(vocabulary.TRENDS).items()
    ]
    key.append((s.muted, "N/A", "the return gives no value for the period (see its note)"))
    for fmt, symbol, meaning in key:
        r += 1
        ws.write_string(r, 0, symbol, fmt)
        cells.merge(ws, r, 1, r, 7)
        ws.write_string(r, 1, meaning, s.paragraph)
    r += 2
    ws.write_string(r, 0, NARRATIVE_TITLE, s.subtitle)
    paragraphs = data["narrative"]
    if not paragraphs:
        r += 1
        cells.merge(ws, r, 0, r, 7)
        ws.write_string(r, 0, "No narrative was returned for this period.", s.paragraph)
    heading = NARRATIVE_TITLE
    for p in paragraphs:
        if p["heading"] and p["heading"] != heading:
            heading = p["heading"]
            r += 2
            ws.write_string(r, 0, heading, s.heading)
        r += 1
        cells.merge(ws, r, 0, r, 7)
        cells.write_text(ws, r, 0, p["text"], s, s.paragraph_for(p["text"]))
        ws.set_row(r, cells.row_height(cells.lines_needed([(p["text"], 8 * 16 * 0.95)])) + 4)
    cells.print_setup(ws, [16] * 8, report.title, report.as_at, None, landscape=False)
    report.counts["Narrative"] = len(paragraphs)


def dashboard_counts(data: dict, period: Period) -> tuple[dict, dict, dict]:
    """What the dashboard counts, by :func:`printed_status` and :func:`action_status`, over
    the PIs and actions the tables print: PIs by the status shown (computed), PIs by the
    status as the service returned it (where the table prints it beside; else the one shown),
    and actions by the status their rows print."""
    computed = {status: 0 for status in cells.STATUS_COLOURS}
    returned = dict(computed)
    for section, _spec in INDICATOR_SECTIONS.values():
        for ind in _printed(data, (section,), period):
            shown, beside = printed_status(
                data["values"].get((ind["indicator_code"], period.key)) or {}
            )
            if shown is None:
                continue
            computed[shown] = computed.get(shown, 0) + 1
            returned[beside or shown] = returned.get(beside or shown, 0) + 1
    actions: dict[str, int] = {}
    for a in data["actions"]:
        actions[action_status(a)] = actions.get(action_status(a), 0) + 1
    return computed, returned, actions


def _dashboard_sheet(report: Report, data: dict) -> None:
    """Charts of the period's PIs and actions by status, like the seed's dashboard, counting
    exactly what the tables print: each PI by the status shown and by the status the service
    returned (they differ where a table marks the status ‡), each action by its row's status."""
    s = report.styles
    ws = _sheet(report, "Dashboard", report.sheet_title("Dashboard"))
    period = report.period
    pi_counts, returned, action_counts = dashboard_counts(data, period)
    cells.write_header(ws, HEADER_ROW, ["PI status", "Computed", "As returned"], s)
    ws.set_row(HEADER_ROW, 26)
    for i, (status, n) in enumerate(pi_counts.items(), start=HEADER_ROW + 1):
        ws.write_string(i, 0, status, s.status.get(status, s.text))
        ws.write_number(i, 1, n, s.integer)
        ws.write_number(i, 2, returned.get(status, 0), s.integer)
    a0 = HEADER_ROW + len(pi_counts) + 2
    cells.write_header(ws, a0, ["Action status", "Actions"], s)
    for i, (status, n) in enumerate(sorted(action_counts.items()), start=a0 + 1):
        ws.write_string(i, 0, status, s.status.get(status, s.text))
        ws.write_number(i, 1, n, s.integer)
    if not action_counts:
        ws.merge_range(a0 + 1, 0, a0 + 1, 2, "No actions reported this period.", s.text)
    note = a0 + max(len(action_counts), 1) + 2
    cells.merge(ws, note, 0, note + 2, 2)
    ws.write_string(note, 0, DASHBOARD_NOTE, s.small)
    sheet = "Dashboard"
    first, last = HEADER_ROW + 1, HEADER_ROW + len(pi_counts)
    chart = report.wb.add_chart({"type": "column"})
    # Each bar in its status's colour, the computed one dark and the returned one light; the
    # legend shows each series' own fill, so it is dark and light grey to read the same way.
    for col, name, shade, legend in (
        (1, "Computed", 1, "#595959"),
        (2, "As returned", 0, "#D9D9D9"),
    ):
        chart.add_series(
            {
                "name": name,
                "categories": [sheet, first, 0, last, 0],
                "values": [sheet, first, col, last, col],
                "fill": {"color": legend},
                "border": {"color": "#595959"},
                "points": [
                    {
                        "fill": {"color": cells.STATUS_COLOURS[st][shade]},
                        "border": {"color": cells.STATUS_COLOURS[st][1]},
                    }
                    for st in pi_counts
                ],
                "data_labels": {"value": True},
            }
        )
    chart.set_title({"name": f"PIs by status, {period.label}", "name_font": {"size": 11}})
    chart.set_legend({"position": "bottom"})
    chart.set_y_axis({"name": "PIs", "major_gridlines": {"visible": True}})
    chart.set_size({"width": 420, "height": 260})
    ws.insert_chart(HEADER_ROW, 4, chart, {"object_position": 3})
    if action_counts:
        chart = report.wb.add_chart({"type": "column"})
        chart.add_series(
            {
                "name": "Actions",
                "categories": [sheet, a0 + 1, 0, a0 + len(action_counts), 0],
                "values": [sheet, a0 + 1, 1, a0 + len(action_counts), 1],
                "fill": {"color": cells.HEADER_COLOUR},
                "data_labels": {"value": True},
            }
        )
        chart.set_title({"name": f"Actions by status, {period.label}", "name_font": {"size": 11}})
        chart.set_legend({"none": True})
        chart.set_y_axis({"name": "Actions"})
        chart.set_size({"width": 420, "height": 260})
        ws.insert_chart(HEADER_ROW, 11, chart, {"object_position": 3})
    cells.print_setup(ws, [14, 10, 10, 2] + [8.43] * 14, report.title, report.as_at, None)
    ws.print_area(0, 0, HEADER_ROW + 18, 17)
    report.counts["Dashboard"] = sum(pi_counts.values())


def _actions_sheet(report: Report, data: dict) -> None:
    s = report.styles
    rows = data["actions"]
    if not rows:
        report.counts["Actions"] = 0
        return
    ws = _sheet(report, "Actions", report.sheet_title("Actions"))
    headers = [
        "Code",
        "Action",
        "Due Date",
        "Status",
        "Progress",
        "Comment & Planned Improvement Action",
    ]
    widths = [13, 40, 12, 11, 9, 80]
    cells.write_header(ws, HEADER_ROW, headers, s)
    r = HEADER_ROW
    heading = object()
    for a in sorted(rows, key=lambda a: (a["priority"] or "", a["action_code"])):
        if a["priority"] != heading:
            heading = a["priority"]
            if heading:
                r += 1
                ws.merge_range(r, 0, r, len(headers) - 1, heading, s.heading)
                ws.set_row(r, 18)
        r += 1
        report.places[("action", a["action_code"])] = ("Actions", r)
        cells.write_text(ws, r, 0, a["action_code"], s)
        cells.write_text(ws, r, 1, a["action"], s)
        if a["due_date"] is not None:
            ws.write_datetime(r, 2, a["due_date"], s.date)
        else:
            ws.write_blank(r, 2, None, s.text)
        cells.write_status(ws, r, 3, action_status(a), s)
        if a["progress_pct"] is not None:
            ws.write_number(r, 4, a["progress_pct"] / 100, s.percent0)
        else:
            ws.write_blank(r, 4, None, s.text)
        cells.write_text(ws, r, 5, a["comment"], s)
        ws.set_row(r, cells.row_height(cells.lines_needed([(a["action"], 40), (a["comment"], 80)])))
    ws.freeze_panes(HEADER_ROW + 1, 0)
    cells.print_setup(ws, widths, report.title, report.as_at, (HEADER_ROW, HEADER_ROW))
    report.counts["Actions"] = len(rows)


def _risks_sheet(report: Report, data: dict) -> None:
    s = report.styles
    rows = data["risks"]
    ws = _sheet(report, "Risks", report.sheet_title("Risks"))
    headers = [
        "Code & Title",
        "Risk Identification",
        "Risk Control Measure",
        "Related Action",
        "Related action latest note",
        "Risk Score",
    ]
    widths = [24, 36, 36, 30, 34, 8]
    if not rows:
        ws.write_string(HEADER_ROW, 0, "No risks reported this period.", s.paragraph)
        cells.print_setup(ws, widths, report.title, report.as_at, None)
        report.counts["Risks"] = 0
        return
    cells.write_header(ws, HEADER_ROW, headers, s)
    r = HEADER_ROW
    for k in rows:
        r += 1
        report.places[("risk", k["risk_code"])] = ("Risks", r)
        texts = [
            f"{k['risk_code']} {k['title'] or ''}".strip(),
            k["identification"],
            k["control_measures"],
            k["related_action"],
            k["latest_note"],
        ]
        for c, text in enumerate(texts):
            cells.write_text(ws, r, c, text, s)
        if k["risk_score"] is not None:
            ws.write_number(r, 5, k["risk_score"], s.integer)
        else:
            ws.write_blank(r, 5, None, s.text)
        ws.set_row(r, cells.row_height(cells.lines_needed(list(zip(texts, widths)))))
    ws.freeze_panes(HEADER_ROW + 1, 0)
    cells.print_setup(ws, widths, report.title, report.as_at, (HEADER_ROW, HEADER_ROW))
    report.counts["Risks"] = len(rows)


def _lgbf_sheet(report: Report, rows: list[dict]) -> None:
    s = report.styles
    if not rows:
        report.counts["LGBF"] = 0
        return
    ws = _sheet(report, "LGBF", report.sheet_title("LGBF"))
    last_year = queries.Period(report.period.fy_start_year - 1, None).financial_year
    first_year = min(r["financial_year"] for r in rows)
    years = [
        queries.Period(y, None).financial_year
        for y in range(int(first_year[:4]), int(last_year[:4]) + 1)
    ]
    by_code: dict[str, dict] = {}
    for row in rows:
        by_code.setdefault(row["indicator_code"], {"rows": {}, "first": row})
        by_code[row["indicator_code"]]["rows"][row["financial_year"]] = row
    headers = ["Code", "Title", *years, "External Comparison"]
    widths = [9, 44, *([9.5] * len(years)), 44]
    # Across the table, not in the narrow Code column, where it was clipped to "Figures as".
    source = (
        f"Figures as published by then: {_publications(rows)}. A year not yet published shows '-'."
    )
    cells.merge(ws, 3, 0, 3, len(headers) - 1)
    ws.write_string(3, 0, source, s.small)
    ws.set_row(3, cells.row_height(cells.lines_needed([(source, sum(widths))])))
    cells.write_header(ws, HEADER_ROW, headers, s)
    r = HEADER_ROW
    for code, item in by_code.items():
        r += 1
        first = item["first"]
        cells.write_text(ws, r, 0, code, s)
        cells.write_text(ws, r, 1, first["title"], s)
        for c, fy in enumerate(years, start=2):
            row = item["rows"].get(fy)
            if row is None:
                ws.write_string(r, c, "-", s.centre)
            else:
                cells.write_number(ws, r, c, row["value"], first["unit"], s)
        ranked = [
            (fy, x["rank"], x["quartile"])
            for fy, x in sorted(item["rows"].items(), reverse=True)
            if x["rank"]
        ]
        comparison = cells.external_comparison(ranked[:4])
        cells.write_text(ws, r, 2 + len(years), comparison, s)
        ws.set_row(
            r, cells.row_height(cells.lines_needed([(first["title"], 44), (comparison, 44)]))
        )
    r = _lgbf_commentary(ws, r, report, by_code, len(headers), s)
    cells.print_setup(ws, widths, report.title, report.as_at, (HEADER_ROW, HEADER_ROW))
    report.counts["LGBF"] = len(by_code)


def _lgbf_commentary(ws, r: int, report: Report, by_code: dict, n_columns: int, s) -> int:
    """Under the LGBF table: each ranked indicator's generated sentence, then the caution."""
    for code, item in by_code.items():
        years = [item["rows"][fy] for fy in sorted(item["rows"])]
        sentence = commentary.lgbf_sentence(report.council, code, years, item["first"]["unit"])
        if sentence:
            report.lgbf_commentary[code] = sentence
    sentences = list(report.lgbf_commentary.values())
    if not sentences:
        return r
    r += 2
    ws.merge_range(r, 0, r, n_columns - 1, commentary.GENERATED, s.heading)
    for text in [*sentences, commentary.LEAGUE_TABLE_CAUTION]:
        r += 1
        cells.merge(ws, r, 0, r, n_columns - 1)
        ws.write_string(r, 0, text, s.paragraph)
        ws.set_row(r, cells.row_height(cells.lines_needed([(text, 150)])))
    return r


def _publications(rows: list[dict]) -> str:
    pubs = sorted({(r["published_on"], r["kind"], r["source"]) for r in rows})
    return "; ".join(
        f"{queries.publication_name(kind, source, on)}, published {on:%d %B %Y}"
        for on, kind, source in pubs
    )


def lgbf_title_line(rows: list[dict], held: dict) -> str:
    """The title page's word on the LGBF: the releases its figures come from; or, printing
    none, that the service has no LGBF indicators, or that none was published by the date
    (naming the release that was held, if any)."""
    if rows:
        return f"LGBF as published by then: {_publications(rows)}."
    latest = held["latest_publication"]
    release = (
        f"{queries.publication_name(latest[0], latest[1], latest[2])}, "
        f"published {latest[2]:%d %B %Y}"
        if latest
        else None
    )
    if not held["lgbf_indicators"]:
        if release:
            return f"the service has no LGBF indicators (the release held: {release})."
        return "the service has no LGBF indicators."
    if release:
        return f"no LGBF figures for the service's indicators in {release}."
    return "no LGBF publication held for that date."


def read_report_data(con, council: str, service: str, period: Period, as_of: date) -> dict:
    """Everything one report prints, from the query layer (a batch writer asks for many at
    once: :func:`orchestration.reports.queries.report_data`)."""
    (data,) = queries.report_data(con, [queries.ReportJob(council, service, period, as_of)])
    return data


def build_service_report(
    con,
    council: str,
    service: str,
    period_key: str,
    out_dir: Path,
    as_of: date | None = None,
    weeks_after_end: int = queries.DEFAULT_WEEKS_AFTER_PERIOD_END,
    data: dict | None = None,
    exceptions_out: list | None = None,
    commentary_out: list | None = None,
) -> tuple[Path, dict]:
    """Write one report as known on ``as_of`` (default: the period's report date, its end plus
    ``weeks_after_end`` weeks); returns its path and the rows written per section. ``data``:
    what it prints, when the caller has read it already (:func:`queries.report_data`). Adds
    its exceptions, each with its ``place``, to ``exceptions_out`` and its generated sentences
    to ``commentary_out`` when given."""
    period = Period.from_key(period_key)
    as_of = as_of or period.report_date(weeks_after_end)
    data = data or read_report_data(con, council, service, period, as_of)
    # the generated sentences, from the same values the tables print
    data = {
        **data,
        "commentary": commentary.pi_commentary(data["indicators"], data["values"], period),
    }
    path = report_path(out_dir, council, service, period_key)
    wb, tmp = cells.new_workbook(path)
    report = Report(con, council, service, period, as_of, wb, cells.Styles(wb), data["titles"])
    wb.set_properties(
        {
            "title": f"{council} - {report_title(service, period)}",
            "author": "council-performance pipeline",
            "comments": report.as_at,
        }
    )
    lgbf_note = lgbf_title_line(data["lgbf"], data["lgbf_held"])
    _cover_sheet(report, data, lgbf_note)
    exceptions_ws = wb.add_worksheet(exceptions_sheet.SHEET)  # at the front, filled last
    _dashboard_sheet(report, data)
    printed_in = tables(report.titles)
    for sheet in SHEET_ORDER[2:]:
        if sheet in printed_in:
            report.counts[sheet] = _indicator_sheet(report, sheet, data, printed_in[sheet])
        elif sheet in INDICATOR_SECTIONS:
            continue  # printed in an earlier sheet's table (the same title)
        elif sheet == "Actions":
            _actions_sheet(report, data)
        elif sheet == "Risks":
            _risks_sheet(report, data)
        elif sheet == "LGBF":
            _lgbf_sheet(report, data["lgbf"])
    _exceptions(report, exceptions_ws, exceptions_out, data)
    if commentary_out is not None:
        commentary_out += commentary.rows(
            council, service, period_key, data["commentary"], report.lgbf_commentary
        )
    return cells.publish(wb, tmp, path), report.counts


def _status_words(row: dict, data: dict, report: Report) -> dict:
    """A status disagreement says what the PI's footnote says (:func:`status_footnote`), in
    the same words, not the query layer's."""
    if row["kind"] != "status_differs":
        return {}
    ind = next((i for i in data["indicators"] if i["indicator_code"] == row["code"]), None)
    current = data["values"].get((row["code"], report.period.key))
    sentence = status_footnote(ind, current) if ind and current else None
    if not sentence:
        return {}
    _, _, words = sentence.partition(": shown as ")
    return {"detail": "Shown as " + words}


def _exceptions(report: Report, ws, out: list | None, data: dict) -> None:
    """The Exceptions sheet, each row linked to its place in the sheets written before it."""
    rows = exceptions.service_exceptions(data, report.service, report.period)
    rows = [
        dict(row, place=report.places.get(row["subject"]), **_status_words(row, data, report))
        for row in rows
    ]
    linked = [
        dict(row, **dict(zip(("link", "link_text"), exceptions_sheet.internal_link(row["place"]))))
        for row in rows
    ]
    subtitle = f"{report.service} Exceptions: what needs attention in {report.period.label}"
    report.counts["Exceptions"] = exceptions_sheet.write_sheet(
        ws, report.styles, report.title, subtitle, report.as_at, linked
    )
    if out is not None:
        out += rows


def report_periods(con) -> list[tuple[str, str, str]]:
    return queries.report_periods(con)


def latest_year(periods: list[tuple]) -> list[tuple]:
    """The reports of ``periods`` (council, service, period key, ...) in the latest financial
    year among them: "2019-20" for "2019-20-Q3" and the year end "2019-20"."""
    latest = max((p[2][:7] for p in periods), default=None)
    return [p for p in periods if p[2][:7] == latest]
