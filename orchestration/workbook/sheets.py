"""Sheets as data: a sheet's columns and their kinds, and how headers and names are matched.

Both workbook formats (the quarterly return, :mod:`orchestration.returns.format`, and the
framework, :mod:`orchestration.frameworks.format`) are declared with these.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    header: str
    required: bool = True  # the header must be present (the cell may still be blank)
    kind: str = "text"  # text | number | percent | date, or a kind the reader is given


@dataclass(frozen=True)
class SheetSpec:
    name: str
    columns: tuple[Column, ...]

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]


def slug(text: str) -> str:
    """``Children's Services`` -> ``childrens-services``."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"['’]", "", text.lower())
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def normalise_header(text: object) -> str:
    """Headers are matched ignoring case, repeated/non-breaking spaces and a trailing colon."""
    return " ".join(str(text or "").replace("\u00a0", " ").split()).rstrip(":").lower()
