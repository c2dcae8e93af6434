"""Write small return workbooks for tests, in the project's format or deliberately not."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from orchestration.returns import format as fmt


def write_return(
    path: Path,
    *,
    council="Midlothian",
    service="Children's Services",
    financial_year="2019/20",
    quarter="Q3",
    indicators=(("CS.CORP.SICKNESS", "Quarter", 7.82, None, None, None, "note"),),
    indicator_headers=None,
    skip_sheets=(),
    value_format=None,
) -> Path:
    """A minimal valid return; override pieces to make it malformed. ``value_format``: the
    Value cells' number format, for every row or as {PI code: format}."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = fmt.METADATA_SHEET
    for row in (
        ("Field", "Value"),
        ("Council", council),
        ("Service", service),
        ("Financial year", financial_year),
        ("Quarter", quarter),
        ("Submitted by", "test"),
    ):
        ws.append(row)
    if fmt.INDICATORS_SHEET not in skip_sheets:
        ws = wb.create_sheet(fmt.INDICATORS_SHEET)
        ws.append(
            list(
                indicator_headers
                or ["PI Code", "Period", "Value", "Numerator", "Denominator", "Status", "Note"]
            )
        )
        for row in indicators:
            ws.append(list(row))
            for cell in ws[ws.max_row]:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text as typed, even "=..." (not a formula)
            number_format = (
                value_format.get(row[0]) if isinstance(value_format, dict) else value_format
            )
            if number_format:
                ws.cell(ws.max_row, 3).number_format = number_format
    for spec in (fmt.ACTIONS, fmt.RISKS):
        if spec.name not in skip_sheets:
            wb.create_sheet(spec.name).append(spec.headers)
    wb.save(path)
    return path
