"""Bounded run history: the local Dagster instance keeps the newest runs (and the runs holding
each asset's latest materialization), deleting older runs' records and event-log files."""

from __future__ import annotations

import dagster as dg

from orchestration.ops.run_history import prune_runs


@dg.asset
def often() -> None:
    """Materialized by every run."""


@dg.asset
def once() -> None:
    """Materialized by the first run only: that run holds its latest materialization."""


def test_old_runs_are_pruned_but_latest_materializations_kept(tmp_path):
    with dg.DagsterInstance.local_temp(str(tmp_path)) as instance:
        first = dg.materialize([often, once], instance=instance).run_id
        later = [dg.materialize([often], instance=instance).run_id for _ in range(2)]
        shards = tmp_path / "history" / "runs"
        assert {p.stem for p in shards.glob("*.db")} >= {first, *later}

        deleted = prune_runs(instance, keep=1)

        # The newest stays, and the first run (the latest materialization of `once`).
        assert deleted == [later[0]]
        assert {r.run_id for r in instance.get_runs()} == {first, later[1]}
        assert not {p.stem for p in shards.glob("*.db")} & set(deleted)
        assert instance.get_latest_materialization_event(dg.AssetKey("once")).run_id == first
        assert prune_runs(instance, keep=1) == []
