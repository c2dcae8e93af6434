"""The LGBF benchmarking pack for one council, as an Excel workbook.

``Summary``: every indicator's latest value and trend, rank, quartile, family-group and
Scotland comparison. ``Charts``: one line chart per indicator, the council against Scotland
and its family group's average over the years. ``Chart Data`` holds the series the charts
draw. Read from ``marts.lgbf_benchmark`` (the latest publication of each indicator-year).
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
from openpyxl.chart import LineChart, Reference
from openpyxl.chart.series import SeriesLabel

from orchestration.publishing import cells
from orchestration.returns.format import slug

CHARTS_PER_ROW = 2
CHART_ROWS = 16  # worksheet rows one chart occupies


def pack_path(out_dir: Path, council: str) -> Path:
    return out_dir / f"{slug(council)}__lgbf-benchmarking-pack.xlsx"


def _rows(con, sql, params):
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def build_lgbf_pack(con, council: str, out_dir: Path) -> tuple[Path, dict]:
    series = _rows(
        con,
        """select b.indicator_code, coalesce(i.title, b.indicator_code) as title, i.service as domain,
                  coalesce(i.unit, 'number') as unit, b.direction, b.financial_year, b.value,
                  b.previous_value, b.trend, b.rank, b.n_ranked, b.quartile, b.family_group,
                  b.family_group_average, b.scotland_value, b.publication, b.published_on
           from marts.lgbf_benchmark b left join marts.dim_indicator i using (indicator_code)
           where b.council = ?
           order by b.indicator_code, b.financial_year""",
        [council],
    )
    by_code: dict[str, list[dict]] = {}
    for s in series:
        by_code.setdefault(s["indicator_code"], []).append(s)

    wb = openpyxl.Workbook()
    summary = wb.active
    summary.title = "Summary"
    summary.cell(1, 1, f"{council} - LGBF benchmarking pack").font = cells.TITLE_FONT
    summary.cell(
        2, 1, "Latest year per indicator from the latest LGBF publication; rank 1 = best."
    ).font = cells.SUBTITLE_FONT
    headers = [
        "Code",
        "Indicator",
        "Domain",
        "Direction",
        "Latest Year",
        "Value",
        "Previous Year Value",
        "Trend",
        "Rank",
        "of",
        "Quartile",
        "Family Group",
        "Family Group Average",
        "Scotland",
        "Publication",
    ]
    header_row = 4
    cells.write_header(summary, header_row, headers)
    data = wb.create_sheet("Chart Data")
    data.append(["Code", "Financial Year", council, "Scotland", "Family group average"])
    charts = wb.create_sheet("Charts")
    charts.cell(1, 1, f"{council} against Scotland and its family group").font = cells.TITLE_FONT

    r = header_row
    data_row = 1
    n_charts = 0
    for code, rows in by_code.items():
        latest = next((x for x in reversed(rows) if x["value"] is not None), rows[-1])
        unit = latest["unit"]
        fmt = cells.number_format(unit)
        r += 1
        cells.write_text(summary, r, 1, code)
        cells.write_text(summary, r, 2, latest["title"])
        cells.write_text(summary, r, 3, latest["domain"])
        cells.write_text(summary, r, 4, (latest["direction"] or "").replace("_", " "))
        cells.write_text(summary, r, 5, latest["financial_year"])
        for c, key in (
            (6, "value"),
            (7, "previous_value"),
            (13, "family_group_average"),
            (14, "scotland_value"),
        ):
            if latest[key] is not None:
                summary.cell(r, c, cells.excel_number(latest[key], unit)).number_format = fmt
        cells.write_trend(summary, r, 8, latest["trend"])
        summary.cell(r, 9, latest["rank"])
        summary.cell(r, 10, latest["n_ranked"])
        if latest["quartile"]:
            cells.write_text(summary, r, 11, cells.QUARTILE_WORDS[latest["quartile"]])
        summary.cell(r, 12, latest["family_group"])
        cells.write_text(summary, r, 15, f"{latest['publication']} ({latest['published_on']})")

        first = data_row + 1
        for x in rows:
            data_row += 1
            data.cell(data_row, 1, code)
            data.cell(data_row, 2, x["financial_year"])
            for c, key in ((3, "value"), (4, "scotland_value"), (5, "family_group_average")):
                if x[key] is not None:
                    data.cell(data_row, c, x[key])
        chart = LineChart()
        chart.title = f"{code}: {latest['title']}"[:120]
        chart.y_axis.title = unit
        chart.x_axis.title = "Financial year"
        chart.height, chart.width = 7.5, 15
        chart.add_data(
            Reference(data, min_col=3, max_col=5, min_row=first, max_row=data_row),
            titles_from_data=False,
        )
        for s, name in zip(chart.series, (council, "Scotland", "Family group average")):
            s.tx = SeriesLabel(v=name)
        chart.set_categories(Reference(data, min_col=2, min_row=first, max_row=data_row))
        anchor_row = 3 + (n_charts // CHARTS_PER_ROW) * CHART_ROWS
        anchor_col = "A" if n_charts % CHARTS_PER_ROW == 0 else "J"
        charts.add_chart(chart, f"{anchor_col}{anchor_row}")
        n_charts += 1

    cells.finish_sheet(
        summary, header_row, r, [10, 60, 22, 16, 11, 13, 13, 7, 6, 5, 10, 8, 13, 13, 28]
    )
    charts.page_setup.orientation = "landscape"
    charts.page_setup.fitToWidth = 1
    charts.page_setup.fitToHeight = 0
    charts.sheet_properties.pageSetUpPr.fitToPage = True
    path = cells.save_atomically(wb, pack_path(out_dir, council))
    return path, {"indicators": len(by_code), "charts": n_charts}
