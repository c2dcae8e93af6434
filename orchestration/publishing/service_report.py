"""The service performance report (quarterly or annual) as an Excel return.

Laid out like the council's own reports (the seed reports): the PI summary grouped by
priority, complaints, the action report, service priority PIs, the risk register, the
balanced scorecard, and the LGBF table with its "External Comparison" text. Everything is
read from the marts; nothing from ``raw/``.

Comparison columns follow the reports: a quarter's report shows the previous year, the same
quarter last year and this year's quarters to date (Q2 2016/17: 2015/16, Q2 2015/16,
Q1 2016/17, Q2 2016/17); the annual report shows the two previous years, the four quarters
and the year (2019/20: 2017/18, 2018/19, Q1-Q4 2019/20, 2019/20). A column with no value in
a section is left out, as the reports do.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import openpyxl

from orchestration.partitions import fy_label
from orchestration.publishing import cells
from orchestration.returns.format import slug

SECTIONS = [
    ("PI Summary", "PI summary"),
    ("Complaints", "Complaints"),
    ("Service Priority PIs", "Service priority PIs"),
    ("Balanced Scorecard", "Balanced scorecard"),
]


@dataclass(frozen=True)
class Period:
    fy_start_year: int
    quarter: int | None  # None: the year end

    @property
    def financial_year(self) -> str:
        return fy_label(self.fy_start_year)

    @property
    def key(self) -> str:
        fy = f"{self.fy_start_year}-{(self.fy_start_year + 1) % 100:02d}"
        return fy if self.quarter is None else f"{fy}-Q{self.quarter}"

    @property
    def label(self) -> str:
        return (
            self.financial_year
            if self.quarter is None
            else f"Q{self.quarter} {self.financial_year}"
        )

    @classmethod
    def from_key(cls, key: str) -> Period:
        fy, _, q = key.partition("-Q")
        return cls(int(fy[:4]), int(q) if q else None)


def comparison_periods(period: Period) -> list[Period]:
    y = period.fy_start_year
    if period.quarter is None:
        return [
            Period(y - 2, None),
            Period(y - 1, None),
            *(Period(y, q) for q in (1, 2, 3, 4)),
            period,
        ]
    return [
        Period(y - 1, None),
        Period(y - 1, period.quarter),
        *(Period(y, q) for q in range(1, period.quarter + 1)),
    ]


def report_path(out_dir: Path, council: str, service: str, period_key: str) -> Path:
    return out_dir / f"{slug(council)}__{slug(service)}__{period_key}__performance-report.xlsx"


def report_title(service: str, period: Period) -> str:
    if period.quarter is None:
        return f"{service} Annual Performance Report {period.financial_year}"
    return f"{service} Quarter {period.quarter} Performance Report {period.financial_year}"


def _rows(con, sql: str, params: list) -> list[dict]:
    # Reports read the marts; a batch writer may point them at a per-council copy instead.
    cur = con.execute(sql.replace("marts.", f"{getattr(con, 'report_schema', 'marts')}."), params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def _title(ws, council: str, service: str, period: Period, section: str) -> None:
    ws.cell(1, 1, f"{council} Council - {report_title(service, period)}").font = cells.TITLE_FONT
    ws.cell(2, 1, section).font = cells.SUBTITLE_FONT


def _indicator_sheet(wb, con, council, service, period: Period, sheet_name, section) -> int:
    periods = comparison_periods(period)
    keys = [p.key for p in periods]
    values = _rows(
        con,
        """select f.indicator_code, f.period_key, f.value
           from marts.fct_indicator_value f join marts.dim_indicator i using (indicator_code)
           where f.council = ? and f.service = ? and i.section = ? and f.period_key in (select unnest(?))
             and f.value is not null""",
        [council, service, section, keys],
    )
    if not values:
        return 0
    by_indicator: dict[str, dict[str, float]] = {}
    for v in values:
        by_indicator.setdefault(v["indicator_code"], {})[v["period_key"]] = v["value"]
    shown = [p for p in periods if any(p.key in vals for vals in by_indicator.values())]
    indicators = _rows(
        con,
        """select i.indicator_code, i.title, i.priority_group, i.unit, i.numerator_name, i.denominator_name,
                  f.status, f.note, f.short_trend, f.long_trend, f.target, f.numerator, f.denominator
           from marts.dim_indicator i
           left join marts.fct_indicator_value f
             on f.indicator_code = i.indicator_code and f.council = ? and f.period_key = ?
           where i.indicator_code in (select unnest(?))
           order by i.priority_group nulls first, i.indicator_code""",
        [council, period.key, list(by_indicator)],
    )

    ws = wb.create_sheet(sheet_name)
    _title(ws, council, service, period, sheet_name)
    value_headers = [p.label for p in shown]
    headers = [
        "Priority",
        "PI Code",
        "Indicator",
        *value_headers,
        "Status",
        "Note",
        "Short Trend",
        "Long Trend",
        f"Annual Target {period.financial_year}",
        "Feeder Data",
    ]
    header_row = 4
    cells.write_header(ws, header_row, headers)
    r = header_row
    for ind in indicators:
        r += 1
        unit = ind["unit"]
        fmt = cells.number_format(unit)
        cells.write_text(ws, r, 1, ind["priority_group"])
        cells.write_text(ws, r, 2, ind["indicator_code"])
        cells.write_text(ws, r, 3, ind["title"])
        for c, p in enumerate(shown, start=4):
            value = by_indicator[ind["indicator_code"]].get(p.key)
            if value is not None:
                cell = ws.cell(r, c, cells.excel_number(value, unit))
                cell.number_format = fmt
        c = 4 + len(shown)
        cells.write_status(ws, r, c, ind["status"])
        cells.write_text(ws, r, c + 1, ind["note"])
        cells.write_trend(ws, r, c + 2, ind["short_trend"])
        cells.write_trend(ws, r, c + 3, ind["long_trend"])
        if ind["target"] is not None:
            ws.cell(r, c + 4, cells.excel_number(ind["target"], unit)).number_format = fmt
        feeders = [
            f"{name or label}: {value:,.2f}".replace(".00", "")
            for name, label, value in (
                (ind["numerator_name"], "Numerator", ind["numerator"]),
                (ind["denominator_name"], "Denominator", ind["denominator"]),
            )
            if value is not None
        ]
        cells.write_text(ws, r, c + 5, "\n".join(feeders))
    widths = [20, 17, 36, *([10] * len(shown)), 11, 40, 7, 7, 10, 34]
    cells.finish_sheet(ws, header_row, r, widths)
    return r - header_row


def _actions_sheet(wb, con, council, service, period: Period) -> int:
    rows = _rows(
        con,
        """select action_code, priority, action, due_date, progress_pct, status, reported_status, comment
           from marts.fct_action_progress where council = ? and service = ? and period_key = ?
           order by action_code""",
        [council, service, period.key],
    )
    ws = wb.create_sheet("Actions")
    _title(ws, council, service, period, f"{service} Action report")
    header_row = 4
    cells.write_header(
        ws,
        header_row,
        [
            "Code",
            "Priority",
            "Action",
            "Due Date",
            "Progress",
            "Status",
            "Reported Status",
            "Comment & Planned Improvement Action",
        ],
    )
    r = header_row
    for a in rows:
        r += 1
        cells.write_text(ws, r, 1, a["action_code"])
        cells.write_text(ws, r, 2, a["priority"])
        cells.write_text(ws, r, 3, a["action"])
        if a["due_date"] is not None:
            ws.cell(r, 4, a["due_date"]).number_format = "dd-mmm-yyyy"
        if a["progress_pct"] is not None:
            ws.cell(r, 5, a["progress_pct"] / 100).number_format = "0%"
        cells.write_text(ws, r, 6, a["status"])
        cells.write_status(ws, r, 7, a["reported_status"])
        cells.write_text(ws, r, 8, a["comment"])
    cells.finish_sheet(ws, header_row, r, [14, 30, 50, 13, 10, 12, 13, 80])
    return r - header_row


def _risks_sheet(wb, con, council, service, period: Period) -> int:
    rows = _rows(
        con,
        """select risk_code, title, identification, control_measures, latest_note, risk_score, score_band
           from marts.fct_risk where council = ? and service = ? and period_key = ? order by risk_code""",
        [council, service, period.key],
    )
    ws = wb.create_sheet("Risks")
    _title(ws, council, service, period, f"{service} Service Risks")
    header_row = 4
    cells.write_header(
        ws,
        header_row,
        [
            "Code",
            "Title",
            "Risk Identification",
            "Risk Control Measure",
            "Related action latest note",
            "Risk Score",
            "Score Band",
        ],
    )
    r = header_row
    for k in rows:
        r += 1
        cells.write_text(ws, r, 1, k["risk_code"])
        cells.write_text(ws, r, 2, k["title"])
        cells.write_text(ws, r, 3, k["identification"])
        cells.write_text(ws, r, 4, k["control_measures"])
        cells.write_text(ws, r, 5, k["latest_note"])
        ws.cell(r, 6, k["risk_score"]).number_format = "0"
        cells.write_text(ws, r, 7, k["score_band"])
    cells.finish_sheet(ws, header_row, r, [14, 40, 50, 50, 50, 10, 11])
    return r - header_row


def _lgbf_sheet(wb, con, council, service, period: Period) -> int:
    rows = _rows(
        con,
        """select b.indicator_code, i.title, i.unit, b.financial_year, b.value, b.rank, b.quartile
           from marts.lgbf_benchmark b join marts.dim_indicator i using (indicator_code)
           where b.council = ? and i.service = ? and i.source = 'LGBF' and b.financial_year <= ?
           order by b.indicator_code, b.financial_year""",
        [council, service, period.financial_year],
    )
    ws = wb.create_sheet("LGBF")
    _title(ws, council, service, period, f"Local Government Benchmarking Framework - {service}")
    years = sorted({r["financial_year"] for r in rows})
    header_row = 4
    cells.write_header(ws, header_row, ["Code", "Title", *years, "External Comparison"])
    by_code: dict[str, list[dict]] = {}
    for row in rows:
        by_code.setdefault(row["indicator_code"], []).append(row)
    r = header_row
    for code, series in by_code.items():
        r += 1
        unit = series[0]["unit"]
        cells.write_text(ws, r, 1, code)
        cells.write_text(ws, r, 2, series[0]["title"])
        for s in series:
            if s["value"] is not None:
                c = 3 + years.index(s["financial_year"])
                ws.cell(
                    r, c, cells.excel_number(s["value"], unit)
                ).number_format = cells.number_format(unit)
        ranked = [
            (s["financial_year"], s["rank"], s["quartile"]) for s in reversed(series) if s["rank"]
        ]
        cells.write_text(ws, r, 3 + len(years), cells.external_comparison(ranked[:4]))
    cells.finish_sheet(ws, header_row, r, [10, 55, *([11] * len(years)), 60])
    return r - header_row


def build_service_report(
    con, council: str, service: str, period_key: str, out_dir: Path
) -> tuple[Path, dict]:
    """Write one report; returns its path and the rows written per sheet."""
    period = Period.from_key(period_key)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    counts = {}
    for sheet_name, section in SECTIONS[:2]:
        counts[sheet_name] = _indicator_sheet(
            wb, con, council, service, period, sheet_name, section
        )
    counts["Actions"] = _actions_sheet(wb, con, council, service, period)
    for sheet_name, section in SECTIONS[2:]:
        counts[sheet_name] = _indicator_sheet(
            wb, con, council, service, period, sheet_name, section
        )
    counts["Risks"] = _risks_sheet(wb, con, council, service, period)
    counts["LGBF"] = _lgbf_sheet(wb, con, council, service, period)
    # Keep the report's order like the seed reports; empty indicator sections are omitted.
    wb.properties.title = f"{council} - {report_title(service, period)}"
    wb.properties.creator = "council-performance pipeline"
    path = cells.save_atomically(wb, report_path(out_dir, council, service, period_key))
    return path, counts


def report_periods(con) -> list[tuple[str, str, str]]:
    """(council, service, period_key) for every period that has indicator values."""
    return [
        tuple(r)
        for r in con.execute(
            """select distinct council, service, period_key from marts.fct_indicator_value
               where value is not null order by all"""
        ).fetchall()
    ]
