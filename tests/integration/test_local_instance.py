"""The local instance's housekeeping on a real (temporary) Dagster instance."""

import time

import dagster as dg

from orchestration.ops.local_instance import NEVER_STARTED_AFTER_SECONDS, fail_runs_never_started


@dg.op
def _noop():
    return None


@dg.job
def _a_job():
    _noop()


def test_a_run_created_but_never_started_is_marked_failed_once_stale():
    with dg.instance_for_test() as instance:
        run = instance.create_run_for_job(job_def=_a_job)
        assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.NOT_STARTED
        assert fail_runs_never_started(instance) == []  # just created: it may yet start
        later = time.time() + NEVER_STARTED_AFTER_SECONDS + 1
        assert fail_runs_never_started(instance, now=later) == [run.run_id]
        assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.FAILURE
        assert fail_runs_never_started(instance, now=later) == []  # once
