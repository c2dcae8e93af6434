"""What changed since the last successful publish: a run with nothing new costs nothing.

``python -m orchestration.cli run`` (``make run``) asks this before it starts Dagster's run,
the quarterly schedule and the landing sensor before they request one, and the dbt step of
a run started any other way; ``orchestration/selection.py`` turns the answer into what the
run builds. The inputs of a publish are

* the return workbooks: each one's sha256 must be in the published warehouse
  (``raw.return_files``), the same test the returns landing sensor applies;
* the framework folder (``raw/frameworks/``): each council's workbook's sha256 must be in
  the published warehouse, loaded (``raw.framework_files``) or rejected
  (``raw.framework_rejections``: reading it again would reject it again);
* the LGBF landing folder: each file's sha256 must be in the published warehouse (with
  ``LGBF_URL`` set, a new publication can only be known by polling, so the run goes ahead);
* the code: a fingerprint of the ``orchestration`` package, the dbt project and the settings
  that shape the outputs, which the ``published_warehouse`` asset records in the metadata of
  each materialization (Dagster's event log is the record of what produced the warehouse);
* the outputs themselves: a cleaned output folder is rebuilt.

When all of them are as published, dbt, the reports and publishing have nothing to do, and
the CLI says "nothing changed" instead of starting a run.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration import settings

CODE_FINGERPRINT_KEY = "code_fingerprint"
# Settings that change what a run writes (paths are covered by the outputs check).
_OUTPUT_SETTINGS = ("REPORT_PERIODS", "LGBF_PACK_COUNCILS")


def code_fingerprint() -> str:
    """sha256 over the pipeline's code, the dbt project (and profile) and output settings."""
    from orchestration.incremental import project_fingerprint

    digest = hashlib.sha256()
    package = settings.REPO_ROOT / "orchestration"
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode())
        digest.update(path.read_bytes())
    digest.update(project_fingerprint().encode())
    digest.update((settings.DBT_PROJECT_DIR / "profiles.yml").read_bytes())
    for name in _OUTPUT_SETTINGS:
        digest.update(f"{name}={os.environ.get(name, '')}\n".encode())
    return digest.hexdigest()


@dataclass
class Changes:
    """What differs from the last successful publish; empty lists mean nothing new."""

    returns: list[str] = field(default_factory=list)  # new or resubmitted workbooks
    frameworks: list[str] = field(default_factory=list)  # new or changed framework workbooks
    lgbf: list[str] = field(default_factory=list)  # LGBF files not loaded, or why unknown
    code: list[str] = field(default_factory=list)  # why the code counts as changed
    outputs: list[str] = field(default_factory=list)  # published outputs missing

    @property
    def nothing(self) -> bool:
        return not (self.returns or self.frameworks or self.lgbf or self.code or self.outputs)

    def describe(self) -> str:
        parts = []
        if self.returns:
            parts.append(f"{len(self.returns)} new or resubmitted return(s)")
        if self.frameworks:
            parts.append(f"framework(s) changed: {', '.join(self.frameworks)}")
        if self.lgbf:
            parts.append(f"LGBF: {', '.join(self.lgbf)}")
        if self.code:
            parts.append(", ".join(self.code))
        if self.outputs:
            parts.append(f"missing outputs: {', '.join(self.outputs)}")
        return "; ".join(parts) if parts else "nothing changed"


def published_lgbf_files() -> set[str]:
    """sha256 of every LGBF publication, metadata and family-group file the published
    warehouse holds (read-only: it is only ever replaced atomically)."""
    path = settings.published_warehouse_path()
    if not path.exists():
        return set()
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            rows = con.execute(
                """select sha256 from raw.lgbf_publications
                   union select source_sha256 from raw.lgbf_indicator_metadata
                   union select source_sha256 from raw.lgbf_family_groups"""
            ).fetchall()
    except duckdb.Error:  # published before the LGBF tables existed
        return set()
    return {r[0] for r in rows}


def published_framework_files() -> set[str]:
    """sha256 of every framework workbook the published warehouse has read (accepted or
    rejected)."""
    path = settings.published_warehouse_path()
    if not path.exists():
        return set()
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            rows = con.execute(
                """select source_sha256 from raw.framework_files
                   union select source_sha256 from raw.framework_rejections"""
            ).fetchall()
    except duckdb.Error:  # published before frameworks were data
        return set()
    return {r[0] for r in rows}


def changed_frameworks() -> list[str]:
    """Framework workbooks in the framework folder the published warehouse has not read."""
    folder = settings.frameworks_dir()
    paths = sorted(folder.glob("*.xlsx")) if folder.exists() else []
    known = published_framework_files()
    return [p.name for p in paths if _sha256(p) not in known]


def _sha256(path: Path) -> str:
    from orchestration.returns.reader import sha256_of

    return sha256_of(path)


def since_last_publish(instance, return_files: list[Path]) -> Changes:
    """Compare ``return_files``, the LGBF landing folder, the code and the outputs with the
    last successful publish recorded in ``instance`` and the published warehouse."""
    import dagster as dg

    from orchestration.lgbf import fetch
    from orchestration.lgbf.landing import landed_files

    changes = Changes()
    published = settings.published_warehouse_path()
    for path in (published, settings.output_dir() / "excel", settings.output_dir() / "parquet"):
        if not path.exists():
            changes.outputs.append(str(path))
    if changes.outputs:
        return changes  # nothing to compare with

    event = instance.get_latest_materialization_event(dg.AssetKey("published_warehouse"))
    metadata = event.asset_materialization.metadata if event else {}
    recorded = metadata.get(CODE_FINGERPRINT_KEY)
    if recorded is None:
        changes.code.append("no publish recorded with a code fingerprint")
    elif recorded.value != code_fingerprint():
        changes.code.append("the code, dbt project or output settings changed")

    from orchestration.returns_sensor import published_returns

    loaded = published_returns()
    changes.returns = [p.name for p in return_files if _sha256(p) not in loaded]
    changes.frameworks = changed_frameworks()

    if fetch.lgbf_url_from_env():
        changes.lgbf.append("LGBF_URL is set (a new publication is only known by polling it)")
    else:
        known = published_lgbf_files()
        landed = landed_files(fetch.landing_dir_from_env())
        changes.lgbf = [f.path.name for f in landed if _sha256(f.path) not in known]
    return changes
