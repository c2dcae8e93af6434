"""Nothing a run leaves in the repository grows without bound: dagster-dbt's per-build target
folders are pruned to the newest few, and nothing else in ``target/`` is touched."""

from __future__ import annotations

import os

from orchestration.transform import artefacts


def test_only_the_newest_dbt_run_folders_are_kept(tmp_path):
    target = tmp_path / "target"
    (target / "compiled").mkdir(parents=True)  # `dbt parse` / `dbt compile` output: kept
    (target / "manifest.json").write_text("{}")
    (target / "partial_parse.msgpack").write_bytes(b"\x00")
    runs = []
    for i, run_id in enumerate(["a5cff91", "0b1c2d3", "77e8f90", "1234abc", "fedcba9"]):
        folder = target / f"warehouse_dbt_models-{run_id}-5b5a07f"
        (folder / "run").mkdir(parents=True)
        (folder / "run_results.json").write_text("{}")
        # Oldest first, whatever the names sort as.
        os.utime(folder, ns=(1_700_000_000_000_000_000 + i * 10**9,) * 2)
        runs.append(folder)

    deleted = artefacts.prune_dbt_run_folders(keep=3, target_dir=target)

    assert deleted == runs[:2]
    assert artefacts.dbt_run_folders(target) == runs[2:]
    assert {p.name for p in target.iterdir()} == {
        "compiled",
        "manifest.json",
        "partial_parse.msgpack",
        *(p.name for p in runs[2:]),
    }
    # Nothing to prune: nothing deleted.
    assert artefacts.prune_dbt_run_folders(keep=3, target_dir=target) == []
