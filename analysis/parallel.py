"""Random draws (bootstrap, permutations) spread over a `concurrent.futures.Executor`, in chunks of seeds.

Draw ``k`` is made from the ``k``-th seed alone, so results are the same whatever the executor (a
process pool, a thread pool, a Dask cluster's client) and however the seeds are chunked.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor

import numpy as np

CHUNKS_PER_WORKER = 4  # several chunks per worker even out slow draws without much pickling


def workers(n_jobs: int | None = None) -> int:
    """`n_jobs`, or every core this process may use when None."""
    if n_jobs is None:
        return len(os.sched_getaffinity(0))
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs < 1:
        raise ValueError(f"n_jobs must be a whole number of processes, at least 1, or None, not {n_jobs!r}")
    return n_jobs


def spread(task: Callable[[tuple, list], list], job: tuple, seeds: Sequence[np.random.SeedSequence],
           executor: Executor | None = None, n_jobs: int | None = None) -> list:  # fmt: skip
    """``task(job, chunk)`` over chunks of `seeds`, on `executor` (default: a process pool of `n_jobs`
    workers, or this process alone when one core), results concatenated in seed order.

    `task` must be a module-level function (picklable) returning one result per seed of its chunk.

    Examples
    --------
    >>> spread(_refit, (model, x), np.random.SeedSequence(1).spawn(1000))  # doctest: +SKIP
    """
    count = workers(n_jobs)
    if executor is None and count == 1:
        return task(job, list(seeds))
    chunks = [c for c in np.array_split(np.arange(len(seeds)), count * CHUNKS_PER_WORKER) if len(c)]
    tasks = [[seeds[k] for k in chunk] for chunk in chunks]
    if executor is None:
        with ProcessPoolExecutor(max_workers=count) as pool:
            return [row for part in pool.map(task, [job] * len(tasks), tasks) for row in part]
    return [row for part in executor.map(task, [job] * len(tasks), tasks) for row in part]
