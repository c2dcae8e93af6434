"""The fingerprints the change check compares with the last publish: a file's bytes, the dbt
project's rules (models, macros, seeds, tests, project file) and the pipeline's code; each
changes when what it covers changes, and only then."""

from __future__ import annotations

import hashlib
import shutil

import pytest

from orchestration import config
from orchestration.fingerprints import code_fingerprint, project_fingerprint, sha256_of


def test_a_files_fingerprint_is_the_sha256_of_its_bytes(tmp_path):
    path = tmp_path / "return.xlsx"
    path.write_bytes(b"x" * (3 << 20))  # more than one read chunk
    assert sha256_of(path) == hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A copy of the checkout's dbt project and code, for the fingerprints to look at."""
    dbt = tmp_path / "dbt_project"
    for part in ("models", "macros", "seeds", "tests"):
        shutil.copytree(config.DBT_PROJECT_DIR / part, dbt / part)
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy(config.DBT_PROJECT_DIR / name, dbt / name)
    shutil.copytree(config.REPO_ROOT / "orchestration", tmp_path / "orchestration")
    monkeypatch.setattr(config, "DBT_PROJECT_DIR", dbt)
    monkeypatch.setattr(config, "REPO_ROOT", tmp_path)
    return tmp_path


def test_a_changed_rule_changes_the_project_and_the_code(repo):
    project, code = project_fingerprint(), code_fingerprint()
    seed = repo / "dbt_project" / "seeds" / "pentana_statuses.csv"
    seed.write_text(seed.read_text() + "\n", encoding="utf-8")
    assert project_fingerprint() != project
    assert code_fingerprint() != code


def test_changed_python_changes_the_code_but_not_the_project(repo):
    project, code = project_fingerprint(), code_fingerprint()
    (repo / "orchestration" / "periods.py").write_text("# changed\n", encoding="utf-8")
    assert (project_fingerprint(), code_fingerprint() != code) == (project, True)


def test_what_dbt_writes_changes_nothing(repo):
    project, code = project_fingerprint(), code_fingerprint()
    for generated in ("target", "logs", "dbt_packages"):
        (repo / "dbt_project" / generated).mkdir()
        (repo / "dbt_project" / generated / "manifest.json").write_text("{}", encoding="utf-8")
    (repo / "orchestration" / "__pycache__" / "x.cpython-311.pyc").parent.mkdir(exist_ok=True)
    (repo / "orchestration" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\0")
    assert (project_fingerprint(), code_fingerprint()) == (project, code)
