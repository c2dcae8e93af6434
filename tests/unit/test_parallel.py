"""The pool the reports and templates share: order kept, work split evenly."""

import os

import pytest

from orchestration import parallel


@pytest.mark.parametrize("n,parts", [(0, 2), (1, 2), (5, 2), (320, 2), (7, 3), (3, 8)])
def test_split_keeps_order_and_balances(n, parts):
    items = list(range(n))
    chunks = parallel.split(items, parts)
    assert [x for c in chunks for x in c] == items
    assert len(chunks) <= parts
    assert all(chunks)
    if chunks:
        assert max(map(len, chunks)) - min(map(len, chunks)) <= max(1, n // parts)


def test_map_on_cores_returns_results_in_order():
    jobs = [-3, 1, -4, 1, -5]
    assert parallel.map_on_cores(abs, jobs) == [3, 1, 4, 1, 5]


def test_map_on_cores_uses_worker_processes():
    # os.getpid in each job: a second core gives the jobs processes other than this one
    pids = parallel.map_on_cores(_pid, [0, 1])
    if parallel.cores() > 1:
        assert os.getpid() not in pids
    else:
        assert pids == [os.getpid()] * 2


def _pid(_):
    return os.getpid()
