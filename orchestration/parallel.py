"""Independent work on every core: the return reader, the reports and the return templates.

Workers are started with ``spawn``, not ``fork``: the parent runs Dagster's threads and may
hold a DuckDB connection, and forking a process with live threads is unsafe. A spawned
worker imports only the module of the function it runs (about 0.2 s for the report and
template writers), so a pool pays for itself from a few dozen workbooks.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor


def cores() -> int:
    return os.cpu_count() or 1


def spawn_pool(workers: int, **kwargs) -> ProcessPoolExecutor:
    """A pool of ``workers`` spawned processes (``kwargs``: ``initializer``, ``initargs``)."""
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("spawn"), **kwargs
    )


def map_on_cores(fn: Callable, jobs: Iterable) -> list:
    """``[fn(job) for job in jobs]``, each job in a worker process of its own (at most one
    per core), in order; with one job or one core, in this process."""
    jobs = list(jobs)
    if len(jobs) <= 1 or cores() == 1:
        return [fn(job) for job in jobs]
    with spawn_pool(min(len(jobs), cores())) as pool:
        return list(pool.map(fn, jobs))


def split(items: list, parts: int) -> list[list]:
    """``items`` cut into at most ``parts`` runs of near-equal length, in order (so the
    results of ``map_on_cores`` over them, joined, are in the items' order)."""
    size = -(-len(items) // max(parts, 1))
    return [items[i : i + size] for i in range(0, len(items), size)] if items else []
