"""What changed since the last successful publish: a run with nothing new costs nothing.

``python -m orchestration.ops.cli run`` (``make run``) asks this before it starts Dagster's run,
the quarterly schedule and the landing sensor before they request one, and the dbt step of
a run started any other way; ``orchestration/planning/selection.py`` turns the answer into what the
run builds. The inputs of a publish are

* the return workbooks: each one's sha256 must be in the published warehouse
  (``raw.return_files``), the same test the returns landing sensor applies;
* the framework folder (``raw/frameworks/``): each council's workbook's sha256 must be in
  the published warehouse, loaded (``raw.framework_files``) or rejected
  (``raw.framework_rejections``: reading it again would reject it again);
* the LGBF landing folder: each file's sha256 must be in the published warehouse (with
  ``LGBF_URL`` set, a new publication can only be known by polling, so the run goes ahead);
* the code: a fingerprint of the ``orchestration`` package, the dbt project and the settings
  that shape the outputs (and the run options, ``orchestration/planning/options.py``), which the ``published_warehouse`` asset records in the metadata of
  each materialization (Dagster's event log is the record of what produced the warehouse);
* the outputs themselves: a cleaned output folder is rebuilt.

When all of them are as published, dbt, the reports and publishing have nothing to do, and
the CLI says "nothing changed" instead of starting a run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from orchestration import config
from orchestration.fingerprints import code_fingerprint, sha256_of
from orchestration.lgbf.landing import landed_files
from orchestration.planning.options import METADATA_KEY, RunOptions
from orchestration.returns.landing import scan
from orchestration.warehouse import published as published_warehouse

CODE_FINGERPRINT_KEY = "code_fingerprint"


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


def changed_frameworks() -> list[str]:
    """Framework workbooks in the framework folder the published warehouse has not read."""
    folder = config.frameworks_dir()
    paths = sorted(folder.glob("*.xlsx")) if folder.exists() else []
    known = published_warehouse.input_sha256s("frameworks")
    return [p.name for p in paths if sha256_of(p) not in known]


def since_last_publish(
    instance, return_files: list[Path], run_options: RunOptions | None = None
) -> Changes:
    """Compare ``return_files``, the LGBF landing folder, the code, the run options (default:
    the defaults) and the outputs with the last successful publish recorded in ``instance``
    and the published warehouse."""
    changes = Changes()
    published = config.published_warehouse_path()
    for path in (published, config.output_dir() / "excel", config.output_dir() / "parquet"):
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
        changes.code.append("the code or dbt project changed")
    asked = (run_options or RunOptions()).as_dict()
    recorded_options = metadata.get(METADATA_KEY)
    if recorded_options is None or recorded_options.value != asked:
        changes.code.append(f"other run options than published: {asked}")

    loaded = published_warehouse.input_sha256s("returns")
    changes.returns = [p.name for p in return_files if sha256_of(p) not in loaded]
    # A misnamed file in the returns folder is never ignored: the load quarantines it with
    # its report, so it counts as a change (a browser's "... (1).xlsx" second download).
    changes.returns += [p.name for p in scan(config.returns_dir()).misnamed]
    changes.frameworks = changed_frameworks()

    if config.lgbf_url():
        changes.lgbf.append("LGBF_URL is set (a new publication is only known by polling it)")
    else:
        known = published_warehouse.input_sha256s("lgbf")
        landed = landed_files(config.lgbf_landing_dir())
        changes.lgbf = [f.path.name for f in landed if sha256_of(f.path) not in known]
    return changes
