"""The LGBF landing folder: which files are publications, metadata and family groups.

Every publication file may have a sidecar ``<file>.meta.json`` (written by the fetcher, or
committed beside the seed transcriptions) giving its source, kind (``official`` from the
Improvement Service, or ``transcribed`` from a council report), publication date and HTTP
validators. Files whose name mentions ``metadata`` are indicator metadata; ``simd`` or
``family`` are the family-group table.
"""

from __future__ import annotations

import json
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
        if self.meta.get("published_on"):
            return date.fromisoformat(self.meta["published_on"])
        return datetime.fromtimestamp(self.path.stat().st_mtime, UTC).date()

    @property
    def kind(self) -> str:
        return self.meta.get("kind", "official")

    @property
    def source(self) -> str:
        return self.meta.get("source", self.path.as_uri())


def role_of(path: Path) -> str:
    name = path.name.lower()
    if "metadata" in name:
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
