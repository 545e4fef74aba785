"""The PLS-SEM algorithm (Lohmöller; as seminr's ``simplePLS``), on the indicators' correlation matrix.

seminr iterates on the standardized data: scores ``Z W``, inner proxies ``scores E``, outer weights
from item-proxy covariances, until ``sum |W_new - W_old| < 1e-7`` (at most 300 passes). Every one of
those quantities is a linear map of ``Z``, so the same iteration runs on ``S = cor(Z)`` alone: score
correlations ``W'SW``, item-proxy covariances ``S W E``. One estimate then costs a few 36x10 products
per pass whatever the sample size, and a bootstrap draw is one correlation matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ModelError
from .syntax import Spec

SCHEMES = ("path", "factor", "centroid")
MAX_ITERATIONS = 300  # seminr's max_it
TOLERANCE = 1e-7  # seminr's stop_criterion = 7: sum of absolute changes of the outer weights


@dataclass(frozen=True)
class Stage:
    """One stage of the two-stage approach to higher-order constructs: its layout, and where its indicators and
    constructs sit in the whole model's."""

    layout: Layout
    items: np.ndarray
    constructs: np.ndarray

    @classmethod
    def of(cls, spec: Spec, whole: Spec) -> Stage:
        return cls(Layout.of(spec), np.array([whole.indicators.index(i) for i in spec.indicators]),
                   np.array([whole.constructs.index(c) for c in spec.constructs]))  # fmt: skip


@dataclass(frozen=True)
class Layout:
    """A `Spec` as index arrays: the items-by-constructs mask, paths [source, target], mode B blocks."""

    spec: Spec
    mask: np.ndarray
    paths: np.ndarray
    blocks: tuple[np.ndarray, ...]
    mode_b: tuple[int, ...]
    regressions: tuple[tuple[int, np.ndarray], ...]  # (target, its antecedents)
    first_stage: Layout | None = None  # the model whose scores make the constructed columns (two-stage)
    interactions: tuple[tuple[int, int], ...] = ()  # (iv, moderator) of each term, in first-stage indices
    dimensions: tuple[int, ...] = ()  # of the higher-order constructs, in first-stage indices
    stages: tuple[Stage, ...] = ()  # higher-order constructs: the first- and second-order models

    @classmethod
    def of(cls, spec: Spec) -> Layout:
        index = {c: j for j, c in enumerate(spec.constructs)}
        items = spec.indicators
        mask = np.zeros((len(items), len(spec.constructs)))
        blocks = []
        for j, c in enumerate(spec.constructs):
            rows = np.array([items.index(i) for i in spec.items[c]])
            mask[rows, j] = 1.0
            blocks.append(rows)
        paths = np.zeros((len(index), len(index)))
        for source, target in spec.paths:
            paths[index[source], index[target]] = 1.0
        mode_b = tuple(j for j, c in enumerate(spec.constructs) if spec.modes[c] == "B" and len(spec.items[c]) > 1)
        regressions = tuple((index[t], np.array([index[s] for s in spec.antecedents(t)])) for t in spec.endogenous)
        parts = (spec, mask, paths, tuple(blocks), mode_b, regressions)
        if spec.higher_order:
            stages = (Stage.of(spec.first_order(), spec), Stage.of(spec.second_order(), spec))
            first = stages[0].layout
            return cls(*parts, first, dimensions=tuple(first.spec.constructs.index(d) for d in spec.dimensions),
                       stages=stages)  # fmt: skip
        if not spec.interactions:
            return cls(*parts)
        first = cls.of(spec.main_effects())
        names = first.spec.constructs
        return cls(*parts, first, tuple((names.index(iv), names.index(m)) for iv, m, _ in spec.interactions))

    def refuse_two_stage(self, what: str) -> None:
        """A ModelError saying that `what` does not take this model's interaction terms or higher-order constructs."""
        if self.spec.interactions:
            raise ModelError(f"{what} with interaction terms is not supported; drop the X:M terms")
        if self.spec.higher_order:
            hoc = self.spec.higher_order[0]
            raise ModelError(f"{what} with higher-order constructs ('{hoc}') is not supported; replace '{hoc}' by its "
                             "dimensions")  # fmt: skip


@dataclass(frozen=True)
class Solution:
    """Outer weights (scores ``Z @ weights`` have unit variance), the passes run and whether they converged."""

    weights: np.ndarray
    iterations: int
    converged: bool


def estimate(S: np.ndarray, layout: Layout, scheme: str = "path") -> Solution:
    """Outer weights of the model on indicator correlations `S` (items in ``layout.spec.indicators`` order).

    Examples
    --------
    >>> layout = Layout.of(parse("X =~ a + b\\nY =~ c + d\\nY ~ X"))  # doctest: +SKIP
    >>> estimate(np.corrcoef(data, rowvar=False), layout).weights  # doctest: +SKIP
    """
    if layout.stages:
        return _two_stage(S, layout, scheme)
    weights = layout.mask
    for iteration in range(MAX_ITERATIONS + 1):
        scaled = _unit(S, weights)
        proxies = _unit(S, scaled @ inner(scaled.T @ S @ scaled, layout, scheme))
        new = _unit(S, outer(S, S @ proxies, layout))
        change = np.abs(new - weights).sum()
        weights = new
        if change < TOLERANCE:
            return Solution(weights, iteration, True)
    return Solution(weights, MAX_ITERATIONS, False)


def _two_stage(S: np.ndarray, layout: Layout, scheme: str) -> Solution:
    """Outer weights of a model with higher-order constructs: the dimensions' from the first stage, the others
    from the second (seminr's ``combine_first_order_second_order_matrices``); the second stage's iterations."""
    weights = np.zeros_like(layout.mask)
    solutions = []
    for stage in layout.stages:  # the second stage overwrites the blocks the two share
        solutions.append(estimate(S[np.ix_(stage.items, stage.items)], stage.layout, scheme))
        weights[np.ix_(stage.items, stage.constructs)] = solutions[-1].weights
    return Solution(weights, solutions[-1].iterations, all(s.converged for s in solutions))


def _unit(S: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weights rescaled so that each composite ``Z w`` has unit variance."""
    return weights / np.sqrt(np.einsum("ij,ik,kj->j", weights, S, weights))


def inner(R: np.ndarray, layout: Layout, scheme: str) -> np.ndarray:
    """Inner weights ``E`` (proxy of construct j: ``sum_i score_i E[i, j]``) from score correlations `R`."""
    both = layout.paths + layout.paths.T
    if scheme == "factor":
        return R * both
    if scheme == "centroid":
        return np.sign(R) * both
    weights = R * layout.paths.T  # a successor enters its antecedent's proxy by their correlation
    for target, sources in layout.regressions:  # antecedents enter by their regression coefficients
        weights[sources, target] = np.linalg.solve(R[np.ix_(sources, sources)], R[sources, target])
    return weights


def outer(S: np.ndarray, covariances: np.ndarray, layout: Layout) -> np.ndarray:
    """New outer weights: mode A the item-proxy covariances, mode B their regression on the block's items."""
    weights = covariances * layout.mask
    for j in layout.mode_b:
        rows = layout.blocks[j]
        weights[rows, j] = np.linalg.solve(S[np.ix_(rows, rows)], covariances[rows, j])
    return weights


def paths(R: np.ndarray, layout: Layout) -> tuple[np.ndarray, np.ndarray]:
    """Path coefficients [source, target] (OLS on the scores) and R² of each construct (0 if exogenous)."""
    coefficients = np.zeros_like(R)
    r2 = np.zeros(len(R))
    for target, sources in layout.regressions:
        beta = np.linalg.solve(R[np.ix_(sources, sources)], R[sources, target])
        coefficients[sources, target] = beta
        r2[target] = beta @ R[sources, target]
    return coefficients, r2


def effects(coefficients: np.ndarray) -> np.ndarray:
    """Total effects [source, target] of a recursive model: ``B + B² + ...``."""
    k = len(coefficients)
    return np.linalg.solve(np.eye(k) - coefficients, np.eye(k)) - np.eye(k)
