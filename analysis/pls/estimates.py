"""One PLS estimate from an indicator correlation matrix: weights, loadings, construct correlations, paths, R².

The full sample, each bootstrap draw and each f² re-estimate go through `solve`, so they agree by construction.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations, pairwise

import numpy as np

from . import algorithm, consistent
from .algorithm import Layout


@dataclass(frozen=True)
class Estimates:
    """Items-by-constructs ``weights`` and ``loadings`` (0 off-block), construct correlations ``R``
    (PLSc-corrected when consistent), ``paths`` [source, target], ``r2``, ``rho_a``, and the ``scale`` of each
    construct's scores (1 but for interaction terms, see `solve`)."""

    weights: np.ndarray
    loadings: np.ndarray
    R: np.ndarray
    paths: np.ndarray
    r2: np.ndarray
    rho_a: np.ndarray
    scale: np.ndarray
    iterations: int
    converged: bool


def solve(S: np.ndarray, layout: Layout, scheme: str, plsc: bool, sd: np.ndarray | None = None) -> Estimates:
    """Estimate the model on indicator correlations `S`; PLSc when `plsc`.

    An interaction term's scores keep the standard deviation `sd` of its product column (Henseler & Chin
    2010, seminr's ``adjust_interaction``): its loading is that SD and, except under PLSc (whose paths seminr
    re-estimates from the corrected correlations), its path coefficients are divided by it.

    Examples
    --------
    >>> est = solve(np.corrcoef(values, rowvar=False), Layout.of(spec), "path", False)  # doctest: +SKIP
    >>> est.paths[0, 1]  # doctest: +SKIP
    """
    solution = algorithm.estimate(S, layout, scheme)
    w = solution.weights
    loadings = (S @ w) * layout.mask
    R = w.T @ S @ w
    rho = consistent.rho_a(S, w, layout)
    if plsc:
        R = consistent.consistent(R, rho)
        corrected = consistent.loadings(w, rho, layout)
        loadings = np.where(np.isnan(corrected), loadings, corrected)
    paths, r2 = algorithm.paths(R, layout)
    scale = _scale(layout, sd)
    if not plsc:
        paths = paths / scale[:, None]
    return Estimates(w, loadings * scale, R, paths, r2, rho, scale, solution.iterations, solution.converged)


def _scale(layout: Layout, sd: np.ndarray | None) -> np.ndarray:
    scale = np.ones(len(layout.blocks))
    terms = len(layout.interactions)
    if terms:
        scale[-terms:] = sd[-terms:]  # interaction terms and their product columns come last
    return scale


def indirect_routes(layout: Layout) -> list[tuple[int, ...]]:
    """Every specific indirect route (source, mediators..., target) of the structural model, by source."""
    successors = {j: np.flatnonzero(layout.paths[j]).tolist() for j in range(len(layout.paths))}
    routes = []

    def walk(route):
        for nxt in successors[route[-1]]:
            if len(route) >= 2:
                routes.append((*route, nxt))
            walk((*route, nxt))

    for start in range(len(layout.paths)):
        walk((start,))
    return routes


def route_effects(paths: np.ndarray, routes: list[tuple[int, ...]]) -> np.ndarray:
    """Each route's effect: the product of its path coefficients."""
    return np.array([np.prod([paths[a, b] for a, b in pairwise(r)]) for r in routes])


def htmt(S: np.ndarray, layout: Layout) -> np.ndarray:
    """Heterotrait-monotrait ratios (Henseler et al. 2015) from absolute item correlations, as seminr's ``htmt``;
    a single item's monotrait mean is 1. Symmetric, NaN diagonal."""
    A = np.abs(S)
    mono = np.ones(len(layout.blocks))
    for j, rows in enumerate(layout.blocks):
        k = len(rows)
        if k > 1:
            block = A[np.ix_(rows, rows)]
            mono[j] = (block.sum() - np.trace(block)) / (k * (k - 1))
    out = np.full((len(mono), len(mono)), np.nan)
    for i, j in combinations(range(len(mono)), 2):
        out[i, j] = out[j, i] = A[np.ix_(layout.blocks[i], layout.blocks[j])].mean() / np.sqrt(mono[i] * mono[j])
    return out


def with_constructed(values: np.ndarray, layout: Layout, scheme: str) -> np.ndarray:
    """The measured items and, after them, the columns the two-stage approaches make from the first stage's
    scores (seminr's, whose first stage runs the same scheme): each higher-order construct's dimension scores
    (``higher_composite``), each interaction term's product of the iv's and the moderator's (``two_stage``).

    Examples
    --------
    >>> full = with_constructed(values, Layout.of(parse("Y ~ X + M + X:M")), "path")  # doctest: +SKIP
    """
    if layout.first_stage is None:
        return values
    weights = algorithm.estimate(correlations(values), layout.first_stage, scheme).weights
    scores = (values - values.mean(axis=0)) / values.std(axis=0, ddof=1) @ weights
    dimensions = [scores[:, j] for j in layout.dimensions]
    products = [scores[:, iv] * scores[:, moderator] for iv, moderator in layout.interactions]
    return np.column_stack([values, *dimensions, *products])


def prepare(answers: np.ndarray, layout: Layout, scheme: str) -> tuple[np.ndarray, np.ndarray]:
    """Correlations and SDs of the indicators of `answers` (measured items; NaN mean-replaced within these
    rows, as seminr does for each resample and group), the constructed columns appended."""
    if np.isnan(answers).any():
        answers = np.where(np.isnan(answers), np.nanmean(answers, axis=0), answers)
    full = with_constructed(answers, layout, scheme)
    return correlations(full), full.std(axis=0, ddof=1)


def correlations(values: np.ndarray) -> np.ndarray:
    """Indicator correlations (n - 1 scaling, as R's ``cor``)."""
    return np.corrcoef(values, rowvar=False)
