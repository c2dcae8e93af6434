"""Settings: read in one module, documented in the README, validated with one clear line."""

import ast
import os
import re
from pathlib import Path

import pytest

from orchestration import config
from orchestration.ops import cli

REPO = Path(__file__).resolve().parents[2]


def _reads_environment(path: Path) -> list[int]:
    """Lines of ``path`` that read the environment (``os.environ.get``, ``os.getenv``,
    ``os.environ[...]`` loads)."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            target = ast.unparse(node.func)
            if target in ("os.environ.get", "os.getenv", "os.environ.setdefault"):
                lines.append(node.lineno)
        if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
            if isinstance(node.ctx, ast.Load):
                lines.append(node.lineno)
    return lines


def test_only_the_config_module_reads_the_environment():
    readers = {
        str(p.relative_to(REPO)): _reads_environment(p)
        for p in (REPO / "orchestration").rglob("*.py")
        if p.name != "config.py"
    }
    assert {p: lines for p, lines in readers.items() if lines} == {}


def test_the_readme_documents_every_setting_and_no_other():
    readme = (REPO / "README.md").read_text()
    section = readme.split("### Configuration (environment variables)")[1].split("\n## ")[0]
    table = section.split("**Run options**")[0]
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", table, re.M))
    assert documented == set(config.VARIABLES)
    # and config reads exactly those
    source = (REPO / "orchestration" / "config.py").read_text()
    read = set(re.findall(r'_(?:get|path|int)\("([A-Z_]+)"', source))
    assert read == set(config.VARIABLES)


@pytest.mark.parametrize(
    "name, value, read, says",
    [
        ("DAGSTER_RUNS_KEPT", "x", config.dagster_runs_kept, "a whole number from 1 up"),
        ("QUARTERLY_LOAD_DAY", "31", config.quarterly_load_day, "from 1 to 28"),
        ("DUCKDB_MEMORY_LIMIT", "lots", config.duckdb_memory_limit, "512MB or 2GB"),
        ("LGBF_URL", "ftp://x", config.lgbf_url, "http://, https:// or file: URL"),
        ("SOFFICE", "/nowhere/soffice", config.soffice, "LibreOffice's soffice, or none"),
        ("PIPELINE_PAUSE_AT", "publish:soon", config.pause_at, "<point>:<seconds>"),
        ("PIPELINE_FAIL_AT", "publish:full", config.fail_at, "<point>:<errno name>"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it_and_what_it_accepts(
    monkeypatch, name, value, read, says
):
    monkeypatch.setenv(name, value)
    with pytest.raises(config.SettingError) as raised:
        read()
    message = str(raised.value)
    assert message.startswith(f"{name}=") and says in message and "\n" not in message
    with pytest.raises(config.SettingError):
        config.validate()


def test_paths_follow_the_output_and_raw_folders(monkeypatch, tmp_path):
    for name in ("WAREHOUSE_PATH", "DUCKDB_PATH", "RETURNS_DIR", "QUARANTINE_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OUTPUT_DIR", str(tmp_path / "out"))
    monkeypatch.setenv("RAW_DIR", str(tmp_path / "in"))
    assert config.published_warehouse_path() == tmp_path / "out" / "warehouse.duckdb"
    assert config.work_warehouse_path() == tmp_path / "out" / ".work" / "warehouse.duckdb"
    assert config.returns_dir() == tmp_path / "in" / "returns"
    assert config.quarantine_dir() == tmp_path / "in" / "quarantine"


def test_the_cli_refuses_a_bad_setting_in_one_line(monkeypatch, capsys):
    monkeypatch.setenv("QUARTERLY_LOAD_HOUR", "25")
    assert cli.main(["run"]) == 2
    err = capsys.readouterr().err
    assert err == "Cannot start: QUARTERLY_LOAD_HOUR=25: expected a whole number from 0 to 23\n"


def test_dbt_run_by_hand_has_the_pipelines_memory_limit(monkeypatch):
    """The pipeline hands dbt its DuckDB memory limit; profiles.yml's default, for dbt run by
    hand, is the same one."""
    monkeypatch.delenv("DUCKDB_MEMORY_LIMIT", raising=False)
    profile = (config.DBT_PROJECT_DIR / "profiles.yml").read_text()
    (default,) = re.findall(r"env_var\('DUCKDB_MEMORY_LIMIT', '([^']+)'\)", profile)
    assert default == config.duckdb_memory_limit() == config.DEFAULT_DUCKDB_MEMORY_LIMIT
    monkeypatch.setenv("DUCKDB_MEMORY_LIMIT", "3GB")
    monkeypatch.setenv("DUCKDB_PATH", "")
    config.export_dbt_env()
    assert os.environ["DUCKDB_MEMORY_LIMIT"] == "3GB"


def test_soffice_is_the_setting_or_found_on_path_and_none_turns_papers_off(monkeypatch, tmp_path):
    program = tmp_path / "soffice"
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("SOFFICE", raising=False)
    assert config.soffice() == str(program)
    monkeypatch.setenv("SOFFICE", "None")
    assert config.soffice() is None
    monkeypatch.setenv("SOFFICE", str(program))
    monkeypatch.setenv("PATH", "")
    assert config.soffice() == str(program)
