"""PLSpredict (Shmueli et al. 2019), as seminr's ``predict_pls`` with its direct-antecedents technique, and
Stone-Geisser's Q² by blindfolding (`blindfolding`, which seminr does not compute).

Each repetition shuffles the rows (``Generator(PCG64(seed)).permutation``, seminr's shuffle; repetition r
takes the r-th permutation of that generator, so the first is seminr's), cuts them into k contiguous folds
(R's ``cut(seq_len(n), breaks = k)``), and for each fold re-estimates the model on the other rows, scores
the held-out rows with the training means, SDs and weights, predicts each endogenous construct from its
direct antecedents' scores (``scores @ paths``) and its items by the loadings, back on the items' scale.
The linear-model benchmark regresses each endogenous construct's items on the items of its antecedents.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import estimates
from .algorithm import Layout


def folds_of(n: int, k: int) -> np.ndarray:
    """Fold (0 to k-1) of each position 0..n-1, as R's ``cut(seq_len(n), breaks = k)``."""
    fuzz = (n - 1) / 1000
    breaks = 1 + np.arange(k + 1) * (n - 1) / k
    breaks[0], breaks[k] = 1 - fuzz, n + fuzz
    return np.searchsorted(breaks[1:], np.arange(1, n + 1), side="left")


def _fold(values: np.ndarray, train: np.ndarray, test: np.ndarray, layout: Layout, scheme: str, plsc: bool,
          endogenous: list[int]) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """PLS and LM predictions of the endogenous constructs' items on the `test` rows."""
    x = values[train]
    mean, sd = x.mean(axis=0), x.std(axis=0, ddof=1)
    est = estimates.solve(estimates.correlations(x), layout, scheme, plsc, sd)
    scores = (values[test] - mean) / sd @ est.weights
    predicted = scores @ est.paths
    items = np.concatenate([layout.blocks[j] for j in endogenous])
    pls = predicted[:, endogenous] @ est.loadings[np.ix_(items, endogenous)].T * sd[items] + mean[items]
    lm = []
    for target, sources in layout.regressions:
        design = np.concatenate([layout.blocks[s] for s in sources])
        a = np.column_stack([np.ones(len(train)), x[:, design]])
        beta = np.linalg.solve(a.T @ a, a.T @ x[:, layout.blocks[target]])
        lm.append(np.column_stack([np.ones(len(test)), values[np.ix_(test, design)]]) @ beta)
    return pls, np.column_stack(lm)


def plspredict(values: pd.DataFrame, layout: Layout, scheme: str, plsc: bool, *, folds: int = 10,
               repeats: int = 10, seed=None) -> pd.DataFrame:  # fmt: skip
    """Out-of-sample RMSE, MAE and Q²predict of each endogenous item, for PLS and the LM benchmark.

    Metrics are computed over the n held-out predictions of each repetition, then averaged over the
    repetitions. Q²predict is ``1 - SSE / SS`` around the training folds' item means (SmartPLS's).

    Examples
    --------
    >>> plspredict(values, layout, "path", False, folds=10, repeats=1, seed=1)  # doctest: +SKIP
    """
    n = len(values)
    if isinstance(folds, bool) or not isinstance(folds, int) or not 2 <= folds <= n:
        raise ValueError(f"folds must be a whole number from 2 to {n}, not {folds!r}")
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise ValueError(f"repeats must be a whole number, at least 1, not {repeats!r}")
    layout.refuse_two_stage("PLSpredict of a model")
    x = values.to_numpy()
    endogenous = [target for target, _ in layout.regressions]
    items = np.concatenate([layout.blocks[j] for j in endogenous])
    rng = np.random.Generator(np.random.PCG64(seed))
    metrics = []
    for _ in range(repeats):
        order, fold = rng.permutation(n), folds_of(n, folds)
        pls, lm, naive = (np.empty((n, len(items))) for _ in range(3))
        for f in range(folds):
            test, train = order[fold == f], order[fold != f]
            pls[test], lm[test] = _fold(x, train, test, layout, scheme, plsc, endogenous)
            naive[test] = x[np.ix_(train, items)].mean(axis=0)
        actual = x[:, items]
        sso = ((actual - naive) ** 2).sum(axis=0)
        metrics.append([_errors(actual - pls, sso), _errors(actual - lm, sso)])
    table = np.mean(metrics, axis=0)
    names = [layout.spec.indicators[i] for i in items]
    constructs = [layout.spec.constructs[j] for j in endogenous for _ in layout.blocks[j]]
    return pd.DataFrame({"construct": constructs, "item": names, "rmse": table[0, 0], "mae": table[0, 1],
                         "q2_predict": table[0, 2], "lm_rmse": table[1, 0], "lm_mae": table[1, 1],
                         "lm_q2_predict": table[1, 2]})  # fmt: skip


def _errors(residuals: np.ndarray, sso: np.ndarray) -> list[np.ndarray]:
    return [np.sqrt((residuals**2).mean(axis=0)), np.abs(residuals).mean(axis=0), 1 - (residuals**2).sum(axis=0) / sso]


def blindfolding(values: pd.DataFrame, layout: Layout, scheme: str, plsc: bool, distance: int = 7) -> pd.Series:
    """Stone-Geisser Q² (cross-validated redundancy) of each endogenous construct by blindfolding.

    Hair et al. (2017, ch. 6): the construct's data points, counted item by item and case by case within
    an item, fall into `distance` rounds (point t in round ``t mod distance``; so choose a distance that does
    not divide n, or every item loses the same cases); each round mean-replaces its points,
    re-estimates the model, and predicts them from the antecedents' scores by the loadings
    (``λ_k Σ β_j ξ_j``, back on the item's scale). ``Q² = 1 - SSE / SSO``, SSO around the round's means.
    Not pinned by seminr (which has no blindfolding); SmartPLS 3's figures may differ in detail.

    Examples
    --------
    >>> blindfolding(values, layout, "path", False, distance=7)  # doctest: +SKIP
    """
    n = len(values)
    if isinstance(distance, bool) or not isinstance(distance, int) or not 2 <= distance < n:
        raise ValueError(f"omission distance must be a whole number from 2 to {n - 1}, not {distance!r}")
    layout.refuse_two_stage("blindfolding of a model")
    x = values.to_numpy()
    out = {}
    for target, sources in layout.regressions:
        block = layout.blocks[target]
        rounds = (np.arange(n * len(block)) % distance).reshape(len(block), n).T
        sse = sso = 0.0
        for d in range(distance):
            omitted = rounds == d
            filled = x.copy()
            column = filled[:, block]
            column[omitted] = np.nan
            column = np.where(omitted, np.nanmean(column, axis=0), column)
            filled[:, block] = column
            mean, sd = filled.mean(axis=0), filled.std(axis=0, ddof=1)
            est = estimates.solve(estimates.correlations(filled), layout, scheme, plsc, sd)
            scores = (filled - mean) / sd @ est.weights
            predicted = scores[:, sources] @ est.paths[sources, target]
            fitted = np.outer(predicted, est.loadings[block, target]) * sd[block] + mean[block]
            sse += ((x[:, block] - fitted)[omitted] ** 2).sum()
            sso += ((x[:, block] - mean[block])[omitted] ** 2).sum()
        out[layout.spec.constructs[target]] = 1 - sse / sso
    return pd.Series(out, name="q2")
