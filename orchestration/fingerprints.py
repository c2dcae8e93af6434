"""Fingerprints: what the change check compares with the last publish.

* :func:`sha256_of`: one input file (a return, a framework workbook, an LGBF file);
* :func:`project_fingerprint`: the dbt project's models, macros, seeds and tests (a change
  alters rows already built, so the next build is a full one);
* :func:`code_fingerprint`: the pipeline's code, the dbt project and its profile (a change
  rebuilds everything);
* :func:`manifest_fingerprint`: what the parsed dbt manifest depends on (the CLI re-parses
  only when it changed);
* :func:`values_fingerprint`: values read from the warehouse (a return template's rows: it is
  rewritten only when they or the code changed).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from orchestration import config

# The parts of the dbt project whose change alters rows already built.
_PROJECT_PARTS = ("models", "macros", "seeds", "tests", "dbt_project.yml")


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _files_digest(digest, root: Path, paths) -> None:
    """Feed each file's path (relative to ``root``) and bytes to ``digest``, in name order."""
    for path in sorted(paths):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())


def project_fingerprint() -> str:
    """sha256 over the dbt project's models, macros, seeds and tests (names and contents)."""
    digest = hashlib.sha256()
    root = config.DBT_PROJECT_DIR
    for part in _PROJECT_PARTS:
        path = root / part
        files = [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else [path]
        _files_digest(digest, root, files)
    return digest.hexdigest()


def code_fingerprint() -> str:
    """sha256 over the pipeline's code, the dbt project and its profile."""
    digest = hashlib.sha256()
    package = config.REPO_ROOT / "orchestration"
    _files_digest(digest, package, package.rglob("*.py"))
    digest.update(project_fingerprint().encode())
    digest.update((config.DBT_PROJECT_DIR / "profiles.yml").read_bytes())
    return digest.hexdigest()


def manifest_fingerprint(preparer_name: str) -> str:
    """What a parsed manifest depends on: how it was parsed, the project, and the profile with
    the values it renders (``DUCKDB_PATH``, ``DUCKDB_MEMORY_LIMIT``): a manifest parsed with
    other values would make every dbt run re-parse the whole project."""
    return " ".join(
        [
            preparer_name,
            project_fingerprint(),
            sha256_of(config.DBT_PROJECT_DIR / "profiles.yml"),
            str(config.work_warehouse_path()),
            config.duckdb_memory_limit(),
        ]
    )


def values_fingerprint(*values) -> str:
    """sha256 over the ``repr`` of ``values`` (strings, numbers, dates, and lists and dicts of
    them: their repr is the same from run to run)."""
    return hashlib.sha256(repr(values).encode()).hexdigest()
