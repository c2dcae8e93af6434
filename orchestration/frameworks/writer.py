"""Write a framework workbook in the format of :mod:`orchestration.frameworks.format`.

Used by ``scripts/build_framework.py`` (Midlothian's, from the seed transcription), the
synthetic generator and the tests. Dates of creation are fixed so that the same rows give
the same bytes (the checked-in workbook changes only when its content does).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import xlsxwriter

from orchestration.frameworks import format as ffmt

FIXED_CREATED = datetime(2020, 4, 1)


def write_framework(path: Path, metadata: dict[str, str], sheets: dict[str, list[dict]]) -> Path:
    """``sheets``: sheet name -> rows (header -> value). Missing headers are left blank."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties({"created": FIXED_CREATED, "title": f"{metadata['Council']} framework"})
    bold = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws = wb.add_worksheet(ffmt.METADATA_SHEET)
    for r, name in enumerate(ffmt.METADATA_FIELDS):
        ws.write_string(r, 0, name, bold)
        ws.write(r, 1, metadata.get(name, ""))
    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, 40)
    for spec in ffmt.DATA_SHEETS:
        ws = wb.add_worksheet(spec.name)
        for c, header in enumerate(spec.headers):
            ws.write_string(0, c, header, bold)
            ws.set_column(c, c, max(12, min(40, len(header) + 4)))
        for r, row in enumerate(sheets.get(spec.name, []), start=1):
            for c, header in enumerate(spec.headers):
                value = row.get(header)
                if value is None or value == "":
                    continue
                if isinstance(value, (date, datetime)):
                    ws.write_datetime(r, c, datetime(value.year, value.month, value.day), date_fmt)
                elif isinstance(value, (int, float)):
                    ws.write_number(r, c, value)
                else:
                    ws.write_string(r, c, str(value))
        ws.freeze_panes(1, 0)
    wb.close()
    return path
