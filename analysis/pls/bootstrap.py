"""Bootstrap of a PLS estimate: resample respondents, re-estimate, keep each draw's statistics.

A draw is one correlation matrix of resampled rows and one `estimates.solve`. Draw ``b`` uses the
``b``-th child of ``SeedSequence(seed)``, so the draws are the same whatever the executor (a process
pool, a thread pool, a Dask cluster) and however they are batched. The statistics bootstrapped are
the paths, every specific indirect effect, the weights of the formative (mode B) items and the
HTMT ratios; intervals are percentile (R's quantile type 7) and BCa (Efron 1987, acceleration from
the leave-one-out jackknife).
"""

from __future__ import annotations

import os
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd
from scipy.stats import norm
from threadpoolctl import threadpool_limits

from ..sem.bootstrap import CHUNKS_PER_WORKER, interval
from . import estimates
from .algorithm import Layout


@dataclass(frozen=True)
class Draws:
    """Each kept draw's statistics (rows; columns as `statistics`), the jackknife's, and the draws asked for."""

    values: np.ndarray
    jackknife: np.ndarray
    requested: int

    @property
    def failed(self) -> int:
        return self.requested - len(self.values)


def parts(layout: Layout) -> dict[str, slice]:
    """Where each kind of statistic sits in the vector `statistics` returns."""
    sizes = {"paths": len(layout.spec.paths), "indirect": len(estimates.indirect_routes(layout)),
             "weights": sum(len(layout.blocks[j]) for j in layout.mode_b),
             "htmt": len(layout.blocks) * (len(layout.blocks) - 1) // 2}  # fmt: skip
    out, start = {}, 0
    for name, size in sizes.items():
        out[name] = slice(start, start + size)
        start += size
    return out


def statistics(S: np.ndarray, sd: np.ndarray, layout: Layout, scheme: str, plsc: bool) -> np.ndarray | None:
    """Paths (in the model's order), specific indirect effects, formative weights, HTMT (upper triangle, by
    row) from correlations `S` and SDs `sd` of the items; None when the estimate does not converge."""
    est = estimates.solve(S, layout, scheme, plsc, sd)
    if not est.converged:
        return None
    index = {c: j for j, c in enumerate(layout.spec.constructs)}
    paths = [est.paths[index[s], index[t]] for s, t in layout.spec.paths]
    routes = estimates.route_effects(est.paths, estimates.indirect_routes(layout))
    weights = [est.weights[layout.blocks[j], j] for j in layout.mode_b]
    htmt = estimates.htmt(S, layout)
    pairs = [htmt[i, j] for i, j in combinations(range(len(htmt)), 2)]
    out = np.concatenate([paths, routes, *weights, pairs])
    return out if np.isfinite(out).all() else None


def draw(values: pd.DataFrame, layout: Layout, scheme: str, plsc: bool, *, draws: int, seed=None,
         executor: Executor | None = None) -> Draws:  # fmt: skip
    """Re-estimate the model on `draws` resamples of the rows of `values` (and on each leave-one-out sample);
    missing answers (NaN) are mean-replaced in each resample.

    Examples
    --------
    >>> boot = draw(values, layout, "path", False, draws=5000, seed=1)  # doctest: +SKIP
    >>> boot.values.std(axis=0, ddof=1)  # bootstrap standard errors  # doctest: +SKIP
    """
    if isinstance(draws, bool) or not isinstance(draws, int) or draws < 1:
        raise ValueError(f"bootstrap must be a whole number of draws, at least 1, not {draws!r}")
    seeds = np.random.SeedSequence(seed).spawn(draws)
    job = (values.to_numpy(), layout, scheme, plsc)
    workers = len(os.sched_getaffinity(0))
    tasks = [[seeds[k] for k in c] for c in np.array_split(np.arange(draws), workers * CHUNKS_PER_WORKER) if len(c)]
    if executor is None and workers == 1:
        rows = _task(job, seeds)
    elif executor is None:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            rows = [row for part in pool.map(_task, [job] * len(tasks), tasks) for row in part]
    else:
        rows = [row for part in executor.map(_task, [job] * len(tasks), tasks) for row in part]
    kept = np.array([row for row in rows if row is not None]).reshape(-1, parts(layout)["htmt"].stop)
    return Draws(values=kept, jackknife=_jackknife(job), requested=draws)


def _row(job: tuple, rows: np.ndarray) -> np.ndarray | None:
    data, layout, scheme, plsc = job
    try:
        return statistics(*estimates.prepare(data[rows], layout, scheme), layout, scheme, plsc)
    except np.linalg.LinAlgError:  # a resample with a singular block
        return None


def _task(job: tuple, seeds: list[np.random.SeedSequence]) -> list[np.ndarray | None]:
    n = len(job[0])
    with threadpool_limits(limits=1, user_api="blas"), np.errstate(all="ignore"):
        return [_row(job, np.random.default_rng(s).integers(0, n, n)) for s in seeds]


def _jackknife(job: tuple) -> np.ndarray:
    n = len(job[0])
    with threadpool_limits(limits=1, user_api="blas"), np.errstate(all="ignore"):
        rows = [_row(job, np.delete(np.arange(n), i)) for i in range(n)]
    return np.array([row for row in rows if row is not None])


def table(estimate: np.ndarray, boot: Draws, columns: slice, level: float) -> pd.DataFrame:
    """se, t, pvalue (normal reference), percentile and BCa interval of the statistics at `columns`.

    Examples
    --------
    >>> table(original, boot, parts(layout)["paths"], 0.95)  # doctest: +SKIP
    """
    values, jack, est = boot.values[:, columns], boot.jackknife[:, columns], estimate
    out = interval(values, level)
    out.insert(1, "t", est / out.se.where(out.se > 0).to_numpy())
    out.insert(2, "pvalue", 2 * norm.sf(np.abs(out.t)))
    lower, upper = _bca(values, jack, est, level)
    return out.assign(bca_lower=lower, bca_upper=upper)


def _bca(values: np.ndarray, jack: np.ndarray, est: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Bias-corrected and accelerated interval bounds of each column (Efron 1987)."""
    z0 = norm.ppf((values < est).mean(axis=0))
    d = jack.mean(axis=0) - jack
    with np.errstate(invalid="ignore", divide="ignore"):
        a = (d**3).sum(axis=0) / (6 * ((d**2).sum(axis=0)) ** 1.5)
    bounds = []
    for z in norm.ppf([(1 - level) / 2, (1 + level) / 2]):
        with np.errstate(invalid="ignore", divide="ignore"):  # a constant statistic has no interval (NaN)
            alpha = norm.cdf(z0 + (z0 + z) / (1 - a * (z0 + z)))
        bounds.append(np.array([np.quantile(values[:, k], alpha[k]) if np.isfinite(alpha[k]) else np.nan
                                for k in range(values.shape[1])]))  # fmt: skip
    return bounds[0], bounds[1]
