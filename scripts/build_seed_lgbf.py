"""Build the one-council LGBF "publications" in raw/lgbf/ from the seed transcription.

Each seed report prints an LGBF table of Midlothian's own values (raw/transcription/
lgbf_published.csv). They are written here in the LGBF open-data layout (layout (b):
zero-padded codes, years like 2010-11, percentages as proportions), one file per report,
with a sidecar marking them ``transcribed`` (not an Improvement Service release) and dating
them by the end of the period the report covers. They hold one council, so they are never
ranked. The two reports print different values for the same years (the LGBF revises data),
so they are two publications.

    python scripts/build_seed_lgbf.py
"""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from pathlib import Path

from orchestration.lgbf.parse import OPEN_DATA_COLUMNS
from orchestration.workbook.values import parse_number

REPO = Path(__file__).resolve().parent.parent
REPORTS = {
    "001_1ca03212745a48c4.txt": (
        "2016-09-30",
        "Midlothian Children's Services Quarter 2 Performance Report 2016/17",
    ),
    "000_09dcfc9c775a2e22.txt": (
        "2020-03-31",
        "Midlothian Children's Services Annual Performance Report 2019/20",
    ),
}


def zero_padded(code: str) -> str:
    """CHN8a -> CHN08a, CHN9 -> CHN09: the open data's code style."""
    return re.sub(r"^([A-Za-z&]+)(\d)(?!\d)", r"\g<1>0\2", code)


def main() -> None:
    by_report: dict[str, list[dict]] = defaultdict(list)
    with open(REPO / "raw" / "transcription" / "lgbf_published.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            by_report[row["seed_file"]].append(row)
    out = REPO / "raw" / "lgbf"
    out.mkdir(parents=True, exist_ok=True)
    for seed_file, rows in sorted(by_report.items()):
        published_on, title = REPORTS[seed_file]
        name = f"transcribed__{published_on}__{seed_file.split('_')[0]}-report.csv"
        with open(out / name, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=OPEN_DATA_COLUMNS)
            writer.writeheader()
            for row in rows:
                parsed = parse_number(row["value_printed"])
                value = parsed.value / 100 if parsed.is_percent else parsed.value
                writer.writerow(
                    {
                        "Indicators_Information_Code": zero_padded(row["lgbf_code"]),
                        "LA_Information_LocalAuthority": "Midlothian",
                        "LA_Data_LGBF_Year": row["financial_year"].replace("/", "-"),
                        "LA_Data_LA_IndicatorReal": repr(round(value, 10)),
                    }
                )
        lines = sorted({r["seed_line"] for r in rows}, key=int)
        (out / (name + ".meta.json")).write_text(
            json.dumps(
                {
                    "source": f"{title} ({seed_file}, lines {', '.join(lines)})",
                    "kind": "transcribed",
                    "release": f"As printed in the {title}",
                    "published_on": published_on,
                    "note": "Values as printed in the report; dated by the end of the period it covers.",
                },
                indent=2,
            )
            + "\n"
        )
        print(out / name)


if __name__ == "__main__":
    main()
