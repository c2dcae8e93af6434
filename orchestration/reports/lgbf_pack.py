"""The LGBF benchmarking pack for one council, as an Excel workbook.

``Summary``: the publication by its release and date, how to read ranks (the Improvement
Service and councils warn against reading the LGBF as a league table), the council's family
groups with their basis and members, and every indicator's latest value, trend, rank,
quartile, family-group and Scotland comparison, each with its release. ``Commentary``: each
ranked indicator in a generated sentence from those figures (rank, its move, quartile,
family-group average), under the Improvement Service's caution. ``Charts``: one line
chart per indicator (the council, Scotland and the family-group average over the years),
sized for A4 landscape, two to a page (``Charts 1``, ``Charts 2``, ...: a sheet per page) and
never split across pages, each page naming the release its figures come from.
``Revised``: the council's figures the latest official release revised against the release
before it (``marts.fct_lgbf_revision``). ``Printed Otherwise``: the years the council's own
reports printed another figure than the pack's (a service report prints the LGBF as published
at its date, the pack the latest release), with both releases. ``Chart Data``, hidden and so
never printed, holds the series the charts draw (it was 26 of 81 printed pages). Read from
``marts.fct_lgbf_benchmark`` (the publication served for each indicator and period).
"""

from __future__ import annotations

from pathlib import Path

from orchestration.reports import cells, commentary, queries
from orchestration.workbook.sheets import slug

CHARTS_PER_PAGE = 2
CHART_ROWS = 15  # worksheet rows (20 px each) one chart and its gap occupy
CHART_SIZE = {"width": 860, "height": 270}
SHORT_TITLE = 70  # characters of the indicator's name in a chart title

READING_RANKS = (
    "How to read the ranks: rank 1 is the best value of the councils with a value (by the "
    "indicator's direction), quartiles split them into four. The Improvement Service and "
    "councils caution against reading the LGBF as a league table: councils differ in "
    "population, geography, deprivation and local choices, and a rank says where to ask "
    "questions and whom to learn from (the family group of similar councils), not how good a "
    "service is."
)


def pack_path(out_dir: Path, council: str) -> Path:
    return out_dir / f"{slug(council)}__lgbf-benchmarking-pack.xlsx"


def _short(title: str) -> str:
    title = title.removeprefix("Corporate Indicator - ")
    return title if len(title) <= SHORT_TITLE else title[: SHORT_TITLE - 1].rstrip() + "…"


# The Summary table: each column's heading and print width, in order.
SUMMARY_COLUMNS = (
    ("Code", 9),
    ("Indicator", 50),
    ("Domain", 16),
    ("Direction", 14),
    ("Latest Year", 9),
    ("Value", 11),
    ("Previous Year Value", 11),
    ("Trend", 6),
    ("Rank", 6),
    ("of", 5),
    ("Quartile", 9),
    ("Family Group", 8),
    ("Family Group Average", 11),
    ("Scotland", 11),
    ("Release", 26),
)
LAST_COLUMN = len(SUMMARY_COLUMNS) - 1
# The sheet of the series the charts draw: hidden, so it never prints.
CHART_DATA = "Chart Data"
# The chart series: the Chart Data column, the legend's name (None: the council), colour, dash.
CHART_SERIES = (
    (2, None, cells.HEADER_COLOUR, "solid"),
    (3, "Scotland", "#7F7F7F", "dash"),
    (4, "Family group average", "#C55A11", "round_dot"),
)


def build_lgbf_pack(con, council: str, out_dir: Path) -> tuple[Path, dict]:
    """Write the council's pack to ``out_dir``; returns its path and what it holds."""
    series = queries.lgbf_series(con, council)
    by_code: dict[str, list[dict]] = {}
    for s in series:
        by_code.setdefault(s["indicator_code"], []).append(s)
    printed_otherwise = queries.lgbf_printed_otherwise(con, council)
    otherwise_codes = {x["indicator_code"] for x in printed_otherwise}

    path = pack_path(out_dir, council)
    wb, tmp = cells.new_workbook(path)
    st = cells.Styles(wb)
    title = f"{council} - LGBF benchmarking pack"
    as_at = publication_line(series)
    wb.set_properties({"title": title, "author": "council-performance pipeline"})

    summary = wb.add_worksheet("Summary")
    notes = wb.add_worksheet(COMMENTARY)
    chart_sheets = [wb.add_worksheet(f"Charts {n + 1}") for n in range(chart_pages(len(by_code)))]
    revised = wb.add_worksheet("Revised")
    otherwise = wb.add_worksheet("Printed Otherwise")
    data = wb.add_worksheet(CHART_DATA)
    data.hide()

    head = as_at + (f". For some indicators, {PRINTED_OTHERWISE}." if printed_otherwise else "")
    header_row = _summary_head(summary, title, head, queries.family_groups(con, council), st)
    cells.write_header(summary, header_row, [h for h, _ in SUMMARY_COLUMNS], st)
    # Three lines: "Previous Year Value" and "Family Group Average" wrap so in their narrow
    # columns (the default height clipped them).
    summary.set_row(header_row, cells.row_height(3))
    data_headers = ["Code", "Financial Year", council, "Scotland", "Family group average",
                    "Release"]  # fmt: skip
    cells.write_header(data, 0, data_headers, st)
    data_row = 0
    for n, (code, rows) in enumerate(by_code.items()):
        latest = latest_with_a_value(rows)
        _summary_row(summary, header_row + 1 + n, code, latest, st)
        first, data_row = data_row + 1, _chart_data(data, data_row, code, rows)
        chart = _chart(wb, council, f"{code}: {_short(latest['title'])}", latest["unit"],
                       first, data_row)  # fmt: skip
        # A sheet per page of two charts: spreadsheet apps paginate a sheet as they see fit
        # (LibreOffice ignored manual page breaks here), but never put two sheets on a page.
        page, slot = divmod(n, CHARTS_PER_PAGE)
        chart_sheets[page].insert_chart(2 + slot * CHART_ROWS, 0, chart, {"object_position": 3})

    n_sentences = _commentary_sheet(notes, council, by_code, st)
    cells.print_setup(notes, [w for _, w in COMMENTARY_COLUMNS], title, as_at,
                      (COMMENTARY_HEADER, COMMENTARY_HEADER))  # fmt: skip
    codes = list(by_code)
    for page, charts in enumerate(chart_sheets):
        charts.write_string(0, 0, f"{council} against Scotland and its family group", st.subtitle)
        on_page = codes[page * CHARTS_PER_PAGE : (page + 1) * CHARTS_PER_PAGE]
        line = chart_page_line(
            [x for code in on_page for x in by_code[code]],
            [code for code in on_page if code in otherwise_codes],
        )
        charts.merge_range(1, 0, 1, LAST_COLUMN, line, st.small)
        charts.set_row(1, cells.row_height(cells.lines_needed([(line, 8.43 * 15)])))
        cells.print_setup(charts, [8.43] * 15, title, as_at, None)
        charts.print_area(0, 0, 2 + CHARTS_PER_PAGE * CHART_ROWS - 1, LAST_COLUMN)
    widths = [w for _, w in SUMMARY_COLUMNS]
    cells.print_setup(summary, widths, title, as_at, (header_row, header_row))
    summary.freeze_panes(header_row + 1, 0)
    cells.print_setup(data, [10, 12, 14, 12, 14, 26], title, as_at, (0, 0))
    n_revised = _revised_sheet(revised, con, council, st)
    cells.print_setup(
        revised,
        [9, 50, 9, 26, 12, 26, 12, 8, 6, 14],
        title,
        as_at,
        (REVISED_HEADER, REVISED_HEADER),
    )
    _printed_otherwise_sheet(otherwise, council, printed_otherwise, st)
    cells.print_setup(
        otherwise,
        [9, 44, 9, 40, 12, 30, 12, 12],
        title,
        as_at,
        (OTHERWISE_HEADER, OTHERWISE_HEADER),
    )
    path = cells.publish(wb, tmp, path)
    counts = {"indicators": len(by_code), "charts": len(by_code), "revised": n_revised,
              "printed_otherwise": len(printed_otherwise),
              "commentary": n_sentences}  # fmt: skip
    return path, counts


def release(name: str, published_on) -> str:
    """A release as the pack names it beside a figure: its name and publication date (the
    date is what a service report's "Figures as published by then" line gives)."""
    return f"{name}, published {published_on:%d %B %Y}"


def publication_line(series: list[dict]) -> str:
    """Every publication the pack's figures come from, by name and date (or that none is held)."""
    pubs = sorted({(s["published_on"], s["kind"], s["source"]) for s in series})
    if not pubs:
        return "No LGBF publication held"
    return "; ".join(
        release(queries.publication_name(kind, source, on), on) for on, kind, source in pubs
    )


# Where the pack says (Summary, chart pages) that a council report printed other figures.
PRINTED_OTHERWISE = (
    "the council's own reports printed other figures for some years (a report prints the LGBF "
    "as published at its date): both, each with its release, are on the Printed Otherwise sheet"
)


def chart_page_line(rows: list[dict], printed_otherwise: list[str]) -> str:
    """The line under a chart page's title: the release(s) its charts' figures come from and
    which of its indicators the council's own reports printed otherwise."""
    line = f"Figures from {publication_line(rows)}."
    if printed_otherwise:
        line += f" {', '.join(printed_otherwise)}: {PRINTED_OTHERWISE}."
    return line


def chart_pages(n_charts: int) -> int:
    """Pages (``Charts n`` sheets) that ``n_charts`` charts fill, two to a page."""
    return (n_charts + CHARTS_PER_PAGE - 1) // CHARTS_PER_PAGE


def latest_with_a_value(rows: list[dict]) -> dict:
    """An indicator's latest year with a value (its latest year when none has one)."""
    return next((x for x in reversed(rows) if x["value"] is not None), rows[-1])


def _summary_head(ws, title: str, source: str, groups: dict, st) -> int:
    """Title, the releases the figures come from, how to read ranks and the family groups;
    returns the header row."""
    cells.write_title(ws, title, st)
    # Merged across the table: in the narrow Code column the wrapped line ran over the next row.
    ws.merge_range(1, 0, 1, LAST_COLUMN, source, st.small)
    width = sum(w for _, w in SUMMARY_COLUMNS)
    ws.set_row(1, cells.row_height(cells.lines_needed([(source, width)])))
    ws.merge_range(2, 0, 2, LAST_COLUMN, READING_RANKS, st.paragraph)
    ws.set_row(2, 42)
    r = 3
    held = [basis for basis in groups.values() if basis["group"] is not None]
    for basis in held:
        members = ", ".join(basis["members"])
        text = f"Family group {basis['group']} ({basis['label']}): {members}."
        ws.merge_range(r, 0, r, LAST_COLUMN, text, st.paragraph)
        ws.set_row(r, 28)
        r += 1
    if not held:
        text = "Family groups: not held (no LGBF family-group table ingested)."
        ws.merge_range(r, 0, r, LAST_COLUMN, text, st.paragraph)
        r += 1
    return r + 1


# The Commentary sheet: each ranked indicator's sentence, generated from the Summary's figures.
COMMENTARY = "Commentary"
COMMENTARY_COLUMNS = (("Code", 9), ("Indicator", 44), (commentary.GENERATED, 110))
COMMENTARY_HEADER = 4


def pack_sentences(council: str, by_code: dict[str, list[dict]]) -> dict[str, str]:
    """Code -> the indicator's sentence (:func:`commentary.lgbf_sentence`) from its years as
    the Summary prints them: value, rank, quartile, family-group average; none unranked."""
    out = {}
    for code, rows in by_code.items():
        sentence = commentary.lgbf_sentence(council, code, rows, rows[-1]["unit"])
        if sentence:
            out[code] = sentence
    return out


def _commentary_sheet(ws, council: str, by_code: dict[str, list[dict]], st) -> int:
    """Title, the Improvement Service's caution, then a row per ranked indicator: its code,
    name and generated sentence. Returns how many sentences it prints."""
    sentences = pack_sentences(council, by_code)
    cells.write_title(ws, f"{council} - the LGBF in words", st)
    ws.merge_range(1, 0, 1, len(COMMENTARY_COLUMNS) - 1,
                   "Each sentence is generated from the figures of the Summary sheet (the "
                   "latest ranked year), by the rules in the project's commentary module.",
                   st.small)  # fmt: skip
    caution = commentary.LEAGUE_TABLE_CAUTION
    ws.merge_range(2, 0, 2, len(COMMENTARY_COLUMNS) - 1, caution, st.paragraph)
    width = sum(w for _, w in COMMENTARY_COLUMNS)
    ws.set_row(2, cells.row_height(cells.lines_needed([(caution, width)])))
    cells.write_header(ws, COMMENTARY_HEADER, [h for h, _ in COMMENTARY_COLUMNS], st)
    r = COMMENTARY_HEADER
    for code, sentence in sentences.items():
        r += 1
        title = by_code[code][-1]["title"]
        cells.write_text(ws, r, 0, code, st)
        cells.write_text(ws, r, 1, title, st)
        cells.write_text(ws, r, 2, sentence, st)
        ws.set_row(r, cells.row_height(cells.lines_needed([(title, 44), (sentence, 110)])))
    if not sentences:
        ws.merge_range(r + 1, 0, r + 1, len(COMMENTARY_COLUMNS) - 1,
                       "No indicator is ranked in the publications held.", st.paragraph)  # fmt: skip
    ws.freeze_panes(COMMENTARY_HEADER + 1, 0)
    return len(sentences)


def _summary_row(ws, r: int, code: str, latest: dict, st) -> None:
    """One indicator's latest figures on the Summary sheet."""
    unit = latest["unit"]
    cells.write_text(ws, r, 0, code, st)
    cells.write_text(ws, r, 1, latest["title"], st)
    cells.write_text(ws, r, 2, latest["domain"], st)
    cells.write_text(ws, r, 3, (latest["direction"] or "").replace("_", " "), st)
    cells.write_text(ws, r, 4, latest["financial_year"], st)
    for c, key in ((5, "value"), (6, "previous_value"), (12, "family_group_average"),
                   (13, "scotland_value")):  # fmt: skip
        cells.write_number(ws, r, c, latest[key], unit, st)
    cells.write_trend(ws, r, 7, latest["trend"], st)
    for c, key in ((8, "rank"), (9, "n_ranked"), (11, "family_group")):
        if latest[key] is not None:
            ws.write_number(r, c, latest[key], st.integer)
        else:
            ws.write_blank(r, c, None, st.text)
    quartile = cells.QUARTILE_WORDS.get(latest["quartile"]) if latest["quartile"] else None
    cells.write_text(ws, r, 10, quartile, st)
    name = queries.publication_name(latest["kind"], latest["source"], latest["published_on"])
    cells.write_text(ws, r, 14, name, st)
    ws.set_row(r, cells.row_height(cells.lines_needed([(latest["title"], 50), (name, 26)])))


def _chart_data(ws, row: int, code: str, rows: list[dict]) -> int:
    """An indicator's series on the Chart Data sheet after ``row``, each year with its
    release; returns its last row."""
    for x in rows:
        row += 1
        ws.write_string(row, 0, code)
        ws.write_string(row, 1, x["financial_year"])
        for c, key in ((2, "value"), (3, "scotland_value"), (4, "family_group_average")):
            if x[key] is not None:
                ws.write_number(row, c, x[key])
        name = queries.publication_name(x["kind"], x["source"], x["published_on"])
        ws.write_string(row, 5, release(name, x["published_on"]))
    return row


def _chart(wb, council: str, title: str, unit: str, first: int, last: int):
    """The line chart of Chart Data rows ``first``-``last``: the council, Scotland and the
    family-group average over the years."""
    chart = wb.add_chart({"type": "line"})
    for c, name, colour, dash in CHART_SERIES:
        chart.add_series(
            {
                "name": name or council,
                "categories": [CHART_DATA, first, 1, last, 1],
                "values": [CHART_DATA, first, c, last, c],
                "line": {"color": colour, "width": 2.25, "dash_type": dash},
                "marker": {"type": "circle", "size": 5, "fill": {"color": colour}},
            }
        )
    chart.set_title({"name": title, "name_font": {"size": 11, "bold": True}})
    chart.set_x_axis({"name": "Financial year", "name_font": {"size": 9}})
    y_axis = {"name": unit, "name_font": {"size": 9}, "num_format": "#,##0"}
    chart.set_y_axis({**y_axis, "major_gridlines": {"visible": True}})
    chart.set_legend({"position": "bottom"})
    chart.set_size(CHART_SIZE)
    return chart


REVISED_HEADER = 2


def _table_head(ws, title: str, explanation: str, headers: list[str], header_row: int, st):
    """A listing sheet's top: its title, one line saying what it lists, and the header row."""
    cells.write_title(ws, title, st)
    ws.merge_range(1, 0, 1, len(headers) - 1, explanation, st.small)
    cells.write_header(ws, header_row, headers, st)


def _revised_sheet(ws, con, council: str, st) -> int:
    """The council's figures the latest official release changed against the one before."""
    rows = queries.lgbf_revisions(con, council)
    explanation = (
        "Figures the latest LGBF release changed against the release before it."
        if rows
        else "No figures revised: the latest LGBF release held changed none of the council's "
        "figures, or it is the only release held."
    )
    headers = ["Code", "Indicator", "Period", "Earlier Release", "Earlier Value", "Release",
               "Value", "Earlier Rank", "Rank", "Change"]  # fmt: skip
    title = f"{council} - revised since the last release"
    _table_head(ws, title, explanation, headers, REVISED_HEADER, st)
    r = REVISED_HEADER
    for x in rows:
        r += 1
        for c, key in ((0, "indicator_code"), (1, "title"), (2, "period"),
                       (3, "previous_release_name"), (5, "release_name"), (9, "change")):  # fmt: skip
            cells.write_text(ws, r, c, x[key], st)
        cells.write_number(ws, r, 4, x["previous_value"], x["unit"], st)
        cells.write_number(ws, r, 6, x["value"], x["unit"], st)
        for c, key in ((7, "previous_rank"), (8, "rank")):
            if x[key] is not None:
                ws.write_number(r, c, x[key], st.integer)
            else:
                ws.write_blank(r, c, None, st.text)
    return r - REVISED_HEADER


OTHERWISE_HEADER = 2


def _printed_otherwise_sheet(ws, council: str, rows: list[dict], st) -> None:
    """The years the council's own reports printed another figure than the pack's, with the
    release each figure comes from (``queries.lgbf_printed_otherwise``)."""
    explanation = (
        "A council report prints the LGBF figures as published at its date; this pack prints "
        "the latest release. These years the report printed another figure (not only rounded)."
        if rows
        else "None: every LGBF figure the council's own reports printed is this pack's, "
        "rounded as printed."
    )
    headers = ["Code", "Indicator", "Period", "Printed In", "Printed Figure", "This Pack's Release",
               "This Pack's Figure", "Pack less Printed"]  # fmt: skip
    title = f"{council} - figures its own reports printed otherwise"
    _table_head(ws, title, explanation, headers, OTHERWISE_HEADER, st)
    ws.set_row(OTHERWISE_HEADER, cells.row_height(2))
    r = OTHERWISE_HEADER
    for x in rows:
        r += 1
        printed_in = release(x["report_release_name"], x["report_published_on"])
        pack_release = release(x["release_name"], x["published_on"])
        for c, text in ((0, x["indicator_code"]), (1, x["title"]), (2, x["period"]),
                        (3, printed_in), (5, pack_release)):  # fmt: skip
            cells.write_text(ws, r, c, text, st)
        for c, value in ((4, x["report_value"]), (6, x["value"]),
                         (7, x["value"] - x["report_value"])):  # fmt: skip
            cells.write_number(ws, r, c, value, x["unit"], st)
        lines = cells.lines_needed([(x["title"], 44), (printed_in, 40), (pack_release, 30)])
        ws.set_row(r, cells.row_height(lines))
