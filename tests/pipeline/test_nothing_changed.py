"""A run with nothing new costs nothing: `make run` after a successful publish, with the same
returns, frameworks, LGBF files, code and outputs, starts no Dagster run, says "nothing changed", and
leaves every output as it was; any one of those inputs changing is seen."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest

from orchestration import config
from orchestration.ops import cli
from orchestration.planning import changes
from orchestration.planning.options import RunOptions
from orchestration.transform import artefacts
from tests.support.paths import SEED_RETURNS
from tests.support.seed_state import restore_seed_returns, resubmit, seed_file


def _sizes(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_size for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def published(built_warehouse, instance, monkeypatch):
    restore_seed_returns(instance, monkeypatch)  # the session's warehouse holds raw/returns
    monkeypatch.delenv("LGBF_URL", raising=False)
    monkeypatch.delenv("LGBF_LANDING_DIR", raising=False)
    return instance


def test_make_run_with_nothing_new_starts_no_run(published, capsys):
    runs = published.get_runs_count()
    outputs = _sizes(config.output_dir())
    dbt_folders = artefacts.dbt_run_folders()

    assert cli.main(["run"]) == 0

    said = capsys.readouterr().out
    n = len(list(SEED_RETURNS.glob("*.xlsx")))
    assert f"Nothing changed since the last successful publish: {n} return workbook(s)" in said
    assert published.get_runs_count() == runs  # no run: no dbt, no reports, no publish
    assert _sizes(config.output_dir()) == outputs  # nothing rewritten, nothing grew
    assert artefacts.dbt_run_folders() == dbt_folders


def test_each_kind_of_change_is_seen(published, tmp_path, monkeypatch):
    files = sorted(SEED_RETURNS.glob("*.xlsx"))
    assert changes.since_last_publish(published, files).nothing

    # A resubmitted return.
    folder = tmp_path / "returns"
    shutil.copytree(SEED_RETURNS, folder)
    resubmit(folder / seed_file("2016-17-Q2"), "CS.COMP.RECEIVED_CUM", 12)
    found = changes.since_last_publish(published, sorted(folder.glob("*.xlsx")))
    assert (found.returns, found.lgbf, found.code) == ([seed_file("2016-17-Q2")], [], [])

    # A new LGBF publication in the landing folder.
    landing = tmp_path / "lgbf"
    shutil.copytree(config.raw_dir() / "lgbf", landing)
    new = landing / "transcribed__2021-03-31__000-report.csv"
    new.write_bytes((landing / "transcribed__2020-03-31__000-report.csv").read_bytes() + b"\n")
    monkeypatch.setenv("LGBF_LANDING_DIR", str(landing))
    assert changes.since_last_publish(published, files).lgbf == [new.name]
    monkeypatch.delenv("LGBF_LANDING_DIR")

    # A changed framework workbook (a new target, threshold or PI).
    frameworks = tmp_path / "frameworks"
    shutil.copytree(config.frameworks_dir(), frameworks)
    framework = frameworks / "midlothian.xlsx"
    framework.write_bytes(framework.read_bytes() + b"\0")  # any change of content counts
    monkeypatch.setenv("FRAMEWORKS_DIR", str(frameworks))
    assert changes.since_last_publish(published, files).frameworks == [framework.name]
    monkeypatch.delenv("FRAMEWORKS_DIR")

    # Other run options than those published (other outputs asked for).
    latest_year = RunOptions(report_periods="latest-year")
    assert changes.since_last_publish(published, files, latest_year).code == [
        f"other run options than published: {latest_year.as_dict()}"
    ]

    # Cleaned outputs.
    monkeypatch.setenv("OUTPUT_DIR", str(tmp_path / "cleaned"))
    monkeypatch.setenv("WAREHOUSE_PATH", str(tmp_path / "cleaned" / "warehouse.duckdb"))
    assert not changes.since_last_publish(published, files).nothing


def test_a_run_started_outside_the_cli_with_nothing_new_builds_nothing(published, defs):
    """`dagster job execute -j load_all` (or the UI's "Materialize all"): the ingests run and
    find nothing new, the dbt step materializes nothing, and Dagster skips what follows."""
    publish = dg.AssetKey("published_warehouse")
    last_publish = published.get_latest_materialization_event(publish).run_id
    result = defs.resolve_job_def("load_all").execute_in_process(
        instance=published,
        tags={
            "dagster/asset_partition_range_start": "2019-20-Q4",
            "dagster/asset_partition_range_end": "2019-20-Q4",
        },
    )
    assert result.success
    built = {e.asset_key.path[0] for e in result.get_asset_materialization_events()}
    assert built == {"raw"}  # the ingests, each with nothing new; no dbt model
    skipped = {e.step_key for e in result.all_events if e.event_type_value == "STEP_SKIPPED"}
    assert {"service_performance_reports", "parquet_exports", "published_warehouse"} <= skipped
    assert published.get_latest_materialization_event(publish).run_id == last_publish
