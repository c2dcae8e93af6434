"""The LGBF landing folder: which files are publications, metadata and family groups.

Every publication file may have a sidecar ``<file>.meta.json`` (written by the fetcher, or
committed beside the default publication and the seed transcriptions) giving its source, kind
(``official`` from the Improvement Service, or ``transcribed`` from a council report), release
name, publication date and HTTP validators. Files whose name mentions ``metadata`` or
``indicator information`` are indicator metadata; ``simd`` or ``family`` are the family-group
table.

A publication's date, in order: the sidecar's ``published_on`` (the fetcher writes the
download's ``Last-Modified`` there), a date in the file name (``2021-02-03``, or a month and
year as the Improvement Service names its workbooks: ``Jan20``, ``January 2021``), else the
file's modification time. Its release name: the sidecar's ``release``, else
"LGBF, <Month YYYY> release" from that date.
"""

from __future__ import annotations

import calendar
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path


@dataclass(frozen=True)
class LandedFile:
    path: Path
    role: str  # publication | metadata | family_groups
    meta: dict

    @property
    def published_on(self) -> date:
        return self._dated()[0]

    @property
    def published_on_basis(self) -> str:
        return self._dated()[1]

    @property
    def release(self) -> str:
        return self.meta.get("release") or f"LGBF, {self.published_on:%B %Y} release"

    def _dated(self) -> tuple[date, str]:
        if self.meta.get("published_on"):
            return (
                date.fromisoformat(self.meta["published_on"]),
                self.meta.get("published_on_basis", "sidecar"),
            )
        named = date_in_name(self.path.name)
        if named is not None:
            return named, "file name"
        return datetime.fromtimestamp(self.path.stat().st_mtime, UTC).date(), "file modified"

    @property
    def kind(self) -> str:
        return self.meta.get("kind", "official")

    @property
    def source(self) -> str:
        return self.meta.get("source", self.path.as_uri())


_MONTHS = {
    **{m.lower(): i for i, m in enumerate(calendar.month_abbr) if m},
    **{m.lower(): i for i, m in enumerate(calendar.month_name) if m},
}
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_MONTH_YEAR = re.compile(
    rf"(?<![a-z])({'|'.join(sorted(_MONTHS, key=len, reverse=True))})[ _-]?(\d{{4}}|\d{{2}})(?!\d)",
    re.I,
)


def date_in_name(name: str) -> date | None:
    """``...__2021-02-03__...`` -> that day; ``..._Jan20.xlsx`` / ``January 2021`` -> the last day
    of that month (the release is known by then)."""
    m = _ISO_DATE.search(name)
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            pass
    m = _MONTH_YEAR.search(name)
    if m is None:
        return None
    month = _MONTHS[m.group(1).lower()]
    year = int(m.group(2)) + (2000 if len(m.group(2)) == 2 else 0)
    return date(year, month, calendar.monthrange(year, month)[1])


def role_of(path: Path) -> str:
    name = path.name.lower().replace("_", " ")
    if "metadata" in name or "indicator information" in name:
        return "metadata"
    if "simd" in name or "family" in name:
        return "family_groups"
    return "publication"


def landed_files(folder: Path) -> list[LandedFile]:
    if not folder.exists():
        return []
    found = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.suffix.lower() not in (".xlsx", ".csv"):
            continue  # in-flight downloads are hidden files
        sidecar = path.with_name(path.name + ".meta.json")
        meta = json.loads(sidecar.read_text()) if sidecar.exists() else {}
        found.append(LandedFile(path, role_of(path), meta))
    return found
